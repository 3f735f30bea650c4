#!/usr/bin/env bash
# Prefill (pp512) and generation (tg128) speed of BaseServe's engine beside
# llama.cpp's llama-bench, on the same GGUF file and thread count, in one run.
#
#   bench/engine-vs-llamacpp.sh [MODEL.gguf] [THREADS...]     # default: the default model, 2 threads
#   SIMD=avx2 bench/engine-vs-llamacpp.sh …   # both capped to AVX2+FMA: BaseServe with --simd avx2,
#                                             # beside a llama.cpp built with AVX-512 off
#
# Needs the release build (scripts/setup.sh --build) and bench/llamacpp.sh,
# which builds llama.cpp once into a cache folder.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
shift || true
THREADS=("$@"); ((${#THREADS[@]})) || THREADS=(2)
BIN=${BASESERVE_BIN:-.build/release/baseserve}
LLAMACPP=${LLAMACPP_SH:-bench/llamacpp.sh}
SIMD=${SIMD:-native}
case $SIMD in
  native) OUR_SIMD=avx512 ;;
  avx2) OUR_SIMD=avx2 ;;
  *) echo "SIMD must be native or avx2" >&2; exit 2 ;;
esac
[[ -x $BIN ]] || { echo "no release build at $BIN: run scripts/setup.sh --build" >&2; exit 1; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "model:   $MODEL ($(du -h "$MODEL" | cut -f1))"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
grep -qw avx512f /proc/cpuinfo && cpu_best=avx512 || cpu_best=avx2
grep -qw avx2 /proc/cpuinfo || cpu_best=portable
echo "simd:    BaseServe capped at $OUR_SIMD (this CPU's best: $cpu_best); llama.cpp build: $SIMD"
[[ $cpu_best == avx512 ]] || echo "         (no AVX-512 here: this run measures the AVX2 paths only; AVX-512 needs another machine)"
# Read bandwidth per thread count: decode reads every weight once per token, so
# decode GB/s of weights is read against it (bench/membw.c).
MEMBW=""
if command -v cc >/dev/null && cc -O3 -march=native -pthread bench/membw.c -o /tmp/baseserve-membw 2>/dev/null; then
  MEMBW=$(/tmp/baseserve-membw "${THREADS[@]}" | tail -n +2)
fi
printf '\n%-8s %-6s %12s %12s %8s\n' threads test baseserve llama.cpp ratio
for t in "${THREADS[@]}"; do
  ours=$("$BIN" bench --model "$MODEL" --threads "$t" --simd "$OUR_SIMD" --json 2>/dev/null)
  theirs=$(LLAMACPP_SIMD=$SIMD bash "$LLAMACPP" "$MODEL" "$t" 2>/dev/null)
  python3 - "$t" "$ours" "$theirs" "$MEMBW" <<'PY'
import json, re, sys
threads, ours, theirs, membw = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
def llama(test):
    for line in theirs.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) > 2 and cells[-2] == test:
            return float(re.match(r'[\d.]+', cells[-1]).group())
    raise SystemExit(f"llama-bench printed no {test} row")
for test, key in (("pp512", "prefill_tokens_per_s"), ("tg128", "decode_tokens_per_s")):
    a, b = ours[key], llama(test)
    print(f"{threads:<8} {test:<6} {a:12.1f} {b:12.1f} {a / b:8.2f}")
gb = ours["decode_weight_bytes"] / 1e9
read = {int(c[0]): float(c[-1]) for c in (l.split() for l in membw.splitlines()) if len(c) >= 3}
ceiling = read.get(int(threads))
line = f"{threads:<8} {'GB/s':<6} {ours['decode_tokens_per_s'] * gb:12.2f} {llama('tg128') * gb:12.2f} {'':>8}  (tg128 x {gb * 1e3:.1f} MB of weights per token"
print(line + (f"; memory read {ceiling:.1f} GB/s: {100 * ours['decode_tokens_per_s'] * gb / ceiling:.0f}% / {100 * llama('tg128') * gb / ceiling:.0f}%)" if ceiling else ")"))
print(f"{threads:<8} {'score':<6} {ours['score_tokens_per_s']:12.1f} {'-':>12} {'':>8}  (pp512 with prompt_logprobs 5)")
print(f"{threads:<8} {'peak':<6} {ours['peak_rss_bytes'] / 2**20:10.1f}Mi")
print(f"{threads:<8} {'simd':<6} {ours['simd']:>12}  (the level BaseServe's kernels used)")
PY
done
