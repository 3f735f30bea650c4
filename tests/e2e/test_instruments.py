"""The research instruments end to end, through the `openai` package's `extra_body`
as a researcher would call them, against the float64 reference of
scripts/reference-instruments.py (Tests/Data/golden/smollm2.instruments.json)."""
import base64
import gzip
import json

import httpx
import numpy as np
import openai
import pytest

from conftest import API_KEY, MODEL, ROOT, TOLERANCE, Server


@pytest.fixture(scope="module")
def reference():
    with open(ROOT / "Tests/Data/golden/smollm2.instruments.json") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def front(server, tmp_path_factory):
    """A second server with a local model (capturing at most 100 layer-positions) and the first
    server as an upstream model `up`."""
    s = Server("instruments-front", ["--api-key", API_KEY, "--upstream", f"up={server}", "--upstream-key", f"up={API_KEY}",
                                     "--max-activation-positions", "100"],
               tmp_path_factory.mktemp("front"))
    yield s.base
    s.stop()


def test_every_local_response_names_the_engine_and_the_weights(client, http):
    sha = {m["id"]: m for m in http.get("/v1/models").json()["data"]}[MODEL]["capabilities"]["sha256"]
    completion = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=2)
    assert completion.system_fingerprint.endswith("-sha256:" + sha)
    assert completion.system_fingerprint.startswith("engine")
    score = http.post("/v1/score", json={"model": MODEL, "context": "The capital of France is", "continuation": " Paris"}).json()
    assert score["system_fingerprint"] == completion.system_fingerprint
    chunks = list(client.completions.create(model=MODEL, prompt="Hello", max_tokens=2, stream=True))
    assert chunks and all(c.system_fingerprint == completion.system_fingerprint for c in chunks)


def test_the_same_request_twice_gives_the_same_numbers(client):
    ask = dict(model=MODEL, prompt="In 1969, Neil Armstrong became the first person to", max_tokens=6, temperature=0,
               logprobs=5, echo=True, extra_body={"return_entropy": True, "prompt_logprobs": 5})
    a, b = client.completions.create(**ask), client.completions.create(**ask)
    assert a.system_fingerprint == b.system_fingerprint
    assert a.choices[0].logprobs.token_logprobs == b.choices[0].logprobs.token_logprobs
    assert a.choices[0].logprobs.top_logprobs == b.choices[0].logprobs.top_logprobs
    assert a.choices[0].prompt_logprobs == b.choices[0].prompt_logprobs
    assert a.choices[0].prompt_entropy == b.choices[0].prompt_entropy


def test_entropy_matches_the_reference(client, reference):
    for case in reference["cases"]:
        c = client.completions.create(model=MODEL, prompt=case["token_ids"], max_tokens=len(case["greedy"]["token_ids"]),
                                      temperature=0, logprobs=0, extra_body={"return_entropy": True, "return_token_ids": True})
        choice = c.choices[0]
        assert choice.token_ids == case["greedy"]["token_ids"]
        assert choice.prompt_entropy[0] is None and choice.prompt_logprobs is None
        assert len(choice.prompt_entropy) == len(case["token_ids"])
        for ours, ref in zip(choice.prompt_entropy[1:], case["prompt_entropy"][1:]):
            assert abs(ours - ref) < TOLERANCE
        assert len(choice.logprobs.entropies) == len(case["greedy"]["entropies"])
        for ours, ref in zip(choice.logprobs.entropies, case["greedy"]["entropies"]):
            assert abs(ours - ref) < TOLERANCE


def test_echoed_entropies_line_up_with_the_tokens(client, reference):
    case = reference["cases"][0]
    c = client.completions.create(model=MODEL, prompt=case["token_ids"], max_tokens=2, temperature=0, logprobs=1,
                                  echo=True, extra_body={"return_entropy": True})
    lp = c.choices[0].logprobs
    assert len(lp.entropies) == len(lp.tokens) == len(case["token_ids"]) + 2
    assert lp.entropies[0] is None
    assert lp.entropies[: len(case["token_ids"])] == c.choices[0].prompt_entropy
    assert all(abs(a - b) < TOLERANCE for a, b in zip(lp.entropies[-2:], case["greedy"]["entropies"]))


def test_entropy_is_refused_when_streaming(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.completions.create(model=MODEL, prompt="Hi", max_tokens=2, stream=True, extra_body={"return_entropy": True})
    assert e.value.body["param"] == "return_entropy"


def test_instruments_on_an_upstream_model_are_refused_naming_model_and_field(front):
    with httpx.Client(base_url=front, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=120) as http:
        for field, value in [("return_entropy", True), ("output_residual_stream", True), ("logit_lens", {"layers": [0]}),
                             ("apply_steering_vectors", [{"vector": [0.0], "layer_indices": [0], "scale": 1}])]:
            r = http.post("/v1/completions", json={"model": "up", "prompt": "Hi", "max_tokens": 1, field: value})
            assert r.status_code == 400
            error = r.json()["error"]
            assert error["param"] == field and "`up`" in error["message"] and "upstream" in error["message"]
        r = http.post("/v1/score", json={"model": "up", "text": "Hello there", "rolling": {"window": 4, "stride": 2}})
        assert r.status_code == 400 and r.json()["error"]["param"] == "rolling"
        # The upstream's own numbers are relayed without a fingerprint: BaseServe did not compute them.
        plain = http.post("/v1/completions", json={"model": "up", "prompt": "Hi", "max_tokens": 1}).json()
        assert "system_fingerprint" not in plain
        local = http.post("/v1/completions", json={"model": MODEL, "prompt": "Hi", "max_tokens": 1}).json()
        assert local["system_fingerprint"].startswith("engine")


def floats(data):
    return np.frombuffer(base64.b64decode(data), dtype="<f4")


def test_residual_stream_matches_the_reference(client, reference):
    case = reference["cases"][0]
    layers = case["residual"]["layers"]
    c = client.completions.create(model=MODEL, prompt=case["token_ids"], max_tokens=len(case["greedy"]["token_ids"]),
                                  temperature=0, extra_body={"output_residual_stream": layers})
    stream = c.choices[0].activations["residual_stream"]
    assert stream["layers"] == layers and stream["dtype"] == "float32"
    assert stream["shape"] == case["residual"]["shape"]  # every prompt token, then each generated token but the last
    ours = floats(stream["data"]).reshape(stream["shape"])
    ref = floats(case["residual"]["data"]).reshape(stream["shape"])
    for l in range(len(layers)):
        assert np.abs(ours[l] - ref[l]).max() <= 1e-3 * np.abs(ref[l]).max()


def test_every_layer_and_its_cap(client, front, reference):
    c = client.completions.create(model=MODEL, prompt="Hello there", max_tokens=1, extra_body={"output_residual_stream": True})
    stream = c.choices[0].activations["residual_stream"]
    assert stream["layers"] == list(range(reference["layers"]))
    assert len(floats(stream["data"])) == stream["shape"][0] * stream["shape"][1] * reference["hidden_size"]
    capped = openai.OpenAI(base_url=front + "/v1", api_key=API_KEY, max_retries=0, timeout=120)
    ok = capped.completions.create(model=MODEL, prompt=[1, 2, 3], max_tokens=2, extra_body={"output_residual_stream": [0, 1]})
    assert ok.choices[0].activations["residual_stream"]["shape"] == [2, 4, reference["hidden_size"]]
    with pytest.raises(openai.BadRequestError) as e:
        capped.completions.create(model=MODEL, prompt=[1, 2, 3], max_tokens=2, extra_body={"output_residual_stream": True})
    assert e.value.body["param"] == "output_residual_stream" and "--max-activation-positions" in e.value.body["message"]
    with pytest.raises(openai.BadRequestError) as e:
        client.completions.create(model=MODEL, prompt="Hi", max_tokens=1, extra_body={"output_residual_stream": [99]})
    assert e.value.body["param"] == "output_residual_stream" and "layers 0 to" in e.value.body["message"]



def test_a_capture_the_server_cannot_write_is_a_503_naming_the_cause(tmp_path, monkeypatch):
    """The activations go to files in the temporary directory; when it is missing, the request fails
    with a 503 that says so, instead of answering without the activations it asked for."""
    missing = tmp_path / "no-such-directory"
    monkeypatch.setenv("TMPDIR", str(missing))  # the server started below inherits it
    (tmp_path / "data").mkdir()
    s = Server("instruments-no-tmpdir", ["--api-key", API_KEY], tmp_path / "data")
    try:
        client = openai.OpenAI(base_url=s.base + "/v1", api_key=API_KEY, max_retries=0, timeout=120)
        with pytest.raises(openai.APIStatusError) as e:
            client.completions.create(model=MODEL, prompt="Hello", max_tokens=1, extra_body={"output_residual_stream": [0]})
        assert e.value.status_code == 503 and e.value.body["code"] == "service_unavailable"
        assert str(missing) in e.value.body["message"] and "No such file or directory" in e.value.body["message"]
        # The whole distributions go to a file there too.
        with pytest.raises(openai.APIStatusError) as e:
            client.completions.create(model=MODEL, prompt="Hello there", max_tokens=1, extra_body={"prompt_logprobs": -1})
        assert e.value.status_code == 503 and "distribution file" in e.value.body["message"]
        # Nothing else needs the directory: the same request without capture is answered.
        assert client.completions.create(model=MODEL, prompt="Hello", max_tokens=1).choices[0].text is not None
    finally:
        s.stop()

def test_steering_with_a_difference_of_means_vector(client, http, reference):
    vector = reference["steering_vector"]
    for case in reference["cases"]:
        steer = {"vector": vector["data"], "layer_indices": [vector["layer"]], "scale": case["steering"]["scale"]}
        c = client.completions.create(model=MODEL, prompt=case["token_ids"], max_tokens=len(case["steering"]["greedy"]["token_ids"]),
                                      temperature=0, logprobs=0,
                                      extra_body={"apply_steering_vectors": [steer], "return_token_ids": True})
        assert c.choices[0].token_ids == case["steering"]["greedy"]["token_ids"]
        for ours, ref in zip(c.choices[0].logprobs.token_logprobs, case["steering"]["greedy"]["logprobs"]):
            assert abs(ours - ref) < TOLERANCE
    # The same vector as a list of floats, and scale 0: bit for bit the unsteered request.
    case = reference["cases"][0]
    ask = dict(model=MODEL, prompt=case["token_ids"], max_tokens=4, temperature=0, logprobs=3, echo=True)
    plain = client.completions.create(**ask)
    zero = client.completions.create(**ask, extra_body={"apply_steering_vectors": [
        {"vector": floats(vector["data"]).tolist(), "layer_indices": [vector["layer"]], "scale": 0}]})
    assert zero.choices[0].logprobs.token_logprobs == plain.choices[0].logprobs.token_logprobs
    assert zero.choices[0].logprobs.top_logprobs == plain.choices[0].logprobs.top_logprobs
    assert zero.choices[0].text == plain.choices[0].text
    # Steering only some positions, a wrong-sized vector.
    partial = http.post("/v1/completions", json={**ask, "apply_steering_vectors": [
        {"vector": vector["data"], "layer_indices": [vector["layer"]], "scale": 4, "positions": [[0, 2], 4]}]})
    assert partial.status_code == 200
    r = http.post("/v1/completions", json={**ask, "apply_steering_vectors": [{"vector": [1.0, 2.0], "layer_indices": [0], "scale": 1}]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "apply_steering_vectors"
    assert "hidden size" in r.json()["error"]["message"]


def test_logit_lens_matches_the_reference(client, reference):
    case = reference["cases"][0]
    layers = [int(l) for l in case["lens"]]
    c = client.completions.create(model=MODEL, prompt=case["token_ids"], max_tokens=1,
                                  extra_body={"logit_lens": {"layers": layers, "top_k": 5}})
    lens = c.choices[0].logit_lens
    assert list(lens) == [str(l) for l in layers]
    for layer in lens:
        assert lens[layer][0] is None
        for ours, ref in zip(lens[layer][1:], case["lens"][layer][1:]):
            best = sorted(ours.values(), key=lambda e: e["rank"])[:5]
            for entry, (_, logprob) in zip(best, ref):
                assert abs(entry["logprob"] - logprob) < TOLERANCE


def test_rolling_perplexity_of_a_long_text(http, reference):
    ref = reference["rolling"]
    r = http.post("/v1/score", json={"model": MODEL, "text": ref["prompt"],
                                     "rolling": {"window": ref["window"], "stride": ref["stride"]}})
    assert r.status_code == 200, r.text
    data = r.json()["data"][0]
    assert data["token_ids"] == ref["token_ids"]
    assert data["num_tokens"] == ref["num_tokens"] == len(ref["token_ids"]) - 1
    assert data["token_logprobs"][0] is None
    for ours, theirs in zip(data["token_logprobs"][1:], ref["token_logprobs"][1:]):
        assert abs(ours - theirs) < TOLERANCE
    assert abs(data["logprob"] - ref["logprob"]) < TOLERANCE * ref["num_tokens"]
    assert abs(data["perplexity"] / ref["perplexity"] - 1) < TOLERANCE
    bad = http.post("/v1/score", json={"model": MODEL, "text": ref["prompt"], "rolling": {"window": 8, "stride": 8}})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "rolling.stride"


def test_steered_scoring(http, reference):
    vector = reference["steering_vector"]
    case = reference["cases"][1]
    steer = [{"vector": vector["data"], "layer_indices": [vector["layer"]], "scale": case["steering"]["scale"]}]
    body = {"model": MODEL, "context_token_ids": case["token_ids"][:2], "continuation_token_ids": case["token_ids"][2:]}
    steered = http.post("/v1/score", json={**body, "apply_steering_vectors": steer}).json()["data"][0]
    for ours, ref in zip(steered["token_logprobs"], case["steering"]["prompt_logprobs"][2:]):
        assert abs(ours - ref) < TOLERANCE
    # Scale 0 is the unsteered request bit for bit: compared with the plain request
    # as it runs again, once the first left its context in the prefix cache.
    http.post("/v1/score", json=body)
    plain = http.post("/v1/score", json=body).json()["data"][0]
    zero = http.post("/v1/score", json={**body, "apply_steering_vectors": [{**steer[0], "scale": 0}]}).json()["data"][0]
    assert zero["token_logprobs"] == plain["token_logprobs"]


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """A server of its own, whose memory is measured, allowing 400 full-distribution positions."""
    s = Server("instruments-wide", ["--api-key", API_KEY, "--max-full-vocab-positions", "400"], tmp_path_factory.mktemp("wide"))
    yield s
    s.stop()


def test_full_distributions_match_the_top_k_and_the_base64_form(client):
    ask = dict(model=MODEL, prompt="The capital of France is", max_tokens=1, temperature=0)
    top = client.completions.create(**ask, extra_body={"prompt_logprobs": 5}).choices[0].prompt_logprobs
    full = client.completions.create(**ask, extra_body={"prompt_logprobs": -1}).choices[0].prompt_logprobs
    compact = client.completions.create(
        **ask, extra_body={"prompt_logprobs": -1, "prompt_logprobs_encoding": "base64_float32"}).choices[0].prompt_logprobs
    vocab = compact["shape"][1]
    assert compact["dtype"] == "float32" and compact["shape"] == [len(full), vocab] and len(full) == 5
    rows = floats(compact["data"]).reshape(compact["shape"])
    assert full[0] is None and np.isnan(rows[0]).all()
    for i in range(1, len(full)):
        assert len(full[i]) == vocab
        for token_id, entry in top[i].items():
            assert full[i][token_id] == entry
        ids = np.array([int(k) for k in full[i]])
        assert np.array_equal(np.array([e["logprob"] for e in full[i].values()], dtype="<f4"), rows[i][ids])
        # Each row is a distribution: exp sums to 1.
        assert abs(np.logaddexp.reduce(rows[i].astype(np.float64))) < 1e-4


def test_full_distributions_are_refused_when_misasked(client, front):
    ask = dict(model=MODEL, prompt="The capital of France is", max_tokens=1)
    for stream, extra, param in [(True, {"prompt_logprobs": -1}, "prompt_logprobs"),
                                 (False, {"prompt_logprobs_encoding": "base64_float32"}, "prompt_logprobs_encoding"),
                                 (False, {"prompt_logprobs": -1, "prompt_logprobs_encoding": "npy"}, "prompt_logprobs_encoding")]:
        with pytest.raises(openai.BadRequestError) as e:
            client.completions.create(**ask, stream=stream, extra_body=extra)
        assert e.value.body["param"] == param
    with httpx.Client(base_url=front, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=120) as http:
        r = http.post("/v1/completions", json={"model": "up", "prompt": "Hi", "max_tokens": 1, "prompt_logprobs": -1})
        assert r.status_code == 400
        assert r.json()["error"]["param"] == "prompt_logprobs" and "`up`" in r.json()["error"]["message"]


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def test_a_long_prompts_distributions_stream_gzipped_in_bounded_memory(wide):
    prompt = list(range(1000, 1300))  # 300 positions × 49,152 float32: 59 MB
    body = {"model": MODEL, "prompt": prompt, "max_tokens": 1, "prompt_logprobs": -1,
            "prompt_logprobs_encoding": "base64_float32"}
    with httpx.Client(base_url=wide.base, headers={"Authorization": f"Bearer {API_KEY}", "Accept-Encoding": "gzip"},
                      timeout=300) as http:
        # Warm up with the same prompt scored plainly: the forward pass's own buffers are not the distributions' cost.
        assert http.post("/v1/completions", json={**body, "prompt_logprobs": 0, "prompt_logprobs_encoding": None}).status_code == 200
        warm = http.post("/v1/completions", json={**body, "prompt": prompt[:20]})
        assert warm.status_code == 200 and warm.headers["content-encoding"] == "gzip"
        before = vm_hwm_kb(wide.proc.pid)
        with http.stream("POST", "/v1/completions", json=body) as r:
            assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
            wire = b"".join(r.iter_raw())
        grown_mb = (vm_hwm_kb(wide.proc.pid) - before) / 1024
    assert grown_mb < 40, f"peak RSS grew {grown_mb:.1f} MB for a 59 MB distribution"
    decoded = json.loads(gzip.decompress(wire))["choices"][0]["prompt_logprobs"]
    rows = floats(decoded["data"]).reshape(decoded["shape"])
    assert decoded["shape"] == [300, rows.shape[1]] and np.isnan(rows[0]).all()
    assert len(wire) < len(decoded["data"]), "smaller on the wire"
    assert np.abs(np.logaddexp.reduce(rows[1:].astype(np.float64), axis=1)).max() < 1e-4
    # The usage of a streamed answer is still recorded: the request log names its tokens.
    assert "prompt_tokens=300" in wide.log()
