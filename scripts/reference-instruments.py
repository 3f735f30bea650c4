#!/usr/bin/env python3
"""Reference values for BaseServe's research instruments, from an independent implementation.

A float64 Llama forward pass in numpy over the GGUF's weights, dequantized with the `gguf`
PyPI package (as Tests/Data/golden/*.json were made), written here from the model's
definition and sharing no code with BaseServe. Before writing anything it checks itself
against the golden prompt logprobs (within 1e-6), then computes, for a few short prompts
of each golden file (their token ids, so no tokenizer is involved):

- entropy: the entropy in nats of every next-token distribution of the prompt (position
  0 has none) and of the greedy continuation's tokens;
- residual: the residual stream after chosen blocks (before the final norm), every
  evaluated position, as base64 of little-endian float32 [L, T, H];
- lens: the logit lens, top-5 of log-softmax(output(norm(residual))) per chosen layer
  and position;
- rolling: the strided perplexity of the long golden prompt, as Hugging Face's guide
  computes it (windows of W tokens every S, each scoring the tokens no earlier window
  scored), every token's logprob;
- steering: a difference-of-means vector (the mean residual of one prompt minus that of
  another, after one block), added with a scale after that block at every position; the
  steered greedy continuation with its logprobs, and the steered prompt logprobs.

Writes Tests/Data/golden/<model>.instruments.json. Needs numpy and gguf:

  python3 -m venv .venv-ref && .venv-ref/bin/pip install numpy gguf
  .venv-ref/bin/python scripts/reference-instruments.py

Hugging Face transformers (float64) would be the other natural reference; torch could not
be installed where these files were made, so the pass is written out here instead.
"""
import base64
import json
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader, GGUFValueType
from gguf.quants import dequantize

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "Tests/Data/golden"
MODELS = {
    "smollm2": ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf",
    "tiny-llama3": GOLDEN / "tiny-llama3.gguf",
}
CASES = {"smollm2": [0, 3], "tiny-llama3": [0, 2]}  # short prompts of each golden file
ROLLING = {"smollm2": (12, 64, 24), "tiny-llama3": (6, 128, 48)}  # the long case, window, stride
GREEDY_TOKENS = 6
TOP = 5


def field(reader, key):
    f = reader.fields[key]
    value = f.parts[f.data[0]]
    if f.types[0] == GGUFValueType.STRING:
        return bytes(value).decode()
    return value.tolist()[0]


class Llama:
    """The Llama forward pass in float64, llama.cpp's GGUF layout (Q and K rows permuted
    so that RoPE rotates adjacent pairs)."""

    def __init__(self, path):
        r = GGUFReader(str(path))
        arch = field(r, "general.architecture")
        self.layers = field(r, f"{arch}.block_count")
        self.heads = field(r, f"{arch}.attention.head_count")
        self.kv_heads = field(r, f"{arch}.attention.head_count_kv")
        self.eps = field(r, f"{arch}.attention.layer_norm_rms_epsilon")
        self.theta = field(r, f"{arch}.rope.freq_base") if f"{arch}.rope.freq_base" in r.fields else 10000.0
        t = {x.name: x for x in r.tensors}

        def w(name):
            x = t[name]
            return dequantize(x.data, x.tensor_type).astype(np.float64).reshape([int(d) for d in reversed(x.shape)])

        self.embedding = w("token_embd.weight")
        self.hidden = self.embedding.shape[1]
        self.head_dim = self.hidden // self.heads
        self.blocks = [{k: w(f"blk.{i}.{k}.weight") for k in
                        ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"]}
                       for i in range(self.layers)]
        self.norm = w("output_norm.weight")
        self.output = w("output.weight") if "output.weight" in t else self.embedding
        freqs = self.theta ** (-np.arange(0, self.head_dim, 2, dtype=np.float64) / self.head_dim)
        if "rope_freqs.weight" in t:
            freqs = freqs / w("rope_freqs.weight")
        self.freqs = freqs

    def rms(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def rope(self, x):  # x: [T, heads, head_dim], adjacent pairs rotated
        T = x.shape[0]
        angles = np.arange(T, dtype=np.float64)[:, None] * self.freqs[None, :]
        cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
        return out

    def forward(self, ids, steering=None):
        """Residual stream after every block [layers, T, H] and the logits [T, V].
        steering: {layer: vector [H]} added after that block at every position."""
        x = self.embedding[ids]
        T = len(ids)
        mask = np.triu(np.full((T, T), -np.inf), k=1)
        group = self.heads // self.kv_heads
        residuals = []
        for i, b in enumerate(self.blocks):
            h = self.rms(x, b["attn_norm"])
            q = self.rope((h @ b["attn_q"].T).reshape(T, self.heads, self.head_dim))
            k = self.rope((h @ b["attn_k"].T).reshape(T, self.kv_heads, self.head_dim))
            v = (h @ b["attn_v"].T).reshape(T, self.kv_heads, self.head_dim)
            k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
            scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(self.head_dim) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            x = x + np.einsum("hts,shd->thd", scores, v).reshape(T, -1) @ b["attn_output"].T
            h = self.rms(x, b["ffn_norm"])
            gate = h @ b["ffn_gate"].T
            x = x + ((gate / (1 + np.exp(-gate))) * (h @ b["ffn_up"].T)) @ b["ffn_down"].T
            if steering and i in steering:
                x = x + steering[i]
            residuals.append(x)
        return np.stack(residuals), self.lens(x)

    def lens(self, residual):
        return self.rms(residual, self.norm) @ self.output.T


def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def entropy(logprobs):
    return -(np.exp(logprobs) * logprobs).sum(axis=-1)


def top(row, k=TOP):
    order = np.lexsort((np.arange(len(row)), -row))[:k]  # higher first, lower id on ties
    return [[int(i), float(row[i])] for i in order]


def greedy(model, ids, count, steering=None):
    ids = list(ids)
    out = {"token_ids": [], "logprobs": [], "entropies": []}
    for _ in range(count):
        _, logits = model.forward(ids, steering)
        lp = log_softmax(logits[-1])
        t = int(np.argmax(lp))
        out["token_ids"].append(t)
        out["logprobs"].append(float(lp[t]))
        out["entropies"].append(float(entropy(lp)))
        ids.append(t)
    return out, ids


def f32(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode()


def check(model, case):
    _, logits = model.forward(case["token_ids"])
    lp = log_softmax(logits)
    worst = max(abs(lp[i - 1][p["token_id"]] - p["logprob"]) for i, p in enumerate(case["prompt_logprobs"]) if p)
    if worst > 1e-6:
        sys.exit(f"the reference pass is off the golden logprobs by {worst:g}")
    return worst


def rolling(model, case, window, stride):
    ids = case["token_ids"]
    logprobs = [None]
    scored, begin = 1, 0
    while scored < len(ids):
        end = min(begin + window, len(ids))
        lp = log_softmax(model.forward(ids[begin:end])[1])
        logprobs += [float(lp[i - 1 - begin][ids[i]]) for i in range(scored, end)]
        scored, begin = end, begin + stride
    total = sum(logprobs[1:])
    return {"prompt": case["prompt"], "token_ids": ids, "window": window, "stride": stride, "token_logprobs": logprobs,
            "logprob": total, "num_tokens": len(ids) - 1, "perplexity": float(np.exp(-total / (len(ids) - 1)))}


def reference(name):
    model = Llama(MODELS[name])
    golden = json.loads((GOLDEN / f"{name}.json").read_text())
    cases = [golden["cases"][i] for i in CASES[name]]
    worst = max(check(model, c) for c in cases)
    print(f"{name}: matches the golden logprobs within {worst:.1e}")
    layers = sorted({0, model.layers // 2, model.layers - 1})
    steer_layer = model.layers // 2
    out = {"model_file": MODELS[name].name, "reference": "numpy float64 forward pass (scripts/reference-instruments.py)",
           "layers": model.layers, "hidden_size": model.hidden, "cases": []}
    # The steering vector: difference of the two prompts' mean residuals after `steer_layer`.
    means = [model.forward(c["token_ids"])[0][steer_layer].mean(axis=0) for c in cases]
    vector = means[0] - means[1]
    for c in cases:
        ids = c["token_ids"]
        gen, all_ids = greedy(model, ids, GREEDY_TOKENS)
        # Activations over every evaluated position: the prompt, then each generated token but the last.
        residual, logits = model.forward(all_ids[:-1])
        lp = log_softmax(logits[: len(ids)])
        entry = {
            "prompt": c["prompt"], "token_ids": ids,
            "prompt_entropy": [None] + [float(e) for e in entropy(lp[:-1])],
            "greedy": gen,
            "residual": {"layers": layers, "shape": [len(layers), len(all_ids) - 1, model.hidden],
                         "data": f32(residual[layers])},
            "lens": {str(l): [None] + [top(r) for r in log_softmax(model.lens(residual[l][: len(ids) - 1]))] for l in layers},
        }
        steered = {}
        for scale in [4.0]:
            s_gen, s_ids = greedy(model, ids, GREEDY_TOKENS, {steer_layer: scale * vector})
            _, s_logits = model.forward(ids, {steer_layer: scale * vector})
            s_lp = log_softmax(s_logits)
            steered = {"scale": scale, "greedy": s_gen,
                       "prompt_logprobs": [None] + [float(s_lp[i - 1][ids[i]]) for i in range(1, len(ids))]}
        entry["steering"] = steered
        out["cases"].append(entry)
    out["steering_vector"] = {"layer": steer_layer, "data": f32(vector)}
    out["rolling"] = rolling(model, golden["cases"][ROLLING[name][0]], *ROLLING[name][1:])
    path = GOLDEN / f"{name}.instruments.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    for name in sys.argv[1:] or list(MODELS):
        reference(name)
