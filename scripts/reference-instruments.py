#!/usr/bin/env python3
"""Reference values for BaseServe's research instruments, from an independent implementation.

Hugging Face transformers' `LlamaForCausalLM` in float64 on the GGUF's weights, dequantized
with the `gguf` PyPI package (as Tests/Data/golden/*.json were made) and loaded into a model
whose config comes from the GGUF's metadata. Three places where transformers computes in
float32 whatever the model's dtype (RMSNorm, the RoPE angles, the eager attention's softmax)
are given the same formulas in float64, so that the pass is float64 throughout.

Before writing anything it checks itself against every golden prompt logprob (within 1e-6)
and against the numpy float64 pass of scripts/numpy_llama.py (within 1e-9: the residual
stream of every block, steered and not, and the logits), then computes, for a few short
prompts of each golden file (their token ids, so no tokenizer is involved):

- entropy: the entropy in nats of every next-token distribution of the prompt (position
  0 has none) and of the greedy continuation's tokens;
- residual: the residual stream after chosen blocks (before the final norm), every
  evaluated position, as base64 of little-endian float32 [L, T, H]: `hidden_states[i + 1]`
  for block i, except the last block's, which transformers returns after the final norm and
  is read with a forward hook on that block instead;
- lens: the logit lens, top-5 of log-softmax(lm_head(norm(residual))) per chosen layer and
  position;
- rolling: the strided perplexity of the long golden prompt, as Hugging Face's guide
  computes it (windows of W tokens every S, each scoring the tokens no earlier window
  scored), every token's logprob;
- steering: a difference-of-means vector (the mean residual of one prompt minus that of
  another, after one block), added with a scale after that block at every position by a
  forward hook; the steered greedy continuation (`generate`) with its logprobs, and the
  steered prompt logprobs;
- full: the whole log-softmax at every position of one short prompt (a few of its tokens).

Writes Tests/Data/golden/<model>.instruments.json. Needs torch, transformers, numpy and gguf
(only to make these files, never to build or test BaseServe):

  python3 -m venv .venv-ref
  .venv-ref/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
  .venv-ref/bin/pip install transformers numpy gguf
  .venv-ref/bin/python scripts/reference-instruments.py [smollm2|tiny-llama3]
"""
import base64
import json
import sys
import types
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np
import torch
import transformers
from gguf import GGUFReader, GGUFValueType
from gguf.quants import dequantize
from transformers import AttentionInterface, GenerationConfig, LlamaConfig, LlamaForCausalLM
from transformers.masking_utils import AttentionMaskInterface, eager_mask
from transformers.models.llama import modeling_llama

from numpy_llama import NumpyLlama

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "Tests/Data/golden"
MODELS = {
    "smollm2": ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf",
    "tiny-llama3": GOLDEN / "tiny-llama3.gguf",
}
CASES = {"smollm2": [0, 3], "tiny-llama3": [0, 2]}  # short prompts of each golden file
ROLLING = {"smollm2": (12, 64, 24), "tiny-llama3": (6, 128, 48)}  # the long case, window, stride
# The full distributions: the first tokens of the first golden case, every position after the
# first (3 rows of 49,152 for SmolLM2; 2 rows of 128,256 for tiny-llama3, BOS and two tokens).
FULL = {"smollm2": 4, "tiny-llama3": 3}
GREEDY_TOKENS = 6
TOP = 5
GOLDEN_TOLERANCE = 1e-6  # against the golden logprobs, another float64 pass
CROSS_CHECK_TOLERANCE = 1e-9  # against scripts/numpy_llama.py


def field(reader, key, default=None):
    if key not in reader.fields:
        return default
    f = reader.fields[key]
    value = f.parts[f.data[0]]
    if f.types[0] == GGUFValueType.STRING:
        return bytes(value).decode()
    return value.tolist()[0]


class GGUFLlama:
    """A llama GGUF's hyperparameters, and its tensors dequantized to float64 (llama.cpp's layout)."""

    def __init__(self, path):
        r = GGUFReader(str(path))
        arch = field(r, "general.architecture")
        if arch != "llama":
            sys.exit(f"{path.name}: a {arch} model; this reference is a Llama")
        self.tensors = {t.name: t for t in r.tensors}
        self.layers = field(r, f"{arch}.block_count")
        self.heads = field(r, f"{arch}.attention.head_count")
        self.kv_heads = field(r, f"{arch}.attention.head_count_kv", self.heads)
        self.eps = field(r, f"{arch}.attention.layer_norm_rms_epsilon")
        self.theta = field(r, f"{arch}.rope.freq_base", 10000.0)
        self.context = field(r, f"{arch}.context_length")
        self.ffn = field(r, f"{arch}.feed_forward_length")
        self.vocab, self.hidden = self.weight("token_embd.weight").shape
        self.head_dim = self.hidden // self.heads
        self.tied = "output.weight" not in self.tensors
        inv_freq = self.theta ** (-np.arange(0, self.head_dim, 2, dtype=np.float64) / self.head_dim)
        if "rope_freqs.weight" in self.tensors:
            # Llama 3's frequency scaling, as llama.cpp applies it: the frequencies divided by these factors.
            inv_freq = inv_freq / self.weight("rope_freqs.weight")
        self.inv_freq = inv_freq

    @cache
    def weight(self, name):
        t = self.tensors[name]
        return dequantize(t.data, t.tensor_type).astype(np.float64).reshape([int(d) for d in reversed(t.shape)])


# -- transformers in float64 ----------------------------------------------------------------

def rms_norm_in_float64(self, x):
    """LlamaRMSNorm.forward without its cast to float32."""
    return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.variance_epsilon))


def rope_in_float64(self, x, position_ids):
    """LlamaRotaryEmbedding.forward (default RoPE) with the angles in float64, not float32."""
    angles = position_ids[..., None].to(torch.float64) * self.inv_freq
    angles = torch.cat((angles, angles), dim=-1)
    return angles.cos().to(x.dtype), angles.sin().to(x.dtype)


def eager_attention_in_float64(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
    """modeling_llama.eager_attention_forward with the softmax in the model's dtype, not float32."""
    key = modeling_llama.repeat_kv(key, module.num_key_value_groups)
    value = modeling_llama.repeat_kv(value, module.num_key_value_groups)
    weights = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        weights = weights + attention_mask
    weights = torch.softmax(weights, dim=-1)
    return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights


AttentionInterface.register("eager_float64", eager_attention_in_float64)
AttentionMaskInterface.register("eager_float64", eager_mask)  # the additive mask of eager attention


def unpermute(w, heads):
    """Undoes the Q/K row permutation of llama.cpp's converter, as transformers' own GGUF loader
    does (LlamaTensorProcessor._reverse_permute_weights): GGUF interleaves the two halves of
    each head that transformers' RoPE rotates together."""
    half = w.shape[0] // heads // 2
    return w.reshape(heads, half, 2, -1).swapaxes(1, 2).reshape(w.shape)


def transformers_llama(g):
    config = LlamaConfig(
        vocab_size=g.vocab, hidden_size=g.hidden, intermediate_size=g.ffn, num_hidden_layers=g.layers,
        num_attention_heads=g.heads, num_key_value_heads=g.kv_heads, head_dim=g.head_dim, rms_norm_eps=g.eps,
        rope_parameters={"rope_type": "default", "rope_theta": g.theta}, max_position_embeddings=g.context,
        tie_word_embeddings=g.tied, attention_bias=False, mlp_bias=False,
        bos_token_id=None, eos_token_id=None, pad_token_id=None)  # greedy runs never stop early
    config._attn_implementation = "eager_float64"
    model = LlamaForCausalLM(config).to(torch.float64).eval()
    state = {
        "model.embed_tokens.weight": g.weight("token_embd.weight"),
        "model.norm.weight": g.weight("output_norm.weight"),
        "lm_head.weight": g.weight("token_embd.weight" if g.tied else "output.weight"),
    }
    hf = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
          "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
          "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    for i in range(g.layers):
        for name, to in hf.items():
            w = g.weight(f"blk.{i}.{name}.weight")
            if name in ("attn_q", "attn_k"):
                w = unpermute(w, g.heads if name == "attn_q" else g.kv_heads)
            state[f"model.layers.{i}.{to}.weight"] = w
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=True)
    for m in model.modules():
        if isinstance(m, modeling_llama.LlamaRMSNorm):
            m.forward = types.MethodType(rms_norm_in_float64, m)
    rotary = model.model.rotary_emb
    rotary.inv_freq = torch.from_numpy(g.inv_freq)
    rotary.forward = types.MethodType(rope_in_float64, rotary)
    return model


@contextmanager
def steered(model, steering):
    """Adds each vector after its block (steering: {layer: vector}) at every position. The hooks
    go first, so that whatever else reads a block's output (output_hidden_states' own hooks,
    the last block's below) reads it steered."""
    handles = [model.model.layers[layer].register_forward_hook(lambda m, args, out, v=torch.from_numpy(v): out + v,
                                                               prepend=True)
               for layer, v in (steering or {}).items()]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def forward(model, ids, steering=None):
    """The residual stream after every block [layers, T, H] (before the final norm) and the logits [T, V]."""
    last = {}
    hook = model.model.layers[-1].register_forward_hook(lambda m, args, out: last.update(residual=out))
    try:
        with steered(model, steering), torch.no_grad():
            out = model(torch.tensor([ids]), output_hidden_states=True, use_cache=False)
    finally:
        hook.remove()
    # hidden_states: the embeddings, then each block's output, the last one with the final norm applied.
    hidden = out.hidden_states
    assert len(hidden) == model.config.num_hidden_layers + 1
    with torch.no_grad():
        assert torch.equal(hidden[-1], model.model.norm(last["residual"])), "the hook read the last block's output"
    residual = torch.cat([*hidden[1:-1], last["residual"]])
    return residual.numpy(), out.logits[0].numpy()


def lens_logits(model, residual):
    with torch.no_grad():
        return model.lm_head(model.model.norm(torch.from_numpy(residual))).numpy()


def greedy(model, ids, count, steering=None):
    """`generate`'s greedy continuation, its logprobs and entropies; and every token it evaluated."""
    with steered(model, steering), torch.no_grad():
        out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                             generation_config=GenerationConfig(do_sample=False, max_new_tokens=count, min_new_tokens=count))
    all_ids = out[0].tolist()
    tokens = all_ids[len(ids):]
    # generate takes its logits in float32: the numbers come from one float64 pass over the same tokens.
    _, logits = forward(model, all_ids[:-1], steering)
    lp = log_softmax(logits[len(ids) - 1:])
    argmax = [int(np.argmax(row)) for row in lp]
    if argmax != tokens:
        sys.exit(f"generate chose {tokens}, the float64 argmax is {argmax}: a near-tie; pick other prompts")
    return {"token_ids": tokens, "logprobs": [float(lp[j][t]) for j, t in enumerate(tokens)],
            "entropies": [float(e) for e in entropy(lp)]}, all_ids


# -- the instruments --------------------------------------------------------------------------

def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def entropy(logprobs):
    return -(np.exp(logprobs) * logprobs).sum(axis=-1)


def top(row, k=TOP):
    order = np.lexsort((np.arange(len(row)), -row))[:k]  # higher first, lower id on ties
    return [[int(i), float(row[i])] for i in order]


def f32(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode()


def check_golden(model, golden):
    """The largest difference from the golden prompt logprobs, over every golden case."""
    worst = 0.0
    for case in golden["cases"]:
        _, logits = forward(model, case["token_ids"])
        lp = log_softmax(logits)
        worst = max([worst] + [abs(lp[i - 1][p["token_id"]] - p["logprob"])
                               for i, p in enumerate(case["prompt_logprobs"]) if p])
    if worst > GOLDEN_TOLERANCE:
        sys.exit(f"the transformers pass is off the golden logprobs by {worst:g}")
    return worst


def cross_check(model, numpy_model, ids, steering=None):
    """The largest differences from the numpy pass: residuals (relative to each layer's largest
    |value|) and logprobs."""
    residual, logits = forward(model, ids, steering)
    n_residual, n_logits = numpy_model.forward(ids, steering)
    scale = np.abs(n_residual).max(axis=(1, 2), keepdims=True)
    worst = (float((np.abs(residual - n_residual) / scale).max()),
             float(np.abs(log_softmax(logits) - log_softmax(n_logits)).max()))
    if max(worst) > CROSS_CHECK_TOLERANCE:
        sys.exit(f"transformers and the numpy pass differ by {worst[0]:g} (residual) and {worst[1]:g} (logprobs)")
    return worst


def rolling(model, case, window, stride):
    ids = case["token_ids"]
    logprobs = [None]
    scored, begin = 1, 0
    while scored < len(ids):
        end = min(begin + window, len(ids))
        lp = log_softmax(forward(model, ids[begin:end])[1])
        logprobs += [float(lp[i - 1 - begin][ids[i]]) for i in range(scored, end)]
        scored, begin = end, begin + stride
    total = sum(logprobs[1:])
    return {"prompt": case["prompt"], "token_ids": ids, "window": window, "stride": stride, "token_logprobs": logprobs,
            "logprob": total, "num_tokens": len(ids) - 1, "perplexity": float(np.exp(-total / (len(ids) - 1)))}


def full(model, ids):
    """Every vocabulary entry's logprob at positions 1..T-1: row r predicts token r + 1 from tokens 0..r."""
    lp = log_softmax(forward(model, ids)[1][:-1])
    return {"token_ids": ids, "positions": list(range(1, len(ids))), "shape": list(lp.shape), "dtype": "float32",
            "data": f32(lp)}


def reference(name):
    g = GGUFLlama(MODELS[name])
    model = transformers_llama(g)
    golden = json.loads((GOLDEN / f"{name}.json").read_text())
    print(f"{name}: matches the golden logprobs of {len(golden['cases'])} prompts within {check_golden(model, golden):.1e}")
    cases = [golden["cases"][i] for i in CASES[name]]
    layers = sorted({0, g.layers // 2, g.layers - 1})
    steer_layer = g.layers // 2
    out = {"model_file": MODELS[name].name,
           "reference": f"Hugging Face transformers {transformers.__version__} LlamaForCausalLM in float64 "
                        "(scripts/reference-instruments.py), cross-checked against scripts/numpy_llama.py",
           "layers": g.layers, "hidden_size": g.hidden, "cases": []}
    # The steering vector: difference of the two prompts' mean residuals after `steer_layer`.
    means = [forward(model, c["token_ids"])[0][steer_layer].mean(axis=0) for c in cases]
    vector = means[0] - means[1]
    numpy_model = NumpyLlama(g)
    worst = [0.0, 0.0]
    for c in cases:
        ids = c["token_ids"]
        gen, all_ids = greedy(model, ids, GREEDY_TOKENS)
        # Activations over every evaluated position: the prompt, then each generated token but the last.
        residual, logits = forward(model, all_ids[:-1])
        lp = log_softmax(logits[: len(ids)])
        entry = {
            "prompt": c["prompt"], "token_ids": ids,
            "prompt_entropy": [None] + [float(e) for e in entropy(lp[:-1])],
            "greedy": gen,
            "residual": {"layers": layers, "shape": [len(layers), len(all_ids) - 1, g.hidden],
                         "data": f32(residual[layers])},
            "lens": {str(l): [None] + [top(r) for r in log_softmax(lens_logits(model, residual[l][: len(ids) - 1]))]
                     for l in layers},
        }
        scale = 4.0
        steering = {steer_layer: scale * vector}
        s_gen, s_ids = greedy(model, ids, GREEDY_TOKENS, steering)
        s_lp = log_softmax(forward(model, ids, steering)[1])
        entry["steering"] = {"scale": scale, "greedy": s_gen,
                             "prompt_logprobs": [None] + [float(s_lp[i - 1][ids[i]]) for i in range(1, len(ids))]}
        out["cases"].append(entry)
        for checked in (cross_check(model, numpy_model, all_ids[:-1]), cross_check(model, numpy_model, s_ids[:-1], steering)):
            worst = [max(a, b) for a, b in zip(worst, checked)]
    print(f"{name}: agrees with the numpy pass within {worst[0]:.1e} (residual, relative) and {worst[1]:.1e} (logprobs)")
    out["steering_vector"] = {"layer": steer_layer, "data": f32(vector)}
    out["rolling"] = rolling(model, golden["cases"][ROLLING[name][0]], *ROLLING[name][1:])
    out["full"] = full(model, golden["cases"][0]["token_ids"][: FULL[name]])
    path = GOLDEN / f"{name}.instruments.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    for name in sys.argv[1:] or list(MODELS):
        reference(name)
