"""Queued concurrency per key, request ids and workload tags against the real
server (C = 1 running and Q = 1 waiting per key, so a burst is small), and the
member's usage page read in Chromium with its CSV downloaded."""
import concurrent.futures
import csv
import io
import re
import sqlite3
import subprocess
import time

import httpx
import pytest
from selenium.webdriver.common.by import By

from conftest import MODEL, Server
from test_access_flow import PASSWORD, _browser, _sign_up_and_make_key, fill, shot, submit
from test_billing import BINARY

OPERATOR_KEY = "e2e-queue-operator"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory):
    server = Server("queue", ["--api-key", OPERATOR_KEY, "--key-concurrency", "1", "--key-queue", "1"],
                    tmp_path_factory.mktemp("queue"))
    yield server
    server.stop()


def _admin(server, *args):
    return subprocess.run([BINARY, "admin", *args, "--data-dir", str(server.data_dir), "--public-url", server.base],
                          check=True, capture_output=True, text=True).stdout


def _member_key(server, email):
    link = _admin(server, "invite", "--email", email).strip().splitlines()[-1]
    return _sign_up_and_make_key(server.base, link)


def _db(server):
    return sqlite3.connect(server.data_dir / "access.sqlite", timeout=30)


def _usage_row(server, request_id):
    """The usage row of a request, once written (it may trail the answer by a moment)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with _db(server) as db:
            row = db.execute("SELECT status, queue_ms, workload, route FROM usage WHERE request_id = ?", (request_id,)).fetchone()
        if row:
            return row
        time.sleep(0.2)
    pytest.fail(f"no usage row with request id {request_id}")


def _waiting(server):
    text = httpx.get(server.base + "/metrics", timeout=30).text
    match = re.search(r"^baseserve_queue_waiting_requests (\d+)", text, re.M)
    return int(match.group(1)) if match else 0


def _wait_for_waiting(server, count):
    """Polls /metrics until `count` requests wait in the queues: no fixed sleep."""
    deadline = time.monotonic() + 60
    while _waiting(server) != count:
        assert time.monotonic() < deadline, f"never {count} waiting"
        time.sleep(0.05)


def _completion(base, key, max_tokens=4, headers=None, timeout=120):
    return httpx.post(base + "/v1/completions", timeout=timeout,
                      headers={"Authorization": f"Bearer {key}", **(headers or {})},
                      json={"model": MODEL, "prompt": "The capital of France is", "max_tokens": max_tokens, "temperature": 0})


class LongStream:
    """A streaming completion that holds its key's slot until closed."""

    def __init__(self, base, key):
        self.client = httpx.Client(timeout=120)
        self.context = self.client.stream(
            "POST", base + "/v1/completions", headers={"Authorization": f"Bearer {key}"},
            json={"model": MODEL, "prompt": "Once upon a time", "max_tokens": 2000, "ignore_eos": True, "stream": True})
        self.response = self.context.__enter__()
        assert self.response.status_code == 200
        # The first chunk: the stream is running and holds the slot. The
        # iterator is kept: dropping it would close the response.
        self.lines = self.response.iter_lines()
        while not next(self.lines).startswith("data: "):
            pass

    def close(self):
        if self.client.is_closed:
            return
        self.context.__exit__(None, None, None)
        self.client.close()


def test_every_response_carries_a_request_id(queue_server):
    base = queue_server.base
    responses = [
        httpx.get(base + "/health"),
        httpx.get(base + "/v1/models", headers={"Authorization": f"Bearer {OPERATOR_KEY}"}),
        httpx.get(base + "/v1/models"),                      # 401
        httpx.get(base + "/no-such-route"),                  # 404
        httpx.delete(base + "/v1/completions"),              # 405
        httpx.get(base + "/dashboard"),                      # a page (redirect to sign-in)
        httpx.get(base + "/signin"),
        httpx.get(base + "/static/style.css"),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(i and HEX_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert responses[2].status_code == 401 and responses[2].json()["error"]["code"] == "invalid_api_key"
    assert responses[3].status_code == 404

    # A client's own id is kept when short and printable, replaced otherwise.
    assert httpx.get(base + "/health", headers={"X-Request-Id": "eval-7/item-3"}).headers["x-request-id"] == "eval-7/item-3"
    for bad in ["has space", "x" * 129, "tab\there"]:
        replaced = httpx.get(base + "/health", headers={"X-Request-Id": bad}).headers["x-request-id"]
        assert HEX_ID.match(replaced), (bad, replaced)

    # The log line names it.
    reply = _completion(base, OPERATOR_KEY, headers={"X-Request-Id": "logged-id-1"})
    assert reply.status_code == 200 and reply.headers["x-request-id"] == "logged-id-1"
    deadline = time.monotonic() + 30
    while "request_id=logged-id-1" not in queue_server.log():
        assert time.monotonic() < deadline, queue_server.log()[-2000:]
        time.sleep(0.1)


def test_request_id_workload_and_queue_time_are_stored(queue_server):
    key = _member_key(queue_server, "stored@lab.test")
    ok = _completion(queue_server.base, key, headers={"X-Request-Id": "stored-1", "X-Workload": "batch"})
    assert ok.status_code == 200
    assert _usage_row(queue_server, "stored-1") == (200, 0, "batch", "/v1/completions")
    # Any other workload is ignored; a generated id is stored as sent.
    other = _completion(queue_server.base, key, headers={"X-Workload": "urgent"})
    status, queue_ms, workload, _ = _usage_row(queue_server, other.headers["x-request-id"])
    assert (status, workload) == (200, None) and queue_ms == 0
    # An error is recorded with its id too.
    bad = httpx.post(queue_server.base + "/v1/completions", headers={"Authorization": f"Bearer {key}", "X-Workload": "interactive"},
                     json={"model": "no-such-model", "prompt": "x"})
    assert bad.status_code == 404
    assert _usage_row(queue_server, bad.headers["x-request-id"])[0] == 404


def test_a_burst_beyond_c_plus_q_gets_queue_full(queue_server):
    base = queue_server.base
    running = LongStream(base, OPERATOR_KEY)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        try:
            waiting = pool.submit(_completion, base, OPERATOR_KEY, 4, {"X-Request-Id": "waited-1"})
            _wait_for_waiting(queue_server, 1)
            refused = _completion(base, OPERATOR_KEY)
            assert refused.status_code == 429, refused.text
            error = refused.json()["error"]
            assert error["code"] == "queue_full" and error["type"] == "rate_limit_error", error
            assert int(refused.headers["retry-after"]) >= 1
            assert refused.headers["x-request-id"]
            # Another key is not held up by this one's queue.
            other = _member_key(queue_server, "other-key@lab.test")
            assert _completion(base, other).status_code == 200
        finally:
            running.close()
        # The running stream ended: the waiting request runs and succeeds (C + Q succeeded).
        assert waiting.result().status_code == 200
    metrics = httpx.get(base + "/metrics").text
    count = re.search(r"^baseserve_queue_wait_seconds_count (\d+)", metrics, re.M)
    assert count and int(count.group(1)) >= 3, metrics
    assert 'route="/v1/completions",status="429"' in metrics


def test_a_client_that_leaves_the_queue_frees_its_place(queue_server):
    base = queue_server.base
    key = _member_key(queue_server, "leaver@lab.test")
    running = LongStream(base, key)
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            # Waits in the queue, then gives up and closes its connection.
            leaving = pool.submit(_completion, base, key, 4, {"X-Request-Id": "left-queue"}, 2)
            _wait_for_waiting(queue_server, 1)
            with pytest.raises(httpx.ReadTimeout):
                leaving.result()
        _wait_for_waiting(queue_server, 0)
        status, queue_ms, _, _ = _usage_row(queue_server, "left-queue")
        assert status == 499 and queue_ms >= 1000
        # Its place is free: the next request waits instead of being refused.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            next_one = pool.submit(_completion, base, key, 4, {"X-Request-Id": "moved-up"})
            _wait_for_waiting(queue_server, 1)
            running.close()
            assert next_one.result().status_code == 200
        assert _usage_row(queue_server, "moved-up")[1] > 0
    finally:
        running.close()


def test_a_member_reads_the_usage_page_and_downloads_the_csv(queue_server, tmp_path):
    base = queue_server.base
    email = "reader@lab.test"
    key = _member_key(queue_server, email)
    for i, workload in enumerate(["batch", "interactive", "batch"]):
        r = _completion(base, key, headers={"X-Request-Id": f"usage-page-{i}", "X-Workload": workload})
        assert r.status_code == 200
    _usage_row(queue_server, "usage-page-2")
    # Budgets are set by admins; the page reads them as stored.
    with _db(queue_server) as db:
        db.execute("UPDATE members SET monthly_token_budget = 1000 WHERE email = ?", (email,))

    browser = _browser()
    try:
        browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
        browser.get(base + "/signin")
        fill(browser, email=email, password=PASSWORD)
        submit(browser)
        browser.get(base + "/dashboard/usage")
        page = browser.find_element(By.TAG_NAME, "main").text
        assert "Your usage" in page
        for i in range(3):
            assert f"usage-page-{i}" in page
        assert "batch" in page and "interactive" in page
        assert "of 1,000 tokens" in page  # the account's monthly budget as a bar
        assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.s0")) >= 1
        assert len(browser.find_elements(By.CSS_SELECTOR, "svg.budget-bar rect.fill")) == 1
        shot(browser, "sqlite", "usage-page")

        browser.find_element(By.CSS_SELECTOR, 'a[href="/dashboard/usage.csv"]').click()
        # Chrome writes `*.crdownload` and renames it to the real name once complete.
        deadline = time.monotonic() + 30
        while not (files := list(tmp_path.glob("*.csv"))):
            assert time.monotonic() < deadline, list(tmp_path.iterdir())
            time.sleep(0.1)
        rows = list(csv.DictReader(io.StringIO(files[0].read_text())))
    finally:
        browser.quit()
    assert files[0].name.startswith("baseserve-usage-")
    by_id = {row["request_id"]: row for row in rows}
    assert {f"usage-page-{i}" for i in range(3)} <= set(by_id)
    assert by_id["usage-page-0"]["workload"] == "batch"
    assert by_id["usage-page-1"]["workload"] == "interactive"
    assert by_id["usage-page-0"]["member"] == email
    assert by_id["usage-page-0"]["queue_ms"] == "0"
    assert int(by_id["usage-page-0"]["total_tokens"]) > 0
    # Only the member's own rows.
    assert {row["member"] for row in rows} == {email}
