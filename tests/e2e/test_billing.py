"""Billing against the real server, on its own SQLite data dir: a stream the
client abandons is billed for every token made and recorded as a disconnect
(499); token limits reserve each request's worst case at admission, so no burst
overshoots them, and a request that can never fit is refused up front."""
import concurrent.futures
import os
import sqlite3
import subprocess
import time

import httpx
import pytest

from conftest import MODEL, ROOT, Server
from test_access_flow import _sign_up_and_make_key

BINARY = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))


@pytest.fixture(scope="module")
def billing_server(tmp_path_factory):
    server = Server("billing", [], tmp_path_factory.mktemp("billing"))
    yield server
    server.stop()


def _admin(server, *args):
    return subprocess.run([BINARY, "admin", *args, "--data-dir", str(server.data_dir), "--public-url", server.base],
                          check=True, capture_output=True, text=True).stdout


def _member_key(server, email, tokens_per_minute):
    link = _admin(server, "invite", "--email", email).strip().splitlines()[-1]
    key = _sign_up_and_make_key(server.base, link)
    _admin(server, "limits", email, "--tokens-per-minute", str(tokens_per_minute))
    return key


def _db(server):
    return sqlite3.connect(server.data_dir / "access.sqlite", timeout=30)


def _member_id(server, email):
    with _db(server) as db:
        return db.execute("SELECT id FROM members WHERE email = ?", (email,)).fetchone()[0]


def _usage_rows(server, member_id):
    with _db(server) as db:
        return db.execute("SELECT status, prompt_tokens, completion_tokens FROM usage WHERE member_id = ?",
                          (member_id,)).fetchall()


def _wait_for_usage_rows(server, member_id, count):
    """The usage rows, once `count` are there: a row is written as its response ends, so it may trail the answer."""
    deadline = time.monotonic() + 60
    while len(rows := _usage_rows(server, member_id)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return rows


def _minute_window_tokens(server, member_id):
    """Tokens in the member's per-minute windows (reservations included)."""
    with _db(server) as db:
        return db.execute("SELECT COALESCE(SUM(tokens), 0) FROM rate_windows WHERE subject = ? AND kind = 'minute'",
                          (f"member:{member_id}",)).fetchone()[0]


def _away_from_minute_end():
    """A burst must fall in one fixed window: wait out the last seconds of a minute."""
    while time.time() % 60 > 40:
        time.sleep(1)


def test_an_abandoned_stream_is_billed_and_recorded_as_a_disconnect(billing_server):
    server = billing_server
    key = _member_key(server, "stream@lab.test", 100000)
    member = _member_id(server, "stream@lab.test")
    _away_from_minute_end()
    prompt = "Once upon a time"
    worst_case = len(prompt.encode()) + 2 + 2000
    with httpx.Client(timeout=120) as web:
        with web.stream("POST", server.base + "/v1/completions", headers={"Authorization": f"Bearer {key}"},
                        json={"model": MODEL, "prompt": prompt, "max_tokens": 2000, "ignore_eos": True,
                              "temperature": 0, "stream": True}) as r:
            assert r.status_code == 200
            remaining = int(r.headers["x-ratelimit-remaining-tokens"])
            chunks = 0
            for line in r.iter_lines():
                if line.startswith("data: "):
                    chunks += 1
                if chunks == 3:
                    break
        # Leaving the block closes the connection with the stream unread.

    rows = _wait_for_usage_rows(server, member, 1)
    assert len(rows) == 1, rows
    status, prompt_tokens, completion_tokens = rows[0]
    assert status == 499, rows
    assert prompt_tokens > 0 and 3 <= completion_tokens < 2000, rows
    # The reservation was settled to the tokens made: neither left at the worst case nor dropped to 0.
    assert _minute_window_tokens(server, member) == prompt_tokens + completion_tokens
    log = server.log()
    assert " 499 " in log and "client closed request" in log, log[-2000:]
    assert f"completion_tokens={completion_tokens}" in log
    # The metrics count it as a disconnect, not as a server error.
    metrics = httpx.get(server.base + "/metrics").text
    assert 'baseserve_requests_total{route="/v1/completions",status="499"}' in metrics
    assert 'status="500"' not in metrics
    # The answer's headers counted the reservation of the request's worst case.
    assert remaining == 100000 - worst_case


def test_a_dropped_request_is_billed_and_recorded_as_a_disconnect(billing_server):
    server = billing_server
    key = _member_key(server, "dropped@lab.test", 100000)
    member = _member_id(server, "dropped@lab.test")
    _away_from_minute_end()
    with pytest.raises(httpx.ReadTimeout):
        # The client gives up after a second and closes the connection.
        httpx.post(server.base + "/v1/completions", headers={"Authorization": f"Bearer {key}"}, timeout=1,
                   json={"model": MODEL, "prompt": "Once upon a time", "max_tokens": 2000, "ignore_eos": True,
                         "temperature": 0})
    rows = _wait_for_usage_rows(server, member, 1)
    assert len(rows) == 1, rows
    status, prompt_tokens, completion_tokens = rows[0]
    assert status == 499, rows
    assert prompt_tokens > 0 and 0 < completion_tokens < 2000, rows
    assert _minute_window_tokens(server, member) == prompt_tokens + completion_tokens


def test_a_burst_never_overshoots_the_tokens_per_minute(billing_server):
    server = billing_server
    key = _member_key(server, "burst-tokens@lab.test", 50)
    member = _member_id(server, "burst-tokens@lab.test")
    _away_from_minute_end()

    def call(_):
        return httpx.post(server.base + "/v1/completions", headers={"Authorization": f"Bearer {key}"}, timeout=120,
                          json={"model": MODEL, "prompt": "Hi", "max_tokens": 16, "ignore_eos": True, "temperature": 0})

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(call, range(20)))
    ok = [r for r in responses if r.status_code == 200]
    limited = [r for r in responses if r.status_code == 429]
    assert len(ok) + len(limited) == 20, [r.status_code for r in responses]
    assert ok, "some requests fit the limit"
    admitted = sum(r.json()["usage"]["total_tokens"] for r in ok)
    assert admitted <= 50, admitted
    for r in ok:
        assert r.json()["usage"]["completion_tokens"] == 16
        assert int(r.headers["x-ratelimit-remaining-tokens"]) < 50
    for r in limited:
        error = r.json()["error"]
        assert error["code"] == "rate_limit_exceeded" and error["type"] == "rate_limit_error", error
        assert int(r.headers["retry-after"]) >= 1
        assert r.headers["x-ratelimit-limit-tokens"] == "50"
    rows = _wait_for_usage_rows(server, member, 20)
    assert sum(p + c for s, p, c in rows if s == 200) == admitted
    assert _minute_window_tokens(server, member) == admitted


def test_a_request_larger_than_the_whole_limit_is_refused_up_front(billing_server):
    server = billing_server
    key = _member_key(server, "large@lab.test", 50)
    member = _member_id(server, "large@lab.test")
    r = httpx.post(server.base + "/v1/completions", headers={"Authorization": f"Bearer {key}"}, timeout=120,
                   json={"model": MODEL, "prompt": "Hi", "max_tokens": 400, "temperature": 0})
    assert r.status_code == 429, r.text
    error = r.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and "can never run" in error["message"], error
    # Waiting would not help: no Retry-After to loop on.
    assert "retry-after" not in r.headers
    assert r.headers["x-ratelimit-limit-tokens"] == "50"
    # Nothing ran and nothing was billed.
    assert _wait_for_usage_rows(server, member, 1) == [(429, 0, 0)]
    assert _minute_window_tokens(server, member) == 0


def test_scoring_reserves_and_bills_its_tokens(billing_server):
    server = billing_server
    key = _member_key(server, "score@lab.test", 50)
    member = _member_id(server, "score@lab.test")
    _away_from_minute_end()
    headers = {"Authorization": f"Bearer {key}"}
    # "Hello" + 2 special tokens + " world": at most 13 tokens.
    r = httpx.post(server.base + "/v1/score", headers=headers, timeout=120,
                   json={"model": MODEL, "context": "Hello", "continuations": [" world"]})
    assert r.status_code == 200, r.text
    assert r.headers["x-ratelimit-remaining-tokens"] == str(50 - 13)
    billed = r.json()["usage"]["prompt_tokens"]
    assert _wait_for_usage_rows(server, member, 1) == [(200, billed, 0)]
    assert _minute_window_tokens(server, member) == billed
    # Every continuation counts: 20 of them can never fit 50 tokens.
    r = httpx.post(server.base + "/v1/score", headers=headers, timeout=120,
                   json={"model": MODEL, "context": "Hello", "continuations": [" world"] * 20})
    assert r.status_code == 429 and "can never run" in r.json()["error"]["message"], r.text
