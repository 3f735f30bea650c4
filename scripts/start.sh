#!/usr/bin/env bash
# Sets up the machine, builds BaseServe and runs it on the default model.
#
#   scripts/start.sh                      # serves the OpenAI-compatible API on 127.0.0.1:8000
#   scripts/start.sh serve --port 9000 --api-key KEY --host 0.0.0.0
#   scripts/start.sh generate "Once upon a time"
#   scripts/start.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build
if (($# == 0)); then set -- serve; fi
exec .build/release/baseserve "$@"
