#!/usr/bin/env python3
"""Serving benchmarks over HTTP against the real `baseserve serve` (release build),
beside llama.cpp's `llama-server` where it is built. Prints tables; asserts nothing.

  bench/serving.py [--threads 2] [--runs 3] [--only scoring,choice,concurrent,long]
  (`--only choice-reuse`: the multiple-choice workload with prefix reuse only, the quick half)

- scoring:    64 prompts of ~256 tokens with prompt_logprobs 5, at concurrency 1 and 8
- choice:     20 multiple-choice questions (~400-token context, 4 short continuations)
              through /v1/score, one request per option, by 1 client and by 8 at once
              (each asking whole questions), with prefix reuse and without (--no-prefix-cache)
- concurrent: 8 clients x 128 generated tokens (~230-token prompts): aggregate tokens/s,
              p50/p99 time to first token; the same against `llama-server -np 8`
- long:       one 8,000-token prompt with prompt_logprobs 20: time and peak memory
Each figure is the median of --runs runs; every server's peak RSS is reported too.
Needs: .build/release/baseserve, models/ (scripts/setup.sh), httpx (the test .venv has it).
"""
import argparse
import concurrent.futures
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"
LLAMA_SERVER = Path.home() / ".cache/baseserve-anchors/llama.cpp-0.3.36/build/bin/llama-server"
KEY = "bench-key"
WORDS = ("the model reads a long text about rivers mountains cities history science music language "
         "and people who study how words follow one another in many different kinds of writing").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words))


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    def __init__(self, args, health="/health"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # The server's log is kept, so a server that fails mid-run says why.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)
        print(f"[bench] {Path(args(self.port)[0]).name} log: {self.log.name}", file=sys.stderr)
        self.proc = subprocess.Popen(args(self.port), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(self.base + health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server {args(self.port)[0]} did not start; its log: {self.log.name}")
            time.sleep(0.2)

    def peak(self):
        return peak_rss_mib(self.proc.pid)

    def stop(self):
        if self.proc.poll() is not None:
            print(f"[bench] server exited early with status {self.proc.returncode}; its log: {self.log.name}", file=sys.stderr)
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def baseserve(threads, *extra):
    data = tempfile.mkdtemp(prefix="bench-data-")
    binary = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))
    return Server(lambda port: [binary, "serve", "--port", str(port), "--model", f"m={MODEL}", "--threads", str(threads),
                                "--api-key", KEY, "--data-dir", data, *extra])


def post(client, path, body):
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {KEY}"}, timeout=600)
    r.raise_for_status()
    return r.json()


def engine_score_rate(threads, prompt_tokens):
    """The engine's own scoring rate (`baseserve bench`, prompt_logprobs 5, no HTTP) at this prompt length."""
    binary = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))
    out = subprocess.run([binary, "bench", "--model", str(MODEL), "--threads", str(threads), "--prompt-tokens",
                          str(prompt_tokens), "--gen-tokens", "1", "--repetitions", "9", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["score_tokens_per_s"]


def scoring(threads, runs, rows):
    server = baseserve(threads)
    engine_rate = None
    with httpx.Client(base_url=server.base) as c:
        for concurrency in (1, 8):
            rates = []
            for run in range(runs):
                # New texts every run, so no run reuses another's cached prefixes.
                rng = random.Random(1000 * concurrency + run)
                prompts = [text(rng, 256) for _ in range(64)]
                tokens = sum(len(post(c, "/tokenize", {"model": "m", "prompt": p})["tokens"]) for p in prompts)
                start = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
                    list(pool.map(lambda p: post(c, "/v1/completions", {"model": "m", "prompt": p, "max_tokens": 1,
                                                                         "temperature": 0, "prompt_logprobs": 5}), prompts))
                rates.append(tokens / (time.monotonic() - start))
            if engine_rate is None:
                # The same prompt length through the engine alone, measured while the server idles, so the
                # HTTP path's cost (parsing, tokenizing, queueing, writing the JSON) shows as a ratio.
                engine_rate = engine_score_rate(threads, round(tokens / 64))
            rate = statistics.median(rates)
            rows.append((f"scoring c={concurrency}", f"{rate:.0f} prompt tok/s",
                         f"64 prompts, ~{tokens / 64:.0f} tokens each; {rate / engine_rate:.0%} of the engine's own rate"))
    rows.append((f"engine score pp{round(tokens / 64)}", f"{engine_rate:.0f} prompt tok/s", "baseserve bench, no HTTP"))
    rows.append(("scoring peak RSS", f"{server.peak():.0f} MiB", ""))
    server.stop()


CHOICE_MODES = (("with prefix reuse", ()), ("without prefix reuse", ("--no-prefix-cache",)))


def choice(threads, runs, rows, modes=CHOICE_MODES):
    figures = {}
    for label, extra in modes:
        server = baseserve(threads, *extra)
        with httpx.Client(base_url=server.base) as c:
            for clients in (1, 8):
                times = []
                for run in range(runs):
                    rng = random.Random(2000 + 100 * clients + run)  # new questions every run
                    questions = [(text(rng, 330), [" " + text(rng, 3) for _ in range(4)]) for _ in range(20)]

                    def ask(question):
                        context, options = question
                        for option in options:  # one request per option, as evaluation harnesses send them
                            post(c, "/v1/score", {"model": "m", "context": context, "continuations": [option]})

                    start = time.monotonic()
                    # Each client asks whole questions; at 8 clients, 8 contexts are scored at once.
                    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
                        list(pool.map(ask, questions))
                    times.append(time.monotonic() - start)
                figures[label, clients] = statistics.median(times)
                rows.append((f"choice c={clients} {label}", f"{figures[label, clients]:.2f} s",
                             f"20 questions x 4, {80 / figures[label, clients]:.1f} requests/s"))
        rows.append((f"choice {label} peak RSS", f"{server.peak():.0f} MiB", ""))
        server.stop()
    for clients in (1, 8) if len(modes) == 2 else ():
        rows.append((f"choice c={clients} prefix-reuse speed-up",
                     f"{figures['without prefix reuse', clients] / figures['with prefix reuse', clients]:.2f}x", ""))


def stream_one(base, path, body, headers):
    start = time.monotonic()
    first, count = None, 0
    with httpx.stream("POST", base + path, json=body, headers=headers, timeout=600) as r:
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("choices") and chunk["choices"][0].get("text"):
                first = first or time.monotonic() - start
                count += 1
    return first or float("nan"), count


def concurrent_generation(threads, runs, rows):
    body = lambda p: {"model": "m", "prompt": p, "max_tokens": 128, "temperature": 0, "stream": True, "ignore_eos": True}
    servers = [("baseserve", baseserve(threads), {"Authorization": f"Bearer {KEY}"})]
    if LLAMA_SERVER.exists():
        servers.append(("llama-server -np 8", Server(lambda port: [str(LLAMA_SERVER), "-m", str(MODEL), "-t", str(threads),
                                                                   "-np", "8", "-c", "16384", "--port", str(port)]), {}))
    else:
        rows.append(("llama-server", "not built", "LLAMACPP_BIN=1 bench/llamacpp.sh builds it"))
    for name, server, headers in servers:
        results = []
        for run in range(runs):
            rng = random.Random(3000 + run)  # new prompts every run: no server's prompt cache helps
            prompts = [text(rng, 230) for _ in range(8)]
            start = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                out = list(pool.map(lambda p: stream_one(server.base, "/v1/completions", body(p), headers), prompts))
            elapsed = time.monotonic() - start
            ttfts = sorted(o[0] for o in out)
            results.append((sum(o[1] for o in out) / elapsed, statistics.median(ttfts), ttfts[-1]))
        rate = statistics.median(r[0] for r in results)
        p50 = statistics.median(r[1] for r in results)
        p99 = statistics.median(r[2] for r in results)  # with 8 clients, p99 is the slowest first token
        rows.append((f"8 clients, {name}", f"{rate:.1f} gen tok/s", f"TTFT p50 {p50:.2f} s, p99 {p99:.2f} s, peak {server.peak():.0f} MiB"))
        server.stop()


def long_prompt(threads, runs, rows):
    server = baseserve(threads)
    with httpx.Client(base_url=server.base) as c:
        times = []
        for run in range(runs):
            prompt = text(random.Random(4000 + run), 9000)
            ids = post(c, "/tokenize", {"model": "m", "prompt": prompt})["tokens"][:8000]
            start = time.monotonic()
            r = post(c, "/v1/completions", {"model": "m", "prompt": [ids], "max_tokens": 1, "temperature": 0,
                                            "prompt_logprobs": 20})
            times.append(time.monotonic() - start)
        assert len(r["choices"][0]["prompt_logprobs"]) == len(ids)
    rows.append((f"{len(ids)}-token prompt, prompt_logprobs 20", f"{statistics.median(times):.2f} s",
                 f"peak {server.peak():.0f} MiB (GGUF {MODEL.stat().st_size / 2**20:.0f} MiB)"))
    server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="scoring,choice,concurrent,long")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores; model: {MODEL.name}; commit: {commit}; "
          f"threads: {args.threads}; medians of {args.runs} runs")
    rows = []
    benches = {"scoring": scoring, "choice": choice, "concurrent": concurrent_generation, "long": long_prompt,
               "choice-reuse": lambda threads, runs, rows: choice(threads, runs, rows, modes=CHOICE_MODES[:1])}
    for name in args.only.split(","):
        benches[name](args.threads, args.runs, rows)
    width = max(len(r[0]) for r in rows)
    for label, figure, detail in rows:
        print(f"{label:<{width}}  {figure:>20}  {detail}")


if __name__ == "__main__":
    sys.exit(main())
