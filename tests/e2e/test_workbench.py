"""The Workbench in a real browser (Chromium driven by selenium) against the
real server: a member signs in and runs a prompt whose token heatmap must carry
the API's own logprobs, stops a long run and sees the server cancel it, saves a
prompt and loads it in a second browser, branches a Loom twice and finds it
again after a reload, exports and re-imports it, runs two Compare lanes, and
sends feedback an admin reads and closes. The page calls the API with its
session and CSRF token: checked here over plain HTTP too.
Screenshots of every state go to .build/e2e-screenshots/workbench-*.png."""
import json
import os
import re
import subprocess
import time

import httpx
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import API_KEY, MODEL, ROOT, Server
from test_access_flow import PASSWORD, SHOTS, _browser, fill, submit

MEMBER = "wb@lab.test"
ADMIN = "admin@lab.test"


def shot(browser, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"workbench-{name}.png"))


def wait(browser, condition, timeout=120):
    """Waits for `condition`; on a timeout, says what the page showed (its error line, its console)."""
    try:
        return WebDriverWait(browser, timeout).until(lambda b: condition(b))
    except TimeoutException:
        shot(browser, "failure")
        error = browser.execute_script("return document.getElementById('wb-error')?.textContent || ''")
        console = [entry["message"] for entry in browser.get_log("browser")]
        raise AssertionError(f"timed out on {browser.current_url}; page error: {error!r}; console: {console}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server with an admin and a member, both made through the pages' forms."""
    server = Server("workbench", ["--api-key", API_KEY], tmp_path_factory.mktemp("workbench"))
    binary = os.environ.get("BASESERVE_BIN", str(ROOT / ".build/release/baseserve"))
    setup = re.search(r"open (http://\S+/setup/\S+) to create the first admin", server.log()).group(1)
    with httpx.Client(follow_redirects=True, timeout=60) as web:
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get(setup).text).group(1)
        r = web.post(setup, data={"csrf": csrf, "email": ADMIN, "name": "Ada Admin", "password": PASSWORD, "confirm": PASSWORD})
        assert r.status_code == 200, r.text
    link = subprocess.run([binary, "admin", "invite", "--email", MEMBER, "--data-dir", str(server.data_dir),
                           "--public-url", server.base], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with httpx.Client(follow_redirects=True, timeout=60) as web:
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get(link).text).group(1)
        r = web.post(link, data={"csrf": csrf, "name": "Wanda <b>Bench</b>", "password": PASSWORD, "confirm": PASSWORD})
        assert r.status_code == 200 and "/dashboard" in str(r.url), r.text
    yield server
    server.stop()


@pytest.fixture
def browsers():
    opened = []

    def make(email=MEMBER, path="/workbench"):
        browser = _browser()
        opened.append(browser)
        browser.get(site_base[0] + "/signin")
        fill(browser, email=email, password=PASSWORD)
        submit(browser, "/signin")
        browser.get(site_base[0] + path)
        if path == "/workbench":
            wait(browser, lambda b: b.execute_script("return document.getElementById('workbench').dataset.ready === 'true'"))
        return browser

    yield make
    for browser in opened:
        browser.quit()


site_base = [None]


@pytest.fixture(autouse=True)
def _base(site):
    site_base[0] = site.base


def set_field(browser, element_id, value):
    element = browser.find_element(By.ID, element_id)
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", element, str(value))


def tokens(browser, selector):
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => [e.dataset.tokenId, e.dataset.logprob, e.dataset.rank,"
        " e.classList.contains('prompt')])", selector)


def metric(base, pattern):
    match = re.search(pattern, httpx.get(base + "/metrics").text, re.M)
    return float(match.group(1)) if match else 0.0


def test_single_heatmap_carries_the_apis_logprobs(site, browsers):
    browser = browsers()
    shot(browser, "01-single-empty")
    set_field(browser, "single-prompt", "The capital of France is")
    set_field(browser, "single-temperature", 0)
    set_field(browser, "single-max-tokens", 8)
    set_field(browser, "single-logprobs", 5)
    set_field(browser, "single-prompt-logprobs", 5)
    browser.find_element(By.ID, "single-run").click()
    wait(browser, lambda b: b.find_element(By.ID, "single-status").text == "Done.")
    request = browser.execute_script("return window.baseserveWorkbench.lastRequest")
    assert request["temperature"] == 0 and request["prompt_logprobs"] == 5 and request["logprobs"] == 5
    assert "stream" not in request  # the API serves prompt_logprobs whole
    shown = tokens(browser, "#single-output .tok")

    # The same request with a key: every token's id and logprob as the API answers.
    answer = httpx.post(site.base + "/v1/completions", json=request, headers={"Authorization": f"Bearer {API_KEY}"},
                        timeout=120).json()
    choice = answer["choices"][0]
    prompt_ids = choice["prompt_token_ids"]
    expected = []
    for i, token_id in enumerate(prompt_ids):
        entry = choice["prompt_logprobs"][i]
        expected.append((token_id, None if entry is None else entry[str(token_id)]["logprob"],
                         None if entry is None else entry[str(token_id)]["rank"], True))
    generated = choice["logprobs"]["token_logprobs"][len(prompt_ids):]
    expected += [(token_id, lp, 1, False) for token_id, lp in zip(choice["token_ids"], generated)]
    assert len(shown) == len(expected) == len(prompt_ids) + answer["usage"]["completion_tokens"]
    for (token_id, logprob, rank, prompt), (want_id, want_logprob, want_rank, want_prompt) in zip(shown, expected):
        assert int(token_id) == want_id and prompt == want_prompt
        if want_logprob is None:
            assert logprob == "" and rank == ""
        else:
            assert float(logprob) == pytest.approx(want_logprob, abs=1e-5)
            assert int(rank) == want_rank  # temperature 0: every generated token is the top one
    stats = browser.find_element(By.ID, "single-stats").text
    assert f"{len(prompt_ids)} prompt tokens" in stats and "completion tokens" in stats and "tokens/s" in stats

    # A click shows the token's numbers and its top-k.
    browser.find_elements(By.CSS_SELECTOR, "#single-output .tok:not(.prompt)")[0].click()
    detail = browser.find_element(By.ID, "single-detail")
    assert detail.is_displayed() and "rank" in detail.text and len(detail.find_elements(By.CSS_SELECTOR, "table.topk tbody tr")) >= 5
    shot(browser, "02-single-heatmap")

    # Copy as curl / Python: the exact request, runnable as it is.
    browser.find_element(By.ID, "copy-python").click()
    code = browser.find_element(By.ID, "single-code").text
    body = re.search(r'json\.loads\(r"""(.*)"""\)', code).group(1)
    assert json.loads(body) == request
    browser.find_element(By.ID, "copy-curl").click()
    code = browser.find_element(By.ID, "single-code").text
    assert json.loads(re.search(r"-d '(.*)'$", code, re.S).group(1)) == request
    shot(browser, "03-single-copy-curl")

    # The page's session billed the member's Workbench key, tagged interactive.
    browser.get(site.base + "/dashboard/usage")
    assert re.search(r"<tr><td>interactive</td><td>[1-9]", browser.page_source), browser.page_source


def test_session_requests_need_the_csrf_token_and_this_origin(site):
    with httpx.Client(base_url=site.base, follow_redirects=True, timeout=60) as web:
        page = web.get("/signin").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        web.post("/signin", data={"csrf": csrf, "email": MEMBER, "password": PASSWORD})
        token = re.search(r'data-csrf="([^"]+)"', web.get("/workbench").text).group(1)
        body = {"model": MODEL, "prompt": "Hi", "max_tokens": 1, "temperature": 0}
        missing = web.post("/v1/completions", json=body)
        assert missing.status_code == 401 and "X-CSRF-Token" in missing.json()["error"]["message"]
        wrong = web.post("/v1/completions", json=body, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 401
        cross = web.post("/v1/completions", json=body, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
        assert cross.status_code == 401
        ok = web.post("/v1/completions", json=body, headers={"X-CSRF-Token": token})
        assert ok.status_code == 200, ok.text
        keys = web.get("/workbench/api/keys", headers={"X-CSRF-Token": token}).json()["data"]
        assert [k["name"] for k in keys] == ["Workbench"], keys
        unknown_key = web.post("/v1/completions", json=body, headers={"X-CSRF-Token": token, "X-Workbench-Key": "someone-elses"})
        assert unknown_key.status_code == 401 and unknown_key.json()["error"]["code"] == "invalid_api_key"
        assert web.get("/workbench/api/prompts").status_code == 401
        listed = web.get("/workbench/api/prompts", headers={"X-CSRF-Token": token})
        assert listed.status_code == 200 and listed.json()["object"] == "list"
        bad = web.post("/workbench/api/prompts", json={"name": "x", "body": [1]}, headers={"X-CSRF-Token": token})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "body"
        typo = web.post("/workbench/api/prompts", json={"nme": "x"}, headers={"X-CSRF-Token": token})
        assert typo.status_code == 400 and typo.json()["error"]["code"] == "unknown_parameter"
        gone = web.get("/workbench/api/looms/nope", headers={"X-CSRF-Token": token})
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_stop_cancels_the_run_on_the_server(site, browsers):
    browser = browsers()
    set_field(browser, "single-prompt", "Once upon a time")
    set_field(browser, "single-prompt-logprobs", "")  # streams
    set_field(browser, "single-max-tokens", 4000)
    set_field(browser, "single-temperature", 1)
    closed_before = metric(site.base, r'^baseserve_requests_total\{route="/v1/completions",status="499"\} (\S+)$')
    browser.find_element(By.ID, "single-run").click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#single-output .tok:not(.prompt)")) >= 5)
    assert metric(site.base, r"^baseserve_engine_jobs (\S+)$") >= 1
    shot(browser, "04-single-streaming")
    browser.find_element(By.ID, "single-stop").click()
    wait(browser, lambda b: "Stopped" in b.find_element(By.ID, "single-status").text, 30)
    deadline = time.monotonic() + 30
    while metric(site.base, r"^baseserve_engine_jobs (\S+)$") != 0:
        assert time.monotonic() < deadline, "the job kept running after Stop"
        time.sleep(0.2)
    deadline = time.monotonic() + 30
    while metric(site.base, r'^baseserve_requests_total\{route="/v1/completions",status="499"\} (\S+)$') <= closed_before:
        assert time.monotonic() < deadline, "the stopped request was not recorded as closed by the client"
        time.sleep(0.2)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#single-output .tok:not(.prompt)")) < 4000
    shot(browser, "05-single-stopped")


def test_a_saved_prompt_follows_the_member_to_another_browser(site, browsers):
    first = browsers()
    set_field(first, "single-prompt", "Saved <b>prompt</b> text")
    set_field(first, "single-temperature", 0.7)
    set_field(first, "saved-name", "My <i>prompt</i>")
    first.find_element(By.ID, "saved-save").click()
    wait(first, lambda b: "Saved" in b.find_element(By.ID, "single-status").text)
    shot(first, "06-saved-prompt")

    second = browsers()
    Select(second.find_element(By.ID, "saved-list")).select_by_visible_text("My <i>prompt</i>")
    second.find_element(By.ID, "saved-load").click()
    wait(second, lambda b: b.find_element(By.ID, "single-prompt").get_attribute("value") == "Saved <b>prompt</b> text")
    assert second.find_element(By.ID, "single-temperature").get_attribute("value") == "0.7"
    # Rename, then delete it.
    set_field(second, "saved-name", "Renamed")
    second.find_element(By.ID, "saved-rename").click()
    wait(second, lambda b: "Renamed" in b.find_element(By.ID, "saved-list").text)
    shot(second, "07-loaded-in-second-browser")
    second.find_element(By.ID, "saved-delete").click()
    second.switch_to.alert.accept()
    wait(second, lambda b: "Renamed" not in b.find_element(By.ID, "saved-list").text)


def loom_nodes(browser):
    return browser.execute_script("return Object.keys(window.baseserveWorkbench.loomExport().nodes).length")


def test_loom_branches_survive_a_reload_and_export_and_import(site, browsers, tmp_path):
    browser = browsers()
    browser.find_element(By.ID, "tab-loom").click()
    browser.find_element(By.ID, "loom-new").click()
    set_field(browser, "loom-root", "Once upon a time")
    set_field(browser, "loom-name", "Fairy tales")
    set_field(browser, "loom-max-tokens", 6)
    set_field(browser, "loom-n", 2)
    browser.find_element(By.ID, "loom-pin").click()
    browser.find_element(By.ID, "loom-grow").click()
    wait(browser, lambda b: "continuation" in b.find_element(By.ID, "loom-status").text)
    assert loom_nodes(browser) == 3
    shot(browser, "08-loom-first-branch")

    # Branch from the second generated token of the current path.
    generated = browser.find_elements(By.CSS_SELECTOR, "#loom-path .node-text.current .tok")
    generated[1].click()
    browser.find_element(By.CSS_SELECTOR, "#loom-detail button.branch").click()
    wait(browser, lambda b: loom_nodes(b) >= 5 and "continuation" in b.find_element(By.ID, "loom-status").text)
    count = loom_nodes(browser)
    # Force an alternative from a token's top-k.
    browser.find_elements(By.CSS_SELECTOR, "#loom-path .node-text.current .tok")[0].click()
    browser.find_element(By.CSS_SELECTOR, "#loom-detail button.alt").click()
    wait(browser, lambda b: loom_nodes(b) > count and "continuation" in b.find_element(By.ID, "loom-status").text)
    assert browser.find_elements(By.CSS_SELECTOR, "#loom-path .tok.forced")
    count = loom_nodes(browser)
    shot(browser, "09-loom-branched")
    # Keyboard: left to the parent, right back down.
    tree = browser.find_element(By.ID, "loom-tree")
    current = browser.execute_script("return window.baseserveWorkbench.loomExport().current")
    tree.send_keys("\ue012")  # ArrowLeft
    parent = browser.execute_script("return window.baseserveWorkbench.loomExport().current")
    assert parent != current
    browser.find_element(By.ID, "loom-view-graph").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#loom-graph svg .gnode")) == count
    shot(browser, "10-loom-graph")

    # The loom is on the server: a reload brings it back.
    browser.refresh()
    wait(browser, lambda b: b.execute_script("return document.getElementById('workbench').dataset.ready === 'true'"))
    browser.find_element(By.ID, "tab-loom").click()
    assert loom_nodes(browser) == count
    exported = browser.execute_script("return window.baseserveWorkbench.loomExport()")
    assert exported["pinned_seed"] is True
    assert any(n["tokens"] and all("logprob" in t for t in n["tokens"]) for n in exported["nodes"])

    browser.find_element(By.ID, "loom-export").click()
    text = browser.find_element(By.ID, "loom-code").text
    assert json.loads(text)["format"] == "baseserve-loom"
    path = tmp_path / "loom.json"
    path.write_text(text)
    browser.find_element(By.ID, "loom-export-path").click()
    assert browser.find_element(By.ID, "loom-code").text.startswith("Once upon a time")
    browser.find_element(By.ID, "loom-import").send_keys(str(path))
    wait(browser, lambda b: b.find_element(By.ID, "loom-status").text == "Imported.")
    assert loom_nodes(browser) == count
    assert "(imported)" in browser.find_element(By.ID, "loom-name").get_attribute("value")
    shot(browser, "11-loom-imported")

    # Edit the current node's text (its heatmap is dropped), then delete its subtree.
    browser.find_element(By.ID, "loom-view-list").click()
    browser.find_element(By.XPATH, "//div[@id='loom-tree']//button[normalize-space()='Edit node']").click()
    editor = browser.find_element(By.CSS_SELECTOR, "#loom-tree textarea")
    editor.clear()
    editor.send_keys(" and <they> lived")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save text']").click()
    current = browser.find_element(By.CSS_SELECTOR, "#loom-path .node-text.current")
    assert current.text == " and <they> lived" and not current.find_elements(By.CSS_SELECTOR, ".tok")
    browser.find_element(By.XPATH, "//button[normalize-space()='Delete subtree']").click()
    wait(browser, lambda b: loom_nodes(b) < count)
    assert "and <they> lived" not in browser.find_element(By.ID, "loom-path").text


def test_compare_runs_two_lanes_and_keeps_the_run(site, browsers):
    browser = browsers()
    browser.find_element(By.ID, "tab-compare").click()
    set_field(browser, "compare-name", "Temperatures")
    browser.find_element(By.ID, "compare-run").click()
    wait(browser, lambda b: b.find_element(By.ID, "compare-status").text == "Done.")
    lanes = browser.find_elements(By.CSS_SELECTOR, "#compare-lanes .lane")
    assert len(lanes) == 2
    for lane in lanes:
        assert lane.find_elements(By.CSS_SELECTOR, ".tok[data-logprob]")
    greedy = tokens(browser, '#compare-lanes .lane[data-lane="0"] .tok')
    assert all(rank == "1" for _, _, rank, _ in greedy)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#compare-runs li")) == 1
    shot(browser, "12-compare")
    browser.find_element(By.CSS_SELECTOR, "#compare-runs li button").click()
    assert tokens(browser, '#compare-lanes .lane[data-lane="0"] .tok') == greedy


def test_feedback_reaches_the_admin(site, browsers):
    member = browsers()
    member.find_element(By.CSS_SELECTOR, "header a.feedback").click()
    wait(member, lambda b: "/feedback" in b.current_url)
    assert "/workbench" in member.page_source
    Select(member.find_element(By.ID, "category")).select_by_value("bug")
    fill(member, description="Stop was <slow> on my phone")
    shot(member, "13-feedback-form")
    submit(member, "/feedback")
    assert "Thank you" in member.page_source

    admin = browsers(ADMIN, "/admin/feedback")
    page = admin.page_source
    assert "Stop was &lt;slow&gt; on my phone" in page and MEMBER in page and "/workbench" in page
    shot(admin, "14-admin-feedback")
    admin.find_element(By.XPATH, "//button[normalize-space()='Close']").click()
    wait(admin, lambda b: "Feedback closed." in b.page_source)
    assert "Stop was" not in admin.page_source


def test_phone_width(site, browsers):
    browser = browsers()
    browser.set_window_size(390, 1600)
    browser.refresh()
    wait(browser, lambda b: b.execute_script("return document.getElementById('workbench').dataset.ready === 'true'"))
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at phone width ({width} px)"
    shot(browser, "15-phone")
