#!/usr/bin/env python3
"""Batch API throughput against the same work sent over HTTP, on the real
`baseserve serve` (release build). Prints a table; asserts nothing.

  bench/batch-throughput.py [--lines 2000] [--threads 2] [--clients 8]

A scoring workload of --lines requests to /v1/score (a ~40-token context and
two short continuations each) is run twice, each time on a fresh server (so
neither finds the other's contexts in the prefix cache):
- direct: the same bodies POSTed to /v1/score by --clients concurrent clients;
- batch:  one JSONL file uploaded to /v1/files, one /v1/batches batch, polled
          until completed (the server's runner at its --batch-concurrency,
          which the benchmark sets to --clients).
Throughput is requests per second, from the first request sent (the upload,
for the batch) to the last answer stored (the batch's completed_at).
The goal: the batch at least 90% of the direct throughput.
Needs: .build/release/baseserve, models/ (scripts/setup.sh), httpx and openai (the test .venv has both).
"""
import argparse
import concurrent.futures
import io
import json
import os
import random
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import openai

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"
KEY = "bench-key"
WORDS = ("the model reads a long text about rivers mountains cities history science music language "
         "and people who study how words follow one another in many different kinds of writing").split()


def bodies(count):
    rng = random.Random(7)
    out = []
    for _ in range(count):
        context = " ".join(rng.choice(WORDS) for _ in range(40))
        out.append({"model": "bench", "context": context, "continuations": [" " + rng.choice(WORDS), " " + rng.choice(WORDS)]})
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(threads, clients, data_dir):
    port = free_port()
    log = open(Path(data_dir) / "server.log", "w")
    proc = subprocess.Popen([str(ROOT / ".build/release/baseserve"), "serve", "--port", str(port), "--model", f"bench={MODEL}",
                             "--threads", str(threads), "--api-key", KEY, "--data-dir", data_dir,
                             "--batch-concurrency", str(clients), "--key-concurrency", str(clients)],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("baseserve did not start")


def direct(base, work, clients):
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=600,
                      limits=httpx.Limits(max_connections=clients)) as http:
        def one(body):
            r = http.post("/v1/score", json=body)
            r.raise_for_status()
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            list(pool.map(one, work))
        return time.monotonic() - started


def batch(base, work):
    client = openai.OpenAI(base_url=base + "/v1", api_key=KEY, max_retries=0, timeout=600)
    lines = "".join(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/score", "body": b}) + "\n"
                    for i, b in enumerate(work))
    started = time.time()
    upload = client.files.create(file=("bench.jsonl", io.BytesIO(lines.encode())), purpose="batch")
    created = client.batches.create(input_file_id=upload.id, endpoint="/v1/score", completion_window="24h")
    while True:
        b = client.batches.retrieve(created.id)
        if b.status in ("completed", "failed", "expired", "cancelled"):
            break
        time.sleep(0.5)
    assert b.status == "completed" and b.request_counts.failed == 0, b
    # completed_at is whole seconds: the poll's own time is the finer end.
    return min(time.time(), b.completed_at + 1) - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    work = bodies(args.lines)
    # Each run on a fresh server: the second would otherwise find every
    # context in the first's prefix cache.
    def fresh(run):
        with tempfile.TemporaryDirectory() as data_dir:
            proc, base = start(args.threads, args.clients, data_dir)
            try:
                return run(base)
            finally:
                proc.terminate()
                proc.wait()
    direct_seconds = fresh(lambda base: direct(base, work, args.clients))
    batch_seconds = fresh(lambda base: batch(base, work))
    d, b = args.lines / direct_seconds, args.lines / batch_seconds
    print(f"{'workload':<34} {'seconds':>8} {'requests/s':>11}")
    print(f"{'/v1/score, ' + str(args.clients) + ' clients':<34} {direct_seconds:8.1f} {d:11.1f}")
    print(f"{'batch of ' + str(args.lines) + ' /v1/score lines':<34} {batch_seconds:8.1f} {b:11.1f}")
    print(f"batch / direct: {100 * b / d:.0f}% (goal: at least 90%)")


if __name__ == "__main__":
    main()
