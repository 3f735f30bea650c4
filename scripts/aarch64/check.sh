#!/usr/bin/env bash
# Cross-compiles BaseServe's C kernels for aarch64 Linux and runs kernel-check.c under
# qemu: the kernels an ARM server or a Raspberry Pi would run, checked against float64
# on an x86 machine. Needs Debian's gcc-aarch64-linux-gnu and qemu-user:
#   apt-get install -y gcc-aarch64-linux-gnu qemu-user
# Usage: scripts/aarch64/check.sh        (also builds and runs it natively first)
set -euo pipefail
cd "$(dirname "$0")/../.."
src=Sources/KernelsC
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
files=("$src/dequant.c" "$src/dot.c" "$src/vec.c" "$src/memory.c" scripts/aarch64/kernel-check.c)

echo "== native ($(uname -m))"
clang -O3 -ffp-contract=fast -I"$src/include" -I"$src" -o "$out/native" "${files[@]}" -lm
"$out/native"

echo "== aarch64 (qemu)"
# clang, not the cross gcc: Debian 12's aarch64 gcc 12 crashes vectorising a reduction here.
clang --target=aarch64-linux-gnu -fuse-ld=/usr/bin/aarch64-linux-gnu-ld -O3 -ffp-contract=fast -static -I"$src/include" -I"$src" -o "$out/aarch64" "${files[@]}" -lm
qemu-aarch64 "$out/aarch64"
