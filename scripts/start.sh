#!/usr/bin/env bash
# Sets up the machine, builds BaseServe and runs it on the default model.
#
#   scripts/start.sh                      # scores a sample sentence
#   scripts/start.sh generate "Once upon a time"
#   scripts/start.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build
if (($# == 0)); then set -- score "The capital of France is Paris."; fi
exec .build/release/baseserve "$@"
