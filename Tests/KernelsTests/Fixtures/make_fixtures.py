#!/usr/bin/env python3
"""Writes dequantization fixtures for BaseServe's kernel tests.

For each supported GGUF type: `<TYPE>.bin` holds a few blocks of random bytes whose fp16
scale fields are replaced by sane finite values, and `<TYPE>.f32` the little-endian fp32
values the `gguf` package (independent of our C code) decodes them to.
Run: python3 Tests/KernelsTests/Fixtures/make_fixtures.py (it lives here so SwiftPM treats it as a resource, not an unhandled file)
"""
import os
import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

OUT = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)

def f16_bytes(n, lo, hi, signed=True):
    v = rng.uniform(lo, hi, n).astype(np.float16)
    if signed:
        v *= np.where(rng.random(n) < 0.5, -1, 1).astype(np.float16)
    return v.view(np.uint8).reshape(n, 2)

# (type, blocks, byte offsets of fp16 scale fields inside a block)
QUANT = [
    (T.Q4_0, 6, [0]), (T.Q4_1, 6, [0, 2]), (T.Q5_0, 6, [0]), (T.Q5_1, 6, [0, 2]),
    (T.Q8_0, 6, [0]), (T.Q4_K, 3, [0, 2]), (T.Q5_K, 3, [0, 2]), (T.Q6_K, 3, [208]),
]

def write(name, raw, values):
    raw.astype(np.uint8).tofile(os.path.join(OUT, name + ".bin"))
    np.asarray(values, dtype="<f4").reshape(-1).tofile(os.path.join(OUT, name + ".f32"))

def main():
    os.makedirs(OUT, exist_ok=True)
    for qtype, blocks, scale_offsets in QUANT:
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        raw = rng.integers(0, 256, (blocks, type_size), dtype=np.uint8)
        for off in scale_offsets:
            raw[:, off:off + 2] = f16_bytes(blocks, 1e-3, 0.5)
        # include a subnormal scale to cover exact fp16 decoding
        raw[0, scale_offsets[0]:scale_offsets[0] + 2] = np.array([0x03, 0x00], dtype=np.uint8)
        flat = raw.reshape(-1)
        write(qtype.name, flat, gguf.quants.dequantize(flat, qtype))
    # plain types: finite random values incl. subnormal/zero/negative zero
    f32 = rng.standard_normal(96).astype(np.float32)
    f32[:3] = [0.0, -0.0, 1e-40]
    write("F32", f32.view(np.uint8), f32)
    f16 = (rng.standard_normal(96) * 100).astype(np.float16)
    f16[:4] = np.array([0.0, -0.0, 6e-8, 65504.0], dtype=np.float16)
    f16v = f16.view(np.uint8)
    write("F16", f16v, gguf.quants.dequantize(f16v, T.F16))
    bf = rng.standard_normal(96).astype(np.float32).view(np.uint32) >> 16
    bfv = bf.astype("<u2").view(np.uint8)
    write("BF16", bfv, gguf.quants.dequantize(bfv, T.BF16))

if __name__ == "__main__":
    main()
