"""Authentication, scoring, models, concurrency and cancellation against the real server."""
import re
import threading
import time

import httpx
import openai
import pytest

from conftest import API_KEY, MODEL, TOLERANCE


def test_auth(server):
    r = httpx.post(server + "/v1/completions", json={"prompt": "x"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_api_key"
    r = httpx.post(server + "/tokenize", json={"prompt": "x"}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    bad = openai.OpenAI(base_url=server + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.completions.create(model=MODEL, prompt="x", max_tokens=1)
    assert httpx.get(server + "/health").status_code == 200
    assert "version" in httpx.get(server + "/version").json()


def test_models(client):
    models = client.models.list().data
    assert [m.id for m in models] == [MODEL]
    assert models[0].model_extra["max_model_len"] == 8192


def test_score(http, golden):
    case = golden["cases"][0]
    r = http.post("/v1/score", json={"model": MODEL, "context": "The capital of France is",
                                    "continuations": [" Paris", " Lyon"]})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert abs(data[0]["logprob"] - case["next_token_top"][0][1]) < TOLERANCE
    assert data[0]["is_greedy"] is True and data[1]["is_greedy"] is False
    ids = case["token_ids"]
    r = http.post("/v1/score", json={"context_token_ids": ids[:2], "continuation_token_ids": [ids[2:]]})
    item = r.json()["data"][0]
    for got, ref in zip(item["token_logprobs"], case["prompt_logprobs"][2:]):
        assert abs(got - ref["logprob"]) < TOLERANCE


def test_long_generation_does_not_block_a_short_request(client):
    done = {}

    def long_job():
        client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=600, temperature=0,
                                  extra_body={"ignore_eos": True})
        done["long"] = time.monotonic()

    thread = threading.Thread(target=long_job)
    thread.start()
    time.sleep(1.0)
    client.completions.create(model=MODEL, prompt="Hello", max_tokens=2, temperature=0)
    short_done = time.monotonic()
    thread.join(timeout=600)
    assert "long" in done
    assert short_done < done["long"], "the short request finished while the long one was still running"


def engine_jobs(server):
    text = httpx.get(server + "/metrics").text
    match = re.search(r"^baseserve_engine_jobs (\S+)$", text, re.M)
    return float(match.group(1)) if match else None


def test_disconnect_cancels_the_job(server):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    body = {"model": MODEL, "prompt": "Once upon a time", "max_tokens": 4000, "temperature": 0, "stream": True,
            "ignore_eos": True}
    with httpx.stream("POST", server + "/v1/completions", json=body, headers=headers, timeout=60) as r:
        lines = r.iter_lines()
        received = 0
        for line in lines:
            if line.startswith("data: "):
                received += 1
            if received >= 3:
                break
        assert engine_jobs(server) >= 1
    # The connection is closed: the engine drops the job within a few steps.
    deadline = time.monotonic() + 30
    while engine_jobs(server) != 0:
        assert time.monotonic() < deadline, "the job kept running after the client went away"
        time.sleep(0.2)


def test_disconnect_cancels_a_non_streaming_request(server):
    """A client that gives up on a plain (non-streaming) request stops its work too."""
    import json
    import socket
    from urllib.parse import urlparse

    url = urlparse(server)
    body = json.dumps({"model": MODEL, "prompt": "Once upon a time", "max_tokens": 4000, "temperature": 0,
                       "ignore_eos": True}).encode()
    request = (f"POST /v1/completions HTTP/1.1\r\nHost: {url.hostname}\r\nAuthorization: Bearer {API_KEY}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((url.hostname, url.port), timeout=30) as s:
        s.sendall(request)
        deadline = time.monotonic() + 30
        while engine_jobs(server) < 1:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
    # The socket is closed with no answer read: the job must end long before 4000 tokens.
    deadline = time.monotonic() + 30
    while engine_jobs(server) != 0:
        assert time.monotonic() < deadline, "the job kept running after the client went away"
        time.sleep(0.2)


def test_metrics(server, client):
    client.completions.create(model=MODEL, prompt="Hello", max_tokens=1)
    text = httpx.get(server + "/metrics").text
    assert 'baseserve_requests_total{route="/v1/completions",status="200"}' in text
    assert "baseserve_generation_tokens_total" in text
    assert "baseserve_kv_cache_bytes" in text


def test_sigterm_finishes_requests_in_flight(tmp_path):
    """A server told to stop answers the request it is working on, then exits 0.
    It runs with --no-auth, which serves the API without keys on loopback."""
    import os
    import signal
    import subprocess
    from conftest import ROOT, _free_port

    binary = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))
    model = os.environ.get("BASESERVE_MODEL", str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    port = _free_port()
    proc = subprocess.Popen([binary, "serve", "--port", str(port), "--model", model, "--threads", "2", "--no-auth",
                             "--data-dir", str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.2)
        result = {}

        def request():
            r = httpx.post(base + "/v1/completions", timeout=120,
                           json={"prompt": "Once upon a time", "max_tokens": 1000, "temperature": 0, "ignore_eos": True})
            result["status"] = r.status_code
            result["tokens"] = r.json()["usage"]["completion_tokens"]

        thread = threading.Thread(target=request)
        thread.start()
        time.sleep(0.5)
        assert "status" not in result, "the request is still running when the signal comes"
        proc.send_signal(signal.SIGTERM)
        thread.join(timeout=120)
        assert result == {"status": 200, "tokens": 1000}
        assert proc.wait(timeout=60) == 0
        log = proc.stderr.read()
        assert "serving" in log and "stopped" in log, log
    finally:
        if proc.poll() is None:
            proc.kill()


def test_refuses_a_public_address_without_keys(tmp_path):
    import os
    import subprocess
    from conftest import ROOT

    binary = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))
    r = subprocess.run([binary, "serve", "--host", "0.0.0.0", "--port", "1", "--no-auth", "--data-dir", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "--no-auth is for loopback" in r.stderr
