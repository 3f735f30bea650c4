"""A strict API through the official openai client: every field is honoured or
refused by name, bodies are JSON, and every error carries its code."""
import httpx
import openai
import pytest

from conftest import API_KEY, MODEL


def error_of(exc: openai.APIStatusError) -> dict:
    """The error object of a refused request (the SDK unwraps `error` into `body`)."""
    body = exc.body
    return body.get("error", body) if isinstance(body, dict) else {}


def test_a_typo_is_a_400_naming_the_field(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model=MODEL, prompt="Hello", max_tokens=1, extra_body={"temprature": 0})
    error = error_of(caught.value)
    assert caught.value.status_code == 400
    assert error["code"] == "unknown_parameter"
    assert error["param"] == "temprature"
    assert "did you mean `temperature`?" in error["message"]


def test_a_typo_inside_stream_options_is_refused_too(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model=MODEL, prompt="Hello", max_tokens=1, stream=True,
                                  stream_options={"include_usage": True}, extra_body={"stream_options": {"include_usag": True}})
    error = error_of(caught.value)
    assert error["code"] == "unknown_parameter"
    assert error["param"] == "stream_options.include_usag"


def test_beam_search_is_refused_and_false_is_fine(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model=MODEL, prompt="Hello", max_tokens=1, extra_body={"use_beam_search": True})
    error = error_of(caught.value)
    assert error["code"] == "unsupported_parameter"
    assert error["param"] == "use_beam_search"
    assert "beam search" in error["message"]
    r = client.completions.create(model=MODEL, prompt="Hello", max_tokens=1, extra_body={"use_beam_search": False})
    assert len(r.choices) == 1


def test_best_of_returns_n_choices_and_bills_every_sequence(client):
    r = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=4, n=2, best_of=4, seed=3,
                                  logprobs=0, extra_body={"ignore_eos": True})
    assert [c.index for c in r.choices] == [0, 1]
    assert r.usage.completion_tokens == 16  # 4 sequences of 4 tokens, though 2 are returned
    first, second = (sum(c.logprobs.token_logprobs) for c in r.choices)
    assert first >= second
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model=MODEL, prompt="Hello", max_tokens=1, best_of=2, stream=True)
    assert error_of(caught.value)["param"] == "best_of"


def test_allowed_token_ids_restrict_the_sampled_tokens(client):
    allowed = [28, 29, 30, 418, 1032]
    r = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=10, temperature=1.5, n=2,
                                  extra_body={"allowed_token_ids": allowed, "ignore_eos": True, "return_token_ids": True})
    for choice in r.choices:
        ids = choice.model_extra["token_ids"]
        assert len(ids) == 10 and set(ids) <= set(allowed), ids
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model=MODEL, prompt="Hi", max_tokens=1, extra_body={"allowed_token_ids": [10**9]})
    assert error_of(caught.value)["param"] == "allowed_token_ids"


def test_choices_and_usage_have_vllms_shape(http):
    r = http.post("/v1/completions", json={"prompt": "Quietly the", "max_tokens": 1})
    body = r.json()
    assert "prompt_logprobs" in body["choices"][0] and body["choices"][0]["prompt_logprobs"] is None
    assert body["usage"]["prompt_tokens_details"] is None


def test_a_form_body_is_415(server):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    # What `curl -d` sends without `-H 'Content-Type: application/json'`.
    r = httpx.post(server + "/v1/completions", headers=headers, timeout=60,
                   data={"prompt": "Hello", "max_tokens": "1"})
    assert r.status_code == 415
    assert r.json()["error"]["code"] == "unsupported_media_type"
    r = httpx.post(server + "/v1/completions", headers=headers, timeout=60, content=b'{"prompt": "Hello", "max_tokens": 1}')
    assert r.status_code == 415, "no Content-Type at all, as vLLM"
    r = httpx.post(server + "/v1/completions", timeout=60, content=b'{"prompt": "Hello", "max_tokens": 1}',
                   headers={**headers, "Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200, r.text


def test_every_error_path_carries_its_code(server, http, client):
    assert http.get("/v1/nowhere").json()["error"]["code"] == "not_found"
    assert http.get("/v1/completions").json()["error"]["code"] == "method_not_allowed"
    assert http.post("/v1/completions", json={"prompt": "x" * 70000}).json()["error"]["code"] == "payload_too_large"
    assert http.post("/v1/completions", json={"prompt": "x", "max_tokens": 100000}).json()["error"]["code"] == \
        "context_length_exceeded"
    assert http.post("/v1/completions", json={"prompt": "x", "max_tokens": "ten"}).json()["error"]["code"] == \
        "invalid_request"
    assert http.post("/tokenize", json={"prompt": "x", "add_special_token": False}).json()["error"]["code"] == \
        "unknown_parameter"
    assert http.post("/v1/score", json={"text_1": "a", "text_2": "b"}).json()["error"]["code"] == "unsupported_parameter"
    with pytest.raises(openai.NotFoundError) as caught:
        client.completions.create(model="no-such-model", prompt="x", max_tokens=1)
    assert error_of(caught.value)["code"] == "model_not_found"
    r = httpx.post(server + "/v1/completions", json={"prompt": "x"}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_prompt_logprobs_temperature_rescales_the_prompt_logprobs(http):
    """vLLM's prompt_logprobs_temperature: log-softmax of logits / T. Differences between
    two tokens' logprobs at one position are (z_a - z_b) / T, so at T they are the
    temperature-1 differences divided by T; T = 1 is the same as leaving it out; a low T
    only sharpens the distribution towards the argmax; sampling is unaffected."""
    def positions(**extra):
        body = {"prompt": "The capital of France is Paris, and the capital of Italy is", "max_tokens": 3,
                "temperature": 0, "prompt_logprobs": 3, **extra}
        r = http.post("/v1/completions", json=body)
        assert r.status_code == 200, r.text
        choice = r.json()["choices"][0]
        return choice["prompt_logprobs"][1:], choice["text"]

    plain, text = positions()
    same, same_text = positions(prompt_logprobs_temperature=1.0)
    assert same == plain and same_text == text
    half, half_text = positions(prompt_logprobs_temperature=0.5)
    assert half_text == text, "the temperature of prompt logprobs does not change sampling"
    for at1, at_half in zip(plain, half):
        assert at1.keys() == at_half.keys(), "ranks and top-k do not depend on T"
        ids = list(at1)
        for a, b in zip(ids, ids[1:]):
            d1 = at1[a]["logprob"] - at1[b]["logprob"]
            d_half = at_half[a]["logprob"] - at_half[b]["logprob"]
            assert abs(d_half - 2 * d1) < 1e-3 * max(1.0, abs(d1)), (d1, d_half)
            assert at1[a]["rank"] == at_half[a]["rank"]
    cold, _ = positions(prompt_logprobs_temperature=0.01)
    for at1, entry in zip(plain, cold):
        # Below T = 1 the argmax only gains probability.
        best = next(k for k, v in at1.items() if v["rank"] == 1)
        assert entry[best]["logprob"] >= at1[best]["logprob"] - 1e-4
    r = http.post("/v1/completions", json={"prompt": "x", "max_tokens": 1, "prompt_logprobs_temperature": 0.5})
    assert r.status_code == 400 and r.json()["error"]["param"] == "prompt_logprobs_temperature"
    r = http.post("/v1/completions", json={"prompt": "x", "max_tokens": 1, "prompt_logprobs": 1,
                                           "prompt_logprobs_temperature": 0})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"
