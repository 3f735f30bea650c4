#!/usr/bin/env bash
# Builds llama.cpp's own tools (llama-bench, llama-server, llama-tokenize) from the
# source package of llama-cpp-python on PyPI, once, into a cache folder, then runs
# llama-bench on a GGUF file. The reference point for BaseServe's speed.
#
#   bench/llamacpp.sh MODEL.gguf [THREADS]      # prints llama-bench's table
#   LLAMACPP_BIN=1 bench/llamacpp.sh            # only builds; prints the bin folder
#   LLAMACPP_SIMD=avx2 bench/llamacpp.sh …      # a build with AVX-512 off (AVX2+FMA), in its
#                                               # own folder, to compare AVX2 paths on any x86-64
set -euo pipefail
VERSION=0.3.36
CACHE=${LLAMACPP_CACHE:-$HOME/.cache/baseserve-anchors/llama.cpp-$VERSION}
case ${LLAMACPP_SIMD:-native} in
  native) BUILD=$CACHE/build; SIMD_FLAGS=(-DGGML_NATIVE=ON) ;;
  avx2) BUILD=$CACHE/build-avx2
        SIMD_FLAGS=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF) ;;
  *) echo "LLAMACPP_SIMD must be native or avx2" >&2; exit 2 ;;
esac
BIN=$BUILD/bin
if [[ ! -d $CACHE/src ]]; then
  mkdir -p "$CACHE"
  # The build tools go into a virtual environment of the cache's own, so no
  # system Python is changed (and none that refuses pip installs gets in the way).
  [[ -x $CACHE/venv/bin/python ]] || python3 -m venv "$CACHE/venv"
  PATH=$CACHE/venv/bin:$PATH
  command -v cmake >/dev/null || python -m pip install -q cmake ninja
  python -m pip install -q scikit-build-core >/dev/null
  tmp=$(mktemp -d)
  python -m pip download -q --no-deps --no-binary :all: --no-build-isolation -d "$tmp" "llama-cpp-python==$VERSION"
  tar -xzf "$tmp"/llama_cpp_python-$VERSION.tar.gz -C "$tmp"
  rm -rf "$CACHE/src" && mv "$tmp/llama_cpp_python-$VERSION/vendor/llama.cpp" "$CACHE/src"
  rm -rf "$tmp"
fi
if [[ ! -x $BIN/llama-bench || ! -x $BIN/llama-server || ! -x $BIN/llama-tokenize ]]; then
  PATH=$CACHE/venv/bin:$PATH
  gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
  cmake -S "$CACHE/src" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "${SIMD_FLAGS[@]}" \
        -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target llama-bench llama-server llama-tokenize >/dev/null
fi
if [[ ${LLAMACPP_BIN:-} == 1 ]]; then echo "$BIN"; exit 0; fi
MODEL=${1:?usage: llamacpp.sh MODEL.gguf [THREADS]}
THREADS=${2:-$(nproc)}
exec "$BIN/llama-bench" -m "$MODEL" -t "$THREADS" -p 512 -n 128 -r 5 -o md
