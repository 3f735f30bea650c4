"""Paused keys and token budgets against the real server, on SQLite and on
PostgreSQL: with the `openai` package as its documentation shows, from the
admin command line, and in a real browser (Chromium driven by selenium) on the
member's dashboard. Screenshots go to .build/e2e-screenshots/."""
import subprocess

import openai
import pytest
from selenium.webdriver.common.by import By

from conftest import MODEL, ROOT, Server
from test_access_flow import (PASSWORD, _browser, _db_args, _fresh_postgres, _sign_up_and_make_key, click, fill,
                              shot, submit)
import os


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def budget_server(request, tmp_path_factory):
    database_url = _fresh_postgres("baseserve_e2e_budgets") if request.param == "postgres" else None
    server = Server(f"budgets-{request.param}", ["--database", database_url] if database_url else [],
                    tmp_path_factory.mktemp(f"budgets-{request.param}"))
    server.db = request.param
    server.database_url = database_url
    yield server
    server.stop()


def admin(server, command, *args):
    binary = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))
    result = subprocess.run([binary, "admin", command, *args, *_db_args(server), "--public-url", server.base],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def member_key(server, email):
    """A member invited from the command line, signed up through the pages, with one key."""
    link = admin(server, "invite", "--email", email).strip().splitlines()[-1]
    key = _sign_up_and_make_key(server.base, link)
    return key, key.split("_")[1]


def client_for(server, key):
    return openai.OpenAI(base_url=server.base + "/v1", api_key=key, max_retries=0, timeout=120)


def test_a_paused_key_is_refused_with_key_paused_until_resumed(budget_server):
    server = budget_server
    key, key_id = member_key(server, "pause@lab.test")
    client = client_for(server, key)
    assert client.completions.create(model=MODEL, prompt="Hi", max_tokens=1).choices

    assert "paused" in admin(server, "pause-key", key_id)
    with pytest.raises(openai.AuthenticationError) as refused:
        client.completions.create(model=MODEL, prompt="Hi", max_tokens=1)
    error = refused.value.response.json()["error"]
    assert refused.value.status_code == 401
    assert error["code"] == "key_paused" and refused.value.code == "key_paused"
    assert "paused" in error["message"] and "resume" in error["message"]
    assert "paused" in admin(server, "keys", "--member", "pause@lab.test")

    assert "resumed" in admin(server, "resume-key", key_id)
    assert client.completions.create(model=MODEL, prompt="Hi", max_tokens=1).choices
    audit = admin(server, "audit")
    assert "key.pause" in audit and "key.resume" in audit


def test_budget_exceeded_names_the_budget_and_sends_no_retry_after(budget_server):
    server = budget_server
    key, key_id = member_key(server, "budget@lab.test")
    client = client_for(server, key)
    assert "monthly token budget 40" in admin(server, "budget", "budget@lab.test", "--monthly", "40")

    # More than the whole account budget: refused at once.
    with pytest.raises(openai.RateLimitError) as whole:
        client.completions.create(model=MODEL, prompt="Hi", max_tokens=50)
    assert whole.value.response.json()["error"]["code"] == "budget_exceeded"
    assert "account monthly" in whole.value.message and "resets at" in whole.value.message
    assert "retry-after" not in whole.value.response.headers

    # A key budget above the account's is refused by the command line too.
    refused = subprocess.run([os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve")), "admin",
                              "key-budget", key_id, "--daily", "41", *_db_args(server)], capture_output=True, text=True)
    assert refused.returncode != 0 and "account's monthly budget of 40" in refused.stderr

    # A daily budget of 10 on the key: small requests run until it is spent.
    assert "daily budget 10" in admin(server, "key-budget", key_id, "--daily", "10")
    spent = None
    for _ in range(12):
        try:
            client.completions.create(model=MODEL, prompt="Hi", max_tokens=4, temperature=0)
        except openai.RateLimitError as e:
            spent = e
            break
    assert spent is not None, "a daily budget of 10 tokens never ran out"
    body = spent.response.json()["error"]
    assert body["code"] == "budget_exceeded" and body["type"] == "rate_limit_error"
    assert "key daily budget of 10 tokens" in body["message"] and "T00:00:00Z" in body["message"]
    assert "retry-after" not in spent.response.headers

    # Clearing the budgets lets the key work again.
    admin(server, "key-budget", key_id, "--daily", "none")
    admin(server, "budget", "budget@lab.test", "--monthly", "none")
    assert client.completions.create(model=MODEL, prompt="Hi", max_tokens=1).choices


def test_a_member_sets_a_key_budget_pauses_and_resumes_it_in_the_dashboard(budget_server):
    server, db = budget_server, budget_server.db
    link = admin(server, "invite", "--email", "pages@lab.test").strip().splitlines()[-1]
    browser = _browser()
    try:
        browser.get(link)
        fill(browser, name="Pat", password=PASSWORD, confirm=PASSWORD)
        submit(browser, "/invite/" + link.rsplit("/", 1)[1])
        assert browser.current_url.endswith("/dashboard"), browser.page_source
        admin(server, "budget", "pages@lab.test", "--monthly", "100000")

        # A key with a daily budget from the start.
        fill(browser, **{"key-name": "eval runs", "key-daily": "5000"})
        submit(browser, "/dashboard/keys")
        key = browser.find_element(By.ID, "new-key").text.strip()
        client = client_for(server, key)
        client.completions.create(model=MODEL, prompt="Hi", max_tokens=2)
        browser.get(server.base + "/dashboard")
        assert "of 100,000 tokens used this month" in browser.find_element(By.ID, "account-budget").text
        assert " of 5,000" in browser.page_source

        # Its page: a monthly budget above the account's is refused with a clear message.
        click(browser, "//a[normalize-space()='Manage']")
        fill(browser, **{"monthly-budget": "200000"})
        submit(browser, browser.find_element(By.CSS_SELECTOR, "form.budget-form").get_attribute("action")
               .replace(server.base, ""))
        assert "cannot be above the account's monthly budget of 100000 tokens" in browser.page_source
        fill(browser, **{"monthly-budget": "50000"})
        submit(browser, browser.find_element(By.CSS_SELECTOR, "form.budget-form").get_attribute("action")
               .replace(server.base, ""))
        assert "Budgets saved." in browser.page_source
        assert " of 50,000" in browser.find_element(By.ID, "key-month").text
        shot(browser, db, "budgets-01-key-page")

        # Paused on the dashboard: the API says so; resumed: it works again.
        browser.get(server.base + "/dashboard")
        click(browser, "//button[normalize-space()='Pause']")
        assert "Key paused" in browser.page_source
        assert browser.find_element(By.CSS_SELECTOR, "tr.paused .badge.paused").text == "paused"
        shot(browser, db, "budgets-02-keys-paused")
        with pytest.raises(openai.AuthenticationError) as refused:
            client.completions.create(model=MODEL, prompt="Hi", max_tokens=1)
        assert refused.value.response.json()["error"]["code"] == "key_paused"
        click(browser, "//button[normalize-space()='Resume']")
        assert "Key resumed" in browser.page_source
        assert client.completions.create(model=MODEL, prompt="Hi", max_tokens=1).choices
        shot(browser, db, "budgets-03-keys-resumed")
    finally:
        browser.quit()
