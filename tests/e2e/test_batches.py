"""The Batch API against the real server, with the `openai` package as its
documentation shows: upload a JSONL file, create a batch, poll it, read its
output. Batches survive `kill -9` (leases lapse, lines run again, every
custom_id answered once), two servers on one PostgreSQL share one batch, and
cancelled and expired batches keep what they ran."""
import io
import json
import os
import signal
import subprocess
import time

import openai
import pytest

from conftest import API_KEY, MODEL, ROOT, Server
from test_access_flow import _fresh_postgres

PROMPTS = ["The capital of France is", "Once upon a time", "The quick brown fox", "In 1969, the first",
           "Water boils at", "The largest planet in"]


def completion_body(prompt, max_tokens=4):
    return {"model": MODEL, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "logprobs": 2, "prompt_logprobs": 1}


def generation(i, max_tokens=16):
    """A request that takes a while: tokens generated past any end of text."""
    return {"custom_id": f"g{i}", "method": "POST", "url": "/v1/completions",
            "body": {"model": MODEL, "prompt": PROMPTS[i % len(PROMPTS)], "max_tokens": max_tokens, "temperature": 0,
                     "ignore_eos": True}}


def score_body(i):
    return {"model": MODEL, "context": PROMPTS[i % len(PROMPTS)], "continuations": [" Paris", f" item {i}"]}


def jsonl(lines):
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def upload(client, lines):
    return client.files.create(file=("batch.jsonl", io.BytesIO(jsonl(lines))), purpose="batch")


def wait_for(client, batch_id, statuses, timeout=240):
    deadline = time.monotonic() + timeout
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in statuses:
            return batch
        assert time.monotonic() < deadline, f"batch still {batch.status} after {timeout} s: {batch}"
        time.sleep(0.3)


def results(client, file_id):
    if file_id is None:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines() if line]


def start(name, tmp_path, *args, database_url=None):
    db = ["--database", database_url] if database_url else []
    return Server(name, ["--api-key", API_KEY, *db, *args], tmp_path)


def client_for(server):
    return openai.OpenAI(base_url=server.base + "/v1", api_key=API_KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def batch_server(tmp_path_factory):
    server = start("batches", tmp_path_factory.mktemp("batches"))
    yield server
    server.stop()


def test_a_batch_answers_as_the_api_does(batch_server):
    client = client_for(batch_server)
    requests = [{"custom_id": f"c{i}", "method": "POST", "url": "/v1/completions", "body": completion_body(p)}
                for i, p in enumerate(PROMPTS)]
    file = upload(client, requests)
    assert file.purpose == "batch" and file.bytes == len(jsonl(requests)) and file.object == "file"
    assert client.files.retrieve(file.id).filename == "batch.jsonl"
    assert file.id in [f.id for f in client.files.list()]

    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/completions", completion_window="24h",
                                  metadata={"experiment": "capitals"})
    assert batch.status == "in_progress" and batch.request_counts.total == len(PROMPTS)
    assert batch.metadata == {"experiment": "capitals"}
    done = wait_for(client, batch.id, {"completed", "failed", "expired"})
    assert done.status == "completed", done
    assert done.request_counts.completed == len(PROMPTS) and done.request_counts.failed == 0
    assert done.error_file_id is None and done.completed_at >= done.created_at
    assert batch.id in [b.id for b in client.batches.list(limit=5)]

    output = results(client, done.output_file_id)
    assert [line["custom_id"] for line in output] == [r["custom_id"] for r in requests]
    for line, request in zip(output, requests):
        assert line["error"] is None and line["response"]["status_code"] == 200 and line["id"].startswith("batch_req_")
        body = request["body"]
        direct = client.completions.create(
            model=body["model"], prompt=body["prompt"], max_tokens=body["max_tokens"], temperature=0, logprobs=2,
            extra_body={"prompt_logprobs": 1}).model_dump()
        answered = line["response"]["body"]
        assert answered["choices"][0]["text"] == direct["choices"][0]["text"]
        assert answered["choices"][0]["logprobs"]["tokens"] == direct["choices"][0]["logprobs"]["tokens"]
        assert answered["choices"][0]["logprobs"]["token_logprobs"] == pytest.approx(
            direct["choices"][0]["logprobs"]["token_logprobs"], abs=1e-4)
        ours = answered["choices"][0]["prompt_logprobs"]
        theirs = direct["choices"][0]["prompt_logprobs"]
        assert len(ours) == len(theirs) and ours[0] is None
        for mine, other in zip(ours[1:], theirs[1:]):
            assert mine.keys() == other.keys()
            for token in mine:
                assert mine[token]["logprob"] == pytest.approx(other[token]["logprob"], abs=1e-4)
                assert mine[token]["rank"] == other[token]["rank"]
        assert answered["usage"]["prompt_tokens"] == direct["usage"]["prompt_tokens"]


def test_a_malformed_file_fails_the_batch_with_errors_by_line(batch_server):
    client = client_for(batch_server)
    lines = [{"custom_id": "ok", "method": "POST", "url": "/v1/score", "body": score_body(0)},
             {"custom_id": "typo", "method": "POST", "url": "/v1/score",
              "body": {**score_body(1), "temprature": 0}},
             {"custom_id": "ok", "method": "POST", "url": "/v1/score", "body": score_body(2)}]
    file = upload(client, lines)
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/score", completion_window="24h")
    assert batch.status == "failed" and batch.failed_at is not None
    errors = [(e.code, e.line) for e in batch.errors.data]
    assert errors == [("unknown_parameter", 2), ("duplicate_custom_id", 3)], batch.errors
    assert "`temprature`" in batch.errors.data[0].message

    with pytest.raises(openai.BadRequestError) as refused:
        client.batches.create(input_file_id=file.id, endpoint="/v1/embeddings", completion_window="24h")
    assert refused.value.body["code"] == "invalid_request" and refused.value.body["param"] == "endpoint"
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_nope")
    with pytest.raises(openai.NotFoundError):
        client.files.content("file-nope")
    assert client.files.delete(file.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(file.id)


def test_a_batch_survives_kill_9_and_answers_every_custom_id_once(tmp_path):
    lines = [generation(i) for i in range(60)]
    args = ["--batch-lease-seconds", "2", "--batch-concurrency", "2"]
    first = start("batches-kill", tmp_path, *args)
    client = client_for(first)
    batch = client.batches.create(input_file_id=upload(client, lines).id, endpoint="/v1/completions", completion_window="24h")
    deadline = time.monotonic() + 120
    while (completed := client.batches.retrieve(batch.id).request_counts.completed) < 5:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert completed < len(lines)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    first._log.close()

    second = start("batches-restart", tmp_path, *args)
    try:
        client = client_for(second)
        done = wait_for(client, batch.id, {"completed", "failed", "expired"})
        assert done.status == "completed" and done.request_counts.completed == len(lines), done
        ids = [line["custom_id"] for line in results(client, done.output_file_id)]
        assert sorted(ids) == sorted(line["custom_id"] for line in lines) and len(ids) == len(set(ids))
    finally:
        second.stop()


def test_two_servers_on_one_postgres_share_a_batch(tmp_path):
    url = _fresh_postgres("baseserve_e2e_batches")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = start("batches-pg-a", tmp_path / "a", "--batch-concurrency", "2", database_url=url)
    b = start("batches-pg-b", tmp_path / "b", "--batch-concurrency", "2", database_url=url)
    try:
        lines = [generation(i) for i in range(40)]
        client = client_for(a)
        batch = client.batches.create(input_file_id=upload(client, lines).id, endpoint="/v1/completions",
                                      completion_window="24h")
        done = wait_for(client_for(b), batch.id, {"completed", "failed", "expired"})
        assert done.status == "completed" and done.request_counts.completed == 40, done
        ids = [line["custom_id"] for line in results(client, done.output_file_id)]
        assert sorted(ids) == sorted(line["custom_id"] for line in lines)
        # Both ran lines: each logs the batch lines it ran.
        for server in (a, b):
            assert "POST /v1/completions 200" in server.log() and "workload=batch" in server.log(), server.log_path
    finally:
        a.stop()
        b.stop()


def test_cancel_stops_claiming_and_expiry_keeps_what_ran(tmp_path):
    server = start("batches-window", tmp_path, "--batch-window-seconds", "4", "--batch-concurrency", "1")
    try:
        client = client_for(server)
        # Long generations: forty of them cannot finish in the window.
        lines = [generation(i, max_tokens=64) for i in range(40)]
        cancelled = client.batches.create(input_file_id=upload(client, lines).id, endpoint="/v1/completions",
                                          completion_window="24h")
        assert client.batches.cancel(cancelled.id).status == "cancelling"
        cancelled = wait_for(client, cancelled.id, {"cancelled"})
        counts = cancelled.request_counts
        assert counts.completed + counts.failed == 40 and counts.completed <= 1
        unrun = results(client, cancelled.error_file_id)
        assert unrun and all(line["error"]["code"] == "batch_cancelled" and line["response"] is None for line in unrun)

        expiring = client.batches.create(input_file_id=upload(client, lines).id, endpoint="/v1/completions",
                                         completion_window="24h")
        expired = wait_for(client, expiring.id, {"expired", "completed"})
        assert expired.status == "expired" and expired.expired_at is not None
        counts = expired.request_counts
        assert counts.total == 40 and counts.completed + counts.failed == 40 and counts.completed < 40
        kept = results(client, expired.output_file_id)
        assert len(kept) == counts.completed and all(line["response"]["status_code"] == 200 for line in kept)
        assert all(line["error"]["code"] == "batch_expired" for line in results(client, expired.error_file_id))
    finally:
        server.stop()


def test_a_members_batch_is_billed_to_its_key_and_shown_on_the_batches_page(batch_server):
    from selenium.webdriver.common.by import By
    from test_access_flow import PASSWORD, _browser, click, fill, shot, submit
    from test_budgets import admin

    server = batch_server
    server.db = "sqlite"
    link = admin(server, "invite", "--email", "batcher@lab.test").strip().splitlines()[-1]
    browser = _browser()
    try:
        browser.get(link)
        fill(browser, name="Bea", password=PASSWORD, confirm=PASSWORD)
        submit(browser, "/invite/" + link.rsplit("/", 1)[1])
        fill(browser, **{"key-name": "batch runs"})
        submit(browser, "/dashboard/keys")
        key = browser.find_element(By.ID, "new-key").text.strip()
        key_id = key.split("_")[1]
        # Room for the two short requests, never for the long one's worst case.
        admin(server, "key-budget", key_id, "--daily", "40")
        member = openai.OpenAI(base_url=server.base + "/v1", api_key=key, max_retries=0, timeout=120)
        lines = [{"custom_id": "short-1", "method": "POST", "url": "/v1/completions",
                  "body": {"model": MODEL, "prompt": "Hi", "max_tokens": 4, "temperature": 0}},
                 {"custom_id": "long", "method": "POST", "url": "/v1/completions",
                  "body": {"model": MODEL, "prompt": "Hi", "max_tokens": 100, "temperature": 0}},
                 {"custom_id": "short-2", "method": "POST", "url": "/v1/completions",
                  "body": {"model": MODEL, "prompt": "Hello", "max_tokens": 4, "temperature": 0}}]
        file = upload(member, lines)
        # Another member's (here: the operator's) files and batches are not there.
        with pytest.raises(openai.NotFoundError):
            client_for(server).files.retrieve(file.id)
        batch = member.batches.create(input_file_id=file.id, endpoint="/v1/completions", completion_window="24h")
        done = wait_for(member, batch.id, {"completed", "failed", "expired"})
        assert done.status == "completed" and (done.request_counts.completed, done.request_counts.failed) == (2, 1), done
        assert [line["custom_id"] for line in results(member, done.output_file_id)] == ["short-1", "short-2"]
        [refused] = results(member, done.error_file_id)
        assert refused["custom_id"] == "long" and refused["response"]["status_code"] == 429
        assert refused["response"]["body"]["error"]["code"] == "budget_exceeded"
        listing = admin(server, "batches", "--member", "batcher@lab.test")
        assert done.id in listing and "3/3 100%" in listing, listing

        browser.get(server.base + "/dashboard/batches")
        page = browser.page_source
        assert done.id in page and "completed" in page and "100% of 3" in page
        assert browser.find_element(By.LINK_TEXT, "output").get_attribute("href").endswith(done.output_file_id)
        assert browser.find_element(By.LINK_TEXT, "errors").get_attribute("href").endswith(done.error_file_id)
        shot(browser, "sqlite", "batches-01-member-page")

        admin(server, "key-budget", key_id, "--daily", "none")
        long_lines = [generation(i, max_tokens=64) for i in range(30)]
        running = member.batches.create(input_file_id=upload(member, long_lines).id, endpoint="/v1/completions",
                                        completion_window="24h")
        browser.get(server.base + "/dashboard/batches")
        click(browser, "//button[normalize-space()='Cancel']")
        assert member.batches.retrieve(running.id).status in ("cancelling", "cancelled")
        shot(browser, "sqlite", "batches-02-cancelled")
        browser.get(server.base + "/admin/batches")
        assert "Admins only" in browser.page_source
    finally:
        browser.quit()
