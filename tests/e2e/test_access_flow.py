"""The whole access flow in a real browser (Chromium driven by selenium), on
SQLite and on PostgreSQL: first admin from the printed setup link -> a stranger
requests access -> the admin approves in the pages -> the invite arrives by
email (a real SMTP sink on loopback) -> account -> key -> the `openai` package
calls /v1/completions with it -> the key is revoked in the page -> 401.
Screenshots of every page go to .build/e2e-screenshots/."""
import concurrent.futures
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import openai
import pytest
from aiosmtpd.controller import Controller
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

from conftest import MODEL, ROOT, TOLERANCE, Server, _free_port

SHOTS = ROOT / ".build/e2e-screenshots"
PASSWORD = "correct horse battery"


class Sink:
    """Collects the mails the server sends."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, sink
    controller.stop()


def _fresh_postgres(name: str) -> str:
    url = os.environ.get("BASESERVE_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("BASESERVE_TEST_POSTGRES_URL is not set in CI: scripts/test.sh starts PostgreSQL and sets it")
        pytest.skip("BASESERVE_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)")
    base, _, _ = url.rpartition("/")
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True)
    return f"{base}/{name}"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def access_server(request, smtp, tmp_path_factory):
    controller, _ = smtp
    args = ["--smtp-url", f"smtp://{controller.hostname}:{controller.port}?from=invites@baseserve.test"]
    database_url = _fresh_postgres("baseserve_e2e") if request.param == "postgres" else None
    if database_url:
        args += ["--database", database_url]
    server = Server(f"access-{request.param}", args, tmp_path_factory.mktemp(f"access-{request.param}"))
    server.db = request.param
    server.database_url = database_url
    yield server
    server.stop()


def _browser():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not Path(chromium).exists() or not Path(driver_path).exists():
        pytest.fail("Chromium and chromium-driver are needed (scripts/test.sh installs them from Debian)")
    options = Options()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1000", "--disable-gpu"):
        options.add_argument(flag)
    # The driver from Debian, never one downloaded at run time.
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


@pytest.fixture
def browsers():
    opened = []

    def make():
        b = _browser()
        opened.append(b)
        return b

    yield make
    for b in opened:
        b.quit()


def shot(browser, db, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{db}-{name}.png"))


def fill(browser, **fields):
    for field_id, value in fields.items():
        element = browser.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)


def submit(browser, form_action=None):
    """Submits a form and waits for the page it leads to."""
    form = browser.find_element(By.CSS_SELECTOR, f'form[action="{form_action}"]') if form_action else browser.find_element(By.TAG_NAME, "form")
    _then_wait_for_next_page(browser, form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click)


def click(browser, xpath):
    """Clicks a button that submits its form, and waits for the page it leads to."""
    _then_wait_for_next_page(browser, browser.find_element(By.XPATH, xpath).click)


def _then_wait_for_next_page(browser, action):
    # A mark on the old page's window: a new page has a new window object without it.
    browser.execute_script("window.__baseserveOldPage = true")
    action()
    WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script("return window.__baseserveOldPage === undefined && document.readyState === 'complete'"))


def test_request_invite_key_use_revoke(access_server, smtp, browsers, golden):
    server, db = access_server, access_server.db
    _, sink = smtp
    setup = re.search(r"open (http://\S+/setup/\S+) to create the first admin", server.log())
    assert setup, server.log()

    # The first admin, from the link the server printed.
    admin = browsers()
    admin.get(setup.group(1))
    shot(admin, db, "01-setup")
    fill(admin, email="admin@baseserve.test", name="Ada Admin", password=PASSWORD, confirm=PASSWORD)
    submit(admin)
    assert "/admin" in admin.current_url or "/dashboard" in admin.current_url, admin.page_source

    # A stranger asks for access on the public page.
    member = browsers()
    member.get(server.base + "/")
    shot(member, db, "02-home")
    fill(member, name="Rosalind <b>Researcher</b>", email="ros@lab.test", affiliation="Lab of 'Tokens'",
         note="Scoring held-out text under base models; <script>alert(1)</script>")
    submit(member, "/request-access")
    assert "request" in member.page_source.lower()
    shot(member, db, "03-request-received")

    # The admin approves it in the pages; the invite link is shown and emailed.
    admin.get(server.base + "/admin/requests")
    shot(admin, db, "04-admin-requests")
    page = admin.page_source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    click(admin, "//button[normalize-space()='Approve and invite']")
    link = admin.find_element(By.ID, "invite-link").text.strip()
    shot(admin, db, "05-approved")
    assert link.startswith(server.base + "/invite/"), link
    mails = [body for to, body in sink.messages if to == ["ros@lab.test"]]
    assert mails and link in mails[-1], sink.messages

    # The invite makes the account and signs the member in.
    member.get(link)
    shot(member, db, "06-invite")
    fill(member, name="Rosalind", password=PASSWORD, confirm=PASSWORD)
    submit(member, "/invite/" + link.rsplit("/", 1)[1])
    assert member.current_url.endswith("/dashboard"), member.page_source
    shot(member, db, "07-dashboard")

    # A key, shown once.
    fill(member, **{"key-name": "notebook"})
    submit(member, "/dashboard/keys")
    key = member.find_element(By.ID, "new-key").text.strip()
    shot(member, db, "08-key-created")
    assert key.startswith("bsk_")
    member.get(server.base + "/dashboard")
    assert key not in member.page_source

    # The key works with the official client, and the numbers are the reference's.
    client = openai.OpenAI(base_url=server.base + "/v1", api_key=key, max_retries=0, timeout=120)
    case = golden["cases"][0]
    response = client.completions.create(model=MODEL, prompt=case["prompt"], max_tokens=1, temperature=0,
                                         extra_body={"prompt_logprobs": 5})
    entries = response.choices[0].model_extra["prompt_logprobs"]
    for i, ref in enumerate(case["prompt_logprobs"][1:], start=1):
        assert abs(entries[i][str(ref["token_id"])]["logprob"] - ref["logprob"]) < TOLERANCE
    member.get(server.base + "/dashboard")
    shot(member, db, "09-dashboard-used")

    # The admin's pages show the member and the audit trail.
    for page_name in ("members", "invites", "audit"):
        admin.get(server.base + "/admin/" + page_name)
        assert admin.find_element(By.TAG_NAME, "h1")
        shot(admin, db, f"10-admin-{page_name}")
    assert "ros@lab.test" in admin.page_source or "request.approve" in admin.page_source

    # Revoked in the page: the very next call is refused.
    member.get(server.base + "/dashboard")
    click(member, "//button[normalize-space()='Revoke']")
    shot(member, db, "11-revoked")
    with pytest.raises(openai.AuthenticationError):
        client.completions.create(model=MODEL, prompt="Hello", max_tokens=1)

    # The invite works once.
    member.get(link)
    shot(member, db, "12-invite-reused")
    assert "already been used" in member.page_source


def test_limits_hold_under_a_burst_of_20_clients(access_server):
    """Five requests a minute: of 20 concurrent requests exactly 5 get through;
    the rest get 429 with Retry-After and the x-ratelimit headers."""
    server = access_server
    binary = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))

    def admin(command, *args):
        return subprocess.run([binary, "admin", command, *args, *_db_args(server), "--public-url", server.base],
                              check=True, capture_output=True, text=True).stdout

    # Invited from the command line; the member signs up through the pages over
    # plain HTTP, as a browser would.
    link = admin("invite", "--email", "burst@lab.test").strip().splitlines()[-1]
    assert "burst@lab.test" in admin("invites")
    key = _sign_up_and_make_key(server.base, link)
    admin("limits", "burst@lab.test", "--requests-per-minute", "5")

    def call(_):
        return httpx.post(server.base + "/v1/completions", headers={"Authorization": f"Bearer {key}"}, timeout=120,
                          json={"model": MODEL, "prompt": "Hi", "max_tokens": 1, "temperature": 0})

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(call, range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 5 and statuses.count(429) == 15, statuses
    limited = next(r for r in responses if r.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-ratelimit-limit-requests"] == "5"
    assert limited.headers["x-ratelimit-remaining-requests"] == "0"
    assert limited.json()["error"]["type"] == "rate_limit_error"
    ok = next(r for r in responses if r.status_code == 200)
    assert ok.headers["x-ratelimit-limit-requests"] == "5"
    usage = admin("usage", "--member", "burst@lab.test", "--days", "1")
    # Every request is recorded, the refused ones too.
    assert re.search(r"total: 20 requests", usage), usage
    # A key's own limits override the member's.
    assert "tokens/day 100" in admin("key-limits", key.split("_")[1], "--tokens-per-day", "100")


def _db_args(server):
    if server.db == "postgres":
        return ["--database", server.database_url]
    return ["--data-dir", str(server.data_dir)]


def _sign_up_and_make_key(base, link):
    """The invite and key forms over HTTP, carrying cookies and CSRF tokens as a browser does."""
    with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as web:
        page = web.get(link).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        r = web.post(link, data={"csrf": csrf, "name": "Burst", "password": PASSWORD, "confirm": PASSWORD})
        assert r.status_code == 200 and "/dashboard" in str(r.url), r.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        r = web.post("/dashboard/keys", data={"csrf": csrf, "name": "burst"})
        return re.search(r'id="new-key">(bsk_[^<]+)<', r.text).group(1)
