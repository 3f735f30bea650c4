#!/usr/bin/env python3
"""The scoring benchmark's other side: Hugging Face transformers (fp32, CPU torch)
computing the same prompt logprobs (full log-softmax, actual token's logprob and
rank, top-5) for the same prompts as `bench/serving.py`'s scoring run, from the
same GGUF file (transformers dequantizes it). Prints prompt tokens per second.

  .venv-bench/bin/python bench/transformers_scoring.py [--threads 2] [--prompts 64]

Set-up (once): python3 -m venv .venv-bench && .venv-bench/bin/pip install torch==2.13.0+cpu transformers gguf accelerate httpx
"""
import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import MODEL, text  # the same prompts, from the same generator

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompts", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = random.Random(1000)  # the first run's prompts of serving.py's scoring at concurrency 1
    prompts = [text(rng, 256) for _ in range(64)][: args.prompts]
    tokenizer = AutoTokenizer.from_pretrained(str(MODEL.parent), gguf_file=MODEL.name)
    model = AutoModelForCausalLM.from_pretrained(str(MODEL.parent), gguf_file=MODEL.name, torch_dtype=torch.float32).eval()
    total = 0
    start = time.monotonic()
    with torch.inference_mode():
        for p in prompts:
            ids = tokenizer(p, return_tensors="pt").input_ids
            logprobs = torch.log_softmax(model(ids).logits[0, :-1].float(), dim=-1)
            actual = logprobs.gather(1, ids[0, 1:, None])
            _ranks = (logprobs > actual).sum(dim=-1) + 1
            _top = logprobs.topk(5, dim=-1)
            total += ids.shape[1]
    elapsed = time.monotonic() - start
    print(f"transformers {torch.__version__} fp32, {args.threads} threads: {len(prompts)} prompts, {total} tokens, "
          f"{total / elapsed:.1f} prompt tok/s")


if __name__ == "__main__":
    main()
