"""/v1/completions through the official openai client, as researchers call it."""
import math

import openai
import pytest

from conftest import MODEL, TOLERANCE


def extra(obj, name):
    """A vLLM extension field of an openai SDK object."""
    value = getattr(obj, name, None)
    if value is None and obj.model_extra:
        value = obj.model_extra.get(name)
    return value


def test_prompt_logprobs_match_golden(client, golden):
    for case in golden["cases"]:
        response = client.completions.create(model=MODEL, prompt=case["prompt"], max_tokens=1,
                                             temperature=0, extra_body={"prompt_logprobs": 5})
        choice = response.choices[0]
        entries = extra(choice, "prompt_logprobs")
        assert len(entries) == len(case["token_ids"])
        assert entries[0] is None
        for i in range(1, len(entries)):
            ref = case["prompt_logprobs"][i]
            entry = entries[i]
            actual = entry[str(ref["token_id"])]
            assert abs(actual["logprob"] - ref["logprob"]) < TOLERANCE, (case["prompt"], i)
            assert actual["decoded_token"] == case["tokens"][i]
            assert len(entry) in (5, 6)
            ranks = [v["rank"] for v in entry.values()]
            if ref["rank"] > 5:
                assert list(entry)[-1] == str(ref["token_id"]), "the actual token is appended last"
                assert ranks[:5] == sorted(ranks[:5])
            for token_id, logprob in ref["top"]:
                if str(token_id) in entry:
                    assert abs(entry[str(token_id)]["logprob"] - logprob) < TOLERANCE
        assert response.usage.prompt_tokens == len(case["token_ids"])
        assert response.usage.completion_tokens == 1


def test_echo_with_logprobs(client, golden):
    case = golden["cases"][0]
    response = client.completions.create(model=MODEL, prompt=case["prompt"], max_tokens=1, echo=True, logprobs=1,
                                         temperature=0)
    choice = response.choices[0]
    assert choice.text == case["prompt"] + " Paris"
    lp = choice.logprobs
    assert lp.token_logprobs[0] is None and lp.top_logprobs[0] is None
    assert len(lp.tokens) == len(case["token_ids"]) + 1
    for i in range(1, len(case["token_ids"])):
        assert abs(lp.token_logprobs[i] - case["prompt_logprobs"][i]["logprob"]) < TOLERANCE
    assert abs(lp.token_logprobs[-1] - case["greedy"]["logprobs"][0]) < TOLERANCE
    assert lp.tokens[-1] == " Paris"
    assert lp.text_offset[0] == 0


def test_old_scoring_request(client, golden):
    case = golden["cases"][3]
    response = client.completions.create(model=MODEL, prompt=case["prompt"], max_tokens=0, echo=True, logprobs=0)
    choice = response.choices[0]
    assert choice.text == case["prompt"]
    assert response.usage.completion_tokens == 0
    lps = choice.logprobs.token_logprobs
    assert len(lps) == len(case["token_ids"])
    total = sum(lps[1:])
    expected = sum(p["logprob"] for p in case["prompt_logprobs"][1:])
    assert abs(total - expected) < TOLERANCE * len(lps)


def test_lm_evaluation_harness_loglikelihood_request(http, golden):
    cases = golden["cases"][:3]
    body = {"model": MODEL, "prompt": [c["token_ids"] for c in cases], "echo": True, "max_tokens": 1,
            "logprobs": 1, "temperature": 0, "seed": 1234}
    response = http.post("/v1/completions", json=body)
    assert response.status_code == 200, response.text
    choices = response.json()["choices"]
    assert [c["index"] for c in choices] == [0, 1, 2]
    for choice, case in zip(choices, cases):
        lp = choice["logprobs"]
        n = len(case["token_ids"])
        assert len(lp["token_logprobs"]) == n + 1
        # The harness sums token_logprobs[ctxlen:-1] for the continuation and
        # checks greediness with top_logprobs.
        ctxlen = max(1, n - 2)
        got = sum(lp["token_logprobs"][ctxlen:-1])
        want = sum(p["logprob"] for p in case["prompt_logprobs"][ctxlen:n])
        assert abs(got - want) < TOLERANCE * n
        for i in range(ctxlen, n):
            top = lp["top_logprobs"][i]
            best = max(top.values())
            is_greedy = top.get(lp["tokens"][i]) == best
            assert is_greedy == (case["prompt_logprobs"][i]["rank"] == 1)
        assert abs(lp["token_logprobs"][-1] - case["greedy"]["logprobs"][0]) < TOLERANCE


def test_harness_tokenizer_probes(server, http, golden):
    import httpx
    info = httpx.get(server + "/tokenizer_info").json()
    assert info["eos_token"] == "<|im_end|>"
    case = golden["cases"][5]
    tokens = http.post("/tokenize", json={"prompt": case["prompt"], "add_special_tokens": False}).json()
    assert tokens["tokens"] == case["token_ids"]
    assert tokens["count"] == len(case["token_ids"])
    text = http.post("/detokenize", json={"tokens": case["token_ids"]}).json()
    assert text["prompt"] == case["prompt"]


def test_streaming(client, golden):
    case = golden["cases"][0]
    chunks = list(client.completions.create(model=MODEL, prompt=case["prompt"], max_tokens=16, temperature=0,
                                            stream=True, stream_options={"include_usage": True},
                                            extra_body={"ignore_eos": True}))
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == case["greedy"]["text"]
    finals = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finals == ["length"]
    assert chunks[-1].usage.completion_tokens == 16


def test_prompt_logprobs_with_stream_is_refused(client):
    with pytest.raises(openai.BadRequestError) as error:
        client.completions.create(model=MODEL, prompt="Hello", max_tokens=1, stream=True,
                                  extra_body={"prompt_logprobs": 1})
    assert "prompt_logprobs" in str(error.value)


def test_seeded_sampling_repeats(client):
    def sample():
        return [c.text for c in client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=12,
                                                         temperature=0.9, seed=42, n=2).choices]
    first = sample()
    assert first == sample()
    assert len(first) == 2


def test_stop_and_stop_token_ids(client):
    r = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=16, temperature=0,
                                  stop=["\n"])
    assert r.choices[0].text == " Paris."
    assert r.choices[0].finish_reason == "stop"
    assert extra(r.choices[0], "stop_reason") == "\n"
    r = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=16, temperature=0,
                                  extra_body={"stop_token_ids": [30]})
    assert r.choices[0].text == " Paris"
    assert extra(r.choices[0], "stop_reason") == 30


def test_bad_inputs(client, http):
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="no-such-model", prompt="x", max_tokens=1)
    with pytest.raises(openai.BadRequestError) as error:
        client.completions.create(model=MODEL, prompt="x", max_tokens=100000)
    assert "8192" in str(error.value)
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=MODEL, prompt=[[1, 10**9]], max_tokens=1)
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=MODEL, prompt="x", max_tokens=1, logprobs=21)
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=MODEL, prompt="x", max_tokens=1, n=2, temperature=0)
    r = http.post("/v1/completions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    r = http.post("/v1/completions", json={"prompt": "x" * 70000})
    assert r.status_code == 413 and "error" in r.json()
    r = http.post("/v1/completions", json={"prompt": "x", "max_tokens": "ten"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "max_tokens"
    r = http.get("/v1/nowhere")
    assert r.status_code == 404 and "error" in r.json()
