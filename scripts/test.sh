#!/usr/bin/env bash
# Sets up the machine and runs BaseServe's whole test suite on one optimised
# build (numeric code is too slow to test in debug): the Swift tests, then the
# end-to-end tests (pytest, the official openai client, Chromium driven by
# selenium, an SMTP sink) against the real `baseserve serve` from that same
# release build. The access tests run on SQLite and on PostgreSQL, which this
# script installs and starts (scripts/postgres.sh).
#
#   scripts/test.sh [extra swift test arguments, e.g. --filter TokenizerTests]
#   SKIP_E2E=1 scripts/test.sh      # Swift tests only
set -euo pipefail
cd "$(dirname "$0")/.."
# Chromium and its driver for the browser tests, PostgreSQL for the store tests.
EXTRA_APT_PACKAGES="${EXTRA_APT_PACKAGES:-} chromium chromium-driver postgresql" scripts/setup.sh
if [[ -z ${BASESERVE_TEST_POSTGRES_URL:-} ]]; then
  BASESERVE_TEST_POSTGRES_URL=$(scripts/postgres.sh)
  export BASESERVE_TEST_POSTGRES_URL
fi

# The GGUF files the tests read (git holds none): fetched and checked by SHA-256.
scripts/test-data.py

source scripts/build-flags.sh
echo "[test] swift test ${BUILD_FLAGS[*]}" >&2
swift test "${BUILD_FLAGS[@]}" "$@"

if [[ ${SKIP_E2E:-} == 1 ]]; then exit 0; fi

# llama.cpp's llama-server for the upstream test: built once into a cache folder.
if [[ ${SKIP_LLAMACPP:-} != 1 ]]; then
  echo "[test] llama.cpp (bench/llamacpp.sh; cached after the first build)" >&2
  LLAMACPP_BIN_DIR=$(LLAMACPP_BIN=1 bench/llamacpp.sh)
  export LLAMACPP_BIN_DIR
fi

# The end-to-end tests use the server binary of the build above (same flags, so
# this builds nothing new when `swift test` already linked it).
if [[ ! -x .build/release/baseserve ]]; then
  swift build "${BUILD_FLAGS[@]}" --product baseserve
fi

# Python test dependencies, pinned, each set in its own git-ignored virtual
# environment, installed only when a pin is missing or differs.
# .venv: the tests' own (schemathesis checks the server against its /openapi.json).
# .venv-lmeval and .venv-inspect: the research tools whose recipes the user guide
# gives; tests/e2e/test_docs.py runs those recipes with them, as a user would.
ensure_venv() {
  local dir=$1; shift
  if [[ ! -x $dir/bin/python ]]; then python3 -m venv "$dir"; fi
  if ! "$dir/bin/python" - "$@" 2>/dev/null <<'PY'
import re, sys
from importlib.metadata import version
pins = [re.sub(r"\[.*\]", "", p).split("==") for p in sys.argv[1:]]
sys.exit(any(version(name) != wanted for name, wanted in pins))
PY
  then
    echo "[test] installing $* into $dir" >&2
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
  fi
}
ensure_venv .venv openai==3.51.0 pytest==9.0.3 httpx==0.28.1 selenium==4.45.0 aiosmtpd==1.4.6 schemathesis==4.32.5 numpy==2.4.6
ensure_venv .venv-lmeval 'lm-eval[api]==0.4.13' &
lmeval=$!
ensure_venv .venv-inspect inspect-ai==0.3.285 openai==3.63.0
wait $lmeval

echo "[test] pytest tests/e2e (against .build/release/baseserve)" >&2
set +e
BASESERVE_BIN=${BASESERVE_BIN:-.build/release/baseserve} .venv/bin/python -m pytest tests/e2e -q -p no:cacheprovider
status=$?
set -e
if ((status == 5)); then
  echo "[test] pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit $status
