"""Upstream models: a front `baseserve serve` routing to other servers.

The replicas are two more real `baseserve serve` processes (vLLM's API shape,
and they require an API key, which the front must send); llama.cpp's
`llama-server` is used too where it is already built. Every request goes
through the front with a member's key, as researchers' code would.
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import openai
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-3
BINARY = Path(os.environ.get("BASESERVE_BIN", ROOT / ".build/release/baseserve"))
MODEL_FILE = os.environ.get("BASESERVE_MODEL", str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
MEMBER_KEY = "member-key"
UPSTREAM_KEY = "upstream-secret-key"
WRONG_KEY = "wrong-upstream-key"
# Built by bench/llamacpp.sh (scripts/test.sh runs it), which prints its folder.
LLAMA_SERVER = Path(os.environ.get("LLAMACPP_BIN_DIR", Path.home() / ".cache/baseserve-anchors/llama.cpp-0.3.36/build/bin")) / "llama-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """One server process on a loopback port, its output in .build/<name>.log."""

    def __init__(self, name, args, port, health="/health"):
        if args[1:2] == ["serve"]:
            # Each BaseServe keeps its access database in a folder of its own.
            args = args + ["--data-dir", tempfile.mkdtemp(prefix=f"baseserve-{name}-")]
        self.name, self.args, self.port, self.health = name, args, port, health
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None
        self.start()

    def start(self):
        self.log = open(ROOT / f".build/e2e-{self.name}.log", "a")
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout=180):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.proc.returncode}; see .build/e2e-{self.name}.log")
            try:
                if httpx.get(self.base + self.health, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{self.name} did not become healthy within {timeout} s")
            time.sleep(0.2)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def _replica(name, port):
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: build it with `swift build -c release` (scripts/test.sh does)")
    return Process(name, [str(BINARY), "serve", "--port", str(port), "--model", f"smollm2={MODEL_FILE}",
                          "--api-key", UPSTREAM_KEY, "--threads", "1"], port)


def generated_tokens(replica) -> float:
    """How many tokens a replica has generated, from its /metrics."""
    text = httpx.get(replica.base + "/metrics", timeout=10).text
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith("baseserve_generation_tokens_total"))


@pytest.fixture(scope="module")
def replicas():
    ports = [_free_port(), _free_port()]
    started = [_replica(f"replica{i}", port) for i, port in enumerate(ports)]
    for r in started:
        r.wait_healthy()
    yield started
    for r in started:
        r.stop()


@pytest.fixture(scope="module")
def front(replicas, tmp_path_factory):
    a, b = (r.base for r in replicas)
    config = tmp_path_factory.mktemp("front") / "models.toml"
    config.write_text(f"""
# Two replicas of one model; the key the replicas require.
[[model]]
name = "big"
kind = "vllm"
urls = ["{a}", "{b}/v1"]
api_key = "{UPSTREAM_KEY}"
health_check_seconds = 0.5
timeout_seconds = 120

# Too little time for a long generation: a 504.
[[model]]
name = "hasty"
urls = ["{a}"]
api_key = "{UPSTREAM_KEY}"
served_model_name = "smollm2"
max_model_len = 2048
timeout_seconds = 0.3

# The wrong key: a 502 that does not show it.
[[model]]
name = "badkey"
urls = ["{a}"]
api_key = "{WRONG_KEY}"
served_model_name = "smollm2"
max_model_len = 2048
""")
    port = _free_port()
    proc = Process("front", [str(BINARY), "serve", "--port", str(port), "--config", str(config),
                             "--upstream", f"flagged={a}", "--upstream-key", f"flagged={UPSTREAM_KEY}",
                             "--api-key", MEMBER_KEY], port).wait_healthy()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def golden():
    with open(ROOT / "Tests/Data/golden/smollm2.json") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def client(front):
    return openai.OpenAI(base_url=front.base + "/v1", api_key=MEMBER_KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def http(front):
    with httpx.Client(base_url=front.base, headers={"Authorization": f"Bearer {MEMBER_KEY}"}, timeout=120) as c:
        yield c


def direct(replica):
    return httpx.Client(base_url=replica.base, headers={"Authorization": f"Bearer {UPSTREAM_KEY}"}, timeout=120)


def test_models_are_listed_with_the_upstreams_context(http, replicas):
    ours = {m["id"]: m for m in http.get("/v1/models").json()["data"]}
    with direct(replicas[0]) as d:
        theirs = d.get("/v1/models").json()["data"][0]
    assert set(ours) == {"big", "hasty", "badkey", "flagged"}
    assert ours["big"]["max_model_len"] == theirs["max_model_len"]
    assert ours["hasty"]["max_model_len"] == 2048
    # An upstream model says so, and has no local file to fingerprint.
    capabilities = ours["big"]["capabilities"]
    assert capabilities["kind"] == "upstream" and capabilities["max_model_len"] == theirs["max_model_len"]
    assert capabilities["n_layers"] is None and "sha256" not in capabilities and "quantization" not in capabilities


def test_completion_and_usage_match_the_replica(http, replicas):
    body = {"prompt": "The capital of France is", "max_tokens": 8, "temperature": 0, "logprobs": 2}
    ours = http.post("/v1/completions", json={**body, "model": "big"}).json()
    with direct(replicas[1]) as d:
        theirs = d.post("/v1/completions", json={**body, "model": "smollm2"}).json()
    assert ours["model"] == "big"
    assert ours["choices"][0]["text"] == theirs["choices"][0]["text"]
    assert ours["choices"][0]["finish_reason"] == theirs["choices"][0]["finish_reason"]
    assert ours["usage"]["prompt_tokens"] == theirs["usage"]["prompt_tokens"]
    assert ours["usage"]["completion_tokens"] == theirs["usage"]["completion_tokens"] == 8
    ol, tl = ours["choices"][0]["logprobs"], theirs["choices"][0]["logprobs"]
    assert ol["tokens"] == tl["tokens"]
    assert ol["text_offset"] == tl["text_offset"]
    for a, b in zip(ol["token_logprobs"], tl["token_logprobs"]):
        assert abs(a - b) < TOLERANCE
    assert [set(t) for t in ol["top_logprobs"]] == [set(t) for t in tl["top_logprobs"]]


def test_openai_client_with_the_flag_configured_upstream(client):
    response = client.completions.create(model="flagged", prompt="Hello", max_tokens=3, temperature=0,
                                         echo=True, stop=["\n\n"])
    assert response.choices[0].text.startswith("Hello")
    assert response.usage.completion_tokens <= 3


def test_prompt_logprobs_match_golden(client, golden):
    for case in golden["cases"]:
        response = client.completions.create(model="big", prompt=case["prompt"], max_tokens=1, temperature=0,
                                             extra_body={"prompt_logprobs": 5})
        entries = response.choices[0].model_extra["prompt_logprobs"]
        assert len(entries) == len(case["token_ids"]) and entries[0] is None
        for i in range(1, len(entries)):
            ref = case["prompt_logprobs"][i]
            actual = entries[i][str(ref["token_id"])]
            assert abs(actual["logprob"] - ref["logprob"]) < TOLERANCE, (case["prompt"], i)
            assert actual["rank"] == ref["rank"]
            assert actual["decoded_token"] == case["tokens"][i]
            assert len(entries[i]) in (5, 6)
            for token_id, logprob in ref["top"]:
                if str(token_id) in entries[i]:
                    assert abs(entries[i][str(token_id)]["logprob"] - logprob) < TOLERANCE
        assert response.usage.prompt_tokens == len(case["token_ids"])


def test_echo_with_logprobs_scores_the_prompt(client, golden):
    case = golden["cases"][0]
    response = client.completions.create(model="big", prompt=case["prompt"], max_tokens=1, echo=True, logprobs=1,
                                         temperature=0)
    lp = response.choices[0].logprobs
    assert response.choices[0].text == case["prompt"] + " Paris"
    assert lp.token_logprobs[0] is None
    for i in range(1, len(case["token_ids"])):
        assert abs(lp.token_logprobs[i] - case["prompt_logprobs"][i]["logprob"]) < TOLERANCE


def test_streaming_is_relayed_chunk_by_chunk(http):
    body = {"model": "big", "prompt": "Once upon a time", "max_tokens": 24, "temperature": 0, "ignore_eos": True,
            "stream": True, "stream_options": {"include_usage": True}}
    arrivals, chunks = [], []
    with http.stream("POST", "/v1/completions", json=body) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                arrivals.append(time.monotonic())
                chunks.append(line[6:])
    assert chunks[-1] == "[DONE]"
    parsed = [json.loads(c) for c in chunks[:-1]]
    text_chunks = [c for c in parsed if c["choices"]]
    assert len(text_chunks) >= 12, "one chunk per token or so, not one buffered answer"
    # The chunks arrived while the replica generated, not all at the end.
    assert arrivals[-1] - arrivals[0] > 0.05
    usage = parsed[-1]["usage"]
    assert parsed[-1]["choices"] == [] and usage["completion_tokens"] == 24
    whole = http.post("/v1/completions", json={**body, "stream": False, "stream_options": None}).json()
    assert "".join(c["choices"][0]["text"] for c in text_chunks) == whole["choices"][0]["text"]
    assert text_chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_tokenize_and_score_go_to_the_upstream(http, replicas):
    with direct(replicas[0]) as d:
        theirs = d.post("/tokenize", json={"model": "smollm2", "prompt": "Hello world"}).json()
        their_score = d.post("/v1/score", json={"model": "smollm2", "context": "The capital of France is",
                                                "continuations": [" Paris", " a city"]}).json()
    ours = http.post("/tokenize", json={"model": "big", "prompt": "Hello world"}).json()
    assert ours["tokens"] == theirs["tokens"]
    assert http.post("/detokenize", json={"model": "big", "tokens": theirs["tokens"]}).json()["prompt"] == "Hello world"
    our_score = http.post("/v1/score", json={"model": "big", "context": "The capital of France is",
                                             "continuations": [" Paris", " a city"]}).json()
    for a, b in zip(our_score["data"], their_score["data"]):
        assert abs(a["logprob"] - b["logprob"]) < TOLERANCE
        assert a["tokens"] == b["tokens"] and a["is_greedy"] == b["is_greedy"]


def test_validation_runs_first(http):
    r = http.post("/v1/completions", json={"model": "big", "prompt": "x", "max_tokens": 10 ** 6})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "max_tokens"
    r = http.post("/v1/completions", json={"model": "big", "prompt": "x", "prompt_logprobs": 1, "stream": True})
    assert r.status_code == 400 and r.json()["error"]["param"] == "prompt_logprobs"


def test_wrong_upstream_key_is_a_502_that_hides_the_key(http):
    r = http.post("/v1/completions", json={"model": "badkey", "prompt": "Hello", "max_tokens": 2})
    assert r.status_code == 502
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert "credentials" in error["message"]
    assert WRONG_KEY not in r.text and UPSTREAM_KEY not in r.text


def test_a_slow_upstream_is_a_504(http):
    r = http.post("/v1/completions", json={"model": "hasty", "prompt": "Once upon a time", "max_tokens": 1500,
                                           "ignore_eos": True, "temperature": 0})
    assert r.status_code == 504
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert "did not answer within" in error["message"]


def test_requests_spread_and_survive_a_replica_dying(http, replicas):
    before = [generated_tokens(r) for r in replicas]
    body = {"model": "big", "prompt": "Hello", "max_tokens": 4, "temperature": 0}
    for _ in range(6):
        assert http.post("/v1/completions", json=body).status_code == 200
    after = [generated_tokens(r) for r in replicas]
    assert all(a > b for a, b in zip(after, before)), f"both replicas got work: {before} -> {after}"

    # Replica 1 dies between requests: the next ones, not yet sent to it, all succeed.
    dead = replicas[1]
    for i in range(8):
        if i == 2:
            dead.kill()
        r = http.post("/v1/completions", json=body)
        assert r.status_code == 200, r.text

    # Back on its port, it is found healthy again and gets work.
    dead.start()
    dead.wait_healthy()
    time.sleep(1.5)
    for _ in range(6):
        assert http.post("/v1/completions", json=body).status_code == 200
    assert generated_tokens(dead) > 0, "the restarted replica got requests again"


# llama.cpp's llama-server, built by scripts/test.sh (never from a test). Missing
# in CI it is a failure; elsewhere the test is skipped with how to build it.

@pytest.fixture(scope="module")
def llama_front(tmp_path_factory):
    if not LLAMA_SERVER.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"llama-server is not built at {LLAMA_SERVER}: scripts/test.sh builds it with bench/llamacpp.sh")
        print(f"llama-server is not built at {LLAMA_SERVER} (LLAMACPP_BIN=1 bench/llamacpp.sh builds it)")
        pytest.skip(f"llama-server is not built at {LLAMA_SERVER}")
    port = _free_port()
    llama = Process("llama-server", [str(LLAMA_SERVER), "-m", MODEL_FILE, "--port", str(port), "--host", "127.0.0.1",
                                     "-t", "1", "-c", "2048"], port).wait_healthy()
    front_port = _free_port()
    proc = Process("llama-front", [str(BINARY), "serve", "--port", str(front_port),
                                   "--upstream", f"llama=http://127.0.0.1:{port}", "--upstream-kind", "llama=llama.cpp",
                                   "--api-key", MEMBER_KEY], front_port).wait_healthy()
    yield proc
    proc.stop()
    llama.stop()


def test_llama_cpp_completion_streaming_and_refusal(llama_front):
    with httpx.Client(base_url=llama_front.base, headers={"Authorization": f"Bearer {MEMBER_KEY}"}, timeout=120) as h:
        r = h.post("/v1/completions", json={"model": "llama", "prompt": "The capital of France is", "max_tokens": 4,
                                            "temperature": 0})
        assert r.status_code == 200, r.text
        whole = r.json()
        assert whole["usage"]["completion_tokens"] >= 1 and whole["choices"][0]["text"]
        chunks = []
        with h.stream("POST", "/v1/completions", json={"model": "llama", "prompt": "The capital of France is",
                                                       "max_tokens": 4, "temperature": 0, "stream": True}) as s:
            for line in s.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    chunks.append(json.loads(line[6:]))
        assert "".join(c["choices"][0]["text"] for c in chunks if c["choices"]) == whole["choices"][0]["text"]
        r = h.post("/v1/completions", json={"model": "llama", "prompt": "x", "max_tokens": 1, "prompt_logprobs": 1})
        assert r.status_code == 400
        assert r.json()["error"]["param"] == "prompt_logprobs" and "llama" in r.json()["error"]["message"]
