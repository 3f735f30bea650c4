"""Requests meant to tie the server up are refused quickly while others are served."""
import threading
import time

import httpx

from conftest import API_KEY, Server

BIG = 5 << 20  # bytes of prompt


def test_huge_prompts_are_refused_without_stalling_other_requests(tmp_path):
    (tmp_path / "data").mkdir()
    server = Server("hostile", ["--api-key", API_KEY, "--max-body-bytes", str(8 << 20)], tmp_path / "data")
    headers = {"Authorization": f"Bearer {API_KEY}"}
    prompt = "hello world " * (BIG // 12)
    refusals = []

    def big_request():
        started = time.monotonic()
        r = httpx.post(server.base + "/v1/completions", json={"prompt": prompt, "max_tokens": 1},
                       headers=headers, timeout=120)
        refusals.append((r.status_code, r.json()["error"], time.monotonic() - started))

    try:
        workers = [threading.Thread(target=big_request) for _ in range(4)]
        for w in workers:
            w.start()
        health = []
        while any(w.is_alive() for w in workers):
            started = time.monotonic()
            assert httpx.get(server.base + "/health", timeout=60).status_code == 200
            health.append(time.monotonic() - started)
            time.sleep(0.05)
        for w in workers:
            w.join()
        short = httpx.post(server.base + "/v1/completions", json={"prompt": "Hi", "max_tokens": 1},
                           headers=headers, timeout=60)
    finally:
        server.stop()

    assert short.status_code == 200, short.text
    assert len(refusals) == 4
    for status, error, _ in refusals:
        assert status == 400 and error["param"] == "prompt", error
        assert "bytes of text" in error["message"], error
    # Refused by length, not after tokenizing megabytes: well under a second each
    # on an idle machine; the margins allow for a busy one.
    assert max(seconds for _, _, seconds in refusals) < 5, refusals
    assert max(health, default=0) < 1.0, health
