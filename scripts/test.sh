#!/usr/bin/env bash
# Sets up the machine and runs BaseServe's whole test suite on one optimised
# build (numeric code is too slow to test in debug).
#
#   scripts/test.sh [extra swift test arguments, e.g. --filter TokenizerTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "[test] swift test (release, testable)" >&2
swift test -c release -Xswiftc -enable-testing "$@"
