#!/usr/bin/env python3
"""The research instruments' cost, over HTTP against the real `baseserve serve`
(release build): a 512-token prompt scored plainly (prompt_logprobs 0) beside the
same prompt with every layer's residual stream captured, with the logit lens
and entropy, and with the whole distribution at every position
(prompt_logprobs -1: vLLM's JSON entries, base64 float32, base64 gzipped).
Prints a table (median time of --runs, the server's peak RSS above its idle RSS
during each kind, response size on the wire); asserts nothing. Responses are
read as they stream and not kept.

  .venv/bin/python bench/instruments.py [--threads 2] [--runs 3] [--tokens 512]

Needs: .build/release/baseserve, models/ (scripts/setup.sh), httpx (the test .venv has it).
"""
import argparse
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"
KEY = "bench-key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRSS:
    """Samples a process's RSS every 5 ms while in use."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0.0, False

    def __enter__(self):
        self.running, self.peak = True, rss_mb(self.pid)
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.005)

    def __exit__(self, *_):
        self.running = False
        self.thread.join()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=512)
    args = parser.parse_args()
    port = free_port()
    data = tempfile.mkdtemp()
    server = subprocess.Popen([str(ROOT / ".build/release/baseserve"), "serve", "--port", str(port), "--model", f"m={MODEL}",
                               "--threads", str(args.threads), "--api-key", KEY, "--data-dir", data, "--no-prefix-cache"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        prompt = [100 + (i * 37) % 40000 for i in range(args.tokens)]
        kinds = [
            ("plain scoring (prompt_logprobs 0)", {}),
            ("+ entropy", {"return_entropy": True}),
            ("+ logit lens, 3 layers, top 5", {"logit_lens": {"layers": [0, 15, 29], "top_k": 5}}),
            ("+ residual stream, every layer", {"output_residual_stream": True}),
            ("full distributions, JSON", {"prompt_logprobs": -1}),
            ("full distributions, base64", {"prompt_logprobs": -1, "prompt_logprobs_encoding": "base64_float32"}),
            ("full distributions, base64 + gzip", {"prompt_logprobs": -1, "prompt_logprobs_encoding": "base64_float32"}, "gzip"),
        ]
        rows = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=600) as http:
            # Warm up: the allocator's first growth is not any instrument's cost.
            http.post("/v1/completions", json={"model": "m", "prompt": prompt, "max_tokens": 0, "echo": True, "prompt_logprobs": 0})
            for name, extra, *encoding in kinds:
                # Only the gzip row accepts it (httpx asks for it by default).
                headers = {"Accept-Encoding": encoding[0] if encoding else "identity"}
                times, peaks, size = [], [], 0
                for _ in range(args.runs):
                    idle = rss_mb(server.pid)
                    with PeakRSS(server.pid) as peak:
                        start = time.monotonic()
                        with http.stream("POST", "/v1/completions", headers=headers,
                                         json={"model": "m", "prompt": prompt, "max_tokens": 0, "echo": True,
                                               "prompt_logprobs": 0, **extra}) as r:
                            r.raise_for_status()
                            for _ in r.iter_raw():
                                pass
                            size = r.num_bytes_downloaded
                        times.append(time.monotonic() - start)
                    peaks.append(peak.peak - idle)
                rows.append((name, statistics.median(times), max(peaks), size))
    finally:
        server.terminate()
        server.wait(timeout=30)
    base_time = rows[0][1]
    print(f"SmolLM2-135M Q4_1, {args.tokens}-token prompt, {args.threads} threads, median of {args.runs}")
    print(f"{'request':<36} {'time s':>8} {'x plain':>8} {'peak RSS +MB':>13} {'wire MB':>12}")
    for name, t, peak, size in rows:
        print(f"{name:<36} {t:>8.3f} {t / base_time:>8.2f} {peak:>13.1f} {size / 1e6:>12.2f}")


if __name__ == "__main__":
    main()
