"""The user guide served at /docs and /llms.txt, and every example in it run
against a real server.

The guide's ```sh and ```python blocks are its runnable examples: each runs as
written, with only the address changed to this server's, in a fresh folder,
with `BASESERVE_KEY` set. A block whose first line is `# needs: TOOL` is a
recipe for a research tool (lm-evaluation-harness, Inspect); it runs where the
tool is installed (on the PATH, or in `.venv-lmeval` / `.venv-inspect` here)
and is skipped elsewhere, so CI needs neither.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, Server

KEY = "docs-guide-key"
GUIDE = ROOT / "docs/guide"
# The address and model name the guide's examples use (the README's command).
GUIDE_BASE = "http://127.0.0.1:8000"
GUIDE_MODEL = "smollm2-135m-instruct"
TOOL_VENVS = [ROOT / ".venv-lmeval/bin", ROOT / ".venv-inspect/bin"]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```\n", re.S | re.M)


def examples():
    found = []
    for path in sorted(GUIDE.glob("*.md")):
        for match in FENCE.finditer(path.read_text()):
            language, code = match.group(1), match.group(2)
            if language in ("sh", "python"):
                line = path.read_text()[: match.start()].count("\n") + 1
                found.append(pytest.param(language, code, id=f"{path.name}:{line}"))
    return found


@pytest.fixture(scope="module")
def guide_server(tmp_path_factory):
    # Named as the README's command names it, so the examples run unchanged.
    s = Server("docs", ["--api-key", KEY], tmp_path_factory.mktemp("docs-data"), model_name=GUIDE_MODEL)
    yield s.base
    s.stop()


def tool_path() -> str:
    extra = [str(p) for p in TOOL_VENVS if p.is_dir()]
    return os.pathsep.join(extra + [os.environ.get("PATH", "")])


@pytest.mark.parametrize("language,code", examples())
def test_guide_example_runs_as_written(guide_server, tmp_path, language, code):
    needs = re.match(r"# needs: (\S+)", code)
    env = {**os.environ, "BASESERVE_KEY": KEY, "PATH": tool_path(), "HF_DATASETS_OFFLINE": "1"}
    if needs and shutil.which(needs.group(1), path=env["PATH"]) is None:
        pytest.skip(f"{needs.group(1)} is not installed")
    code = code.replace(GUIDE_BASE, guide_server)
    command = ["bash", "-e", "-o", "pipefail", "-c", code] if language == "sh" else [sys.executable, "-c", code]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert '"error"' not in done.stdout, done.stdout


def test_the_guide_has_runnable_examples_of_every_route():
    code = "\n".join(p.values[1] for p in examples())
    for route in ["/v1/completions", "/v1/score", "/v1/models", "/tokenize", "/detokenize", "extra_body"]:
        assert route in code, route


def test_docs_page_and_llms_txt(guide_server):
    page = httpx.get(guide_server + "/docs", timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.text
    assert "<h1>BaseServe user guide</h1>" in html
    for heading in ["Quick start", "Errors", "Keys, budgets and queueing", "lm-evaluation-harness", "Inspect"]:
        assert re.search(r'<h[23] id="[^"]+">[^<]*' + re.escape(heading), html), heading
    assert '<a href="#errors">Errors</a>' in html
    # The error table, as a table.
    for code in ["unknown_parameter", "budget_exceeded", "queue_full", "key_paused", "internal_error"]:
        assert f"<td><code>{code}</code></td>" in html, code

    text = httpx.get(guide_server + "/llms.txt", timeout=30)
    assert text.status_code == 200
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.text.startswith("# BaseServe user guide\n\n> ")
    for path in sorted(GUIDE.glob("*.md")):
        assert path.read_text() in text.text, path.name


def test_models_list_capabilities(guide_server):
    reply = httpx.get(guide_server + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    assert reply.status_code == 200
    (model,) = reply.json()["data"]
    c = model["capabilities"]
    assert c["kind"] == "local" and c["max_model_len"] == model["max_model_len"] == 8192
    assert c["max_logprobs"] == 20 and c["prompt_logprobs"] and c["echo"] and c["score"]
    assert (c["n_layers"], c["hidden_size"], c["quantization"]) == (30, 576, "Q4_1")
    assert re.fullmatch(r"[0-9a-f]{64}", c["sha256"])
    # The digest is the file's, computed independently here.
    path = Path(os.environ.get("BASESERVE_MODEL", ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    assert c["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_docs_in_a_browser(guide_server):
    """The guide in headless Chromium: the contents link to their sections;
    screenshots land in .build/e2e-screenshots/docs-*.png."""
    from selenium.webdriver.common.by import By

    from test_access_flow import SHOTS, _browser

    browser = _browser()
    try:
        browser.get(guide_server + "/docs")
        assert browser.title == "User guide · BaseServe"
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SHOTS / "docs-top.png"))
        toc = browser.find_element(By.CSS_SELECTOR, "nav.toc")
        assert toc.is_displayed()
        toc.find_element(By.LINK_TEXT, "Errors").click()
        assert browser.current_url.endswith("/docs#errors")
        heading = browser.find_element(By.ID, "errors")
        # The section scrolled to the top of the window.
        assert browser.execute_script("return arguments[0].getBoundingClientRect().top", heading) < 200
        browser.save_screenshot(str(SHOTS / "docs-errors.png"))
        rows = browser.find_elements(By.CSS_SELECTOR, "#errors ~ table tbody tr")
        assert len(rows) >= 20
    finally:
        browser.quit()
