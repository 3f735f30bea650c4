"""A float64 Llama forward pass written out in numpy from the model's definition.

scripts/reference-instruments.py computes its references with Hugging Face transformers and
checks them against this pass, which shares no code with transformers (nor with BaseServe):
it works in llama.cpp's GGUF layout, Q and K rows as the converter permuted them so that RoPE
rotates adjacent pairs, where transformers rotates the two halves of each head.
"""
import numpy as np


class NumpyLlama:
    """The forward pass over a GGUF's float64 weights (a `GGUFLlama` of reference-instruments.py)."""

    def __init__(self, gguf):
        self.gguf = gguf
        self.embedding = gguf.weight("token_embd.weight")
        self.norm = gguf.weight("output_norm.weight")
        self.output = self.embedding if gguf.tied else gguf.weight("output.weight")

    def rms(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.gguf.eps) * weight

    def rope(self, x):  # x: [T, heads, head_dim], adjacent pairs rotated
        angles = np.arange(x.shape[0], dtype=np.float64)[:, None] * self.gguf.inv_freq[None, :]
        cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
        return out

    def forward(self, ids, steering=None):
        """The residual stream after every block [layers, T, H] (before the final norm) and the
        logits [T, V]. steering: {layer: vector [H]} added after that block at every position."""
        g = self.gguf
        x = self.embedding[ids]
        T = len(ids)
        mask = np.triu(np.full((T, T), -np.inf), k=1)
        group = g.heads // g.kv_heads
        residuals = []
        for i in range(g.layers):
            w = lambda name: g.weight(f"blk.{i}.{name}.weight")
            h = self.rms(x, w("attn_norm"))
            q = self.rope((h @ w("attn_q").T).reshape(T, g.heads, g.head_dim))
            k = self.rope((h @ w("attn_k").T).reshape(T, g.kv_heads, g.head_dim))
            v = (h @ w("attn_v").T).reshape(T, g.kv_heads, g.head_dim)
            k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
            scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(g.head_dim) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            x = x + np.einsum("hts,shd->thd", scores, v).reshape(T, -1) @ w("attn_output").T
            h = self.rms(x, w("ffn_norm"))
            gate = h @ w("ffn_gate").T
            x = x + ((gate / (1 + np.exp(-gate))) * (h @ w("ffn_up").T)) @ w("ffn_down").T
            if steering and i in steering:
                x = x + steering[i]
            residuals.append(x)
        return np.stack(residuals), self.rms(x, self.norm) @ self.output.T
