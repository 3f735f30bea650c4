"""The published /openapi.json tells the truth: schemathesis fuzzes every operation
of the real server from the document and checks each response against it."""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import API_KEY, Server

# What is checked: no 5xx, and every response's status, content type, headers
# and body are ones the document declares. Left out, with why:
# - negative_data_rejection / positive_data_acceptance: they ask that the server
#   accept exactly the requests the schemas allow, but the document describes
#   shapes, not every rule between fields or against the model (max_tokens 0
#   needs echo, a prompt must fit the context, token ids must be in the
#   vocabulary, unknown models are a 404), so these would report the API's own
#   rules as disagreements.
# - ignored_auth and the other stateful checks: authentication has its own
#   tests (test_server.py, test_access_flow.py); here one operator key is used.
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")
# A fixed number of examples per operation and a deterministic generator: the
# same requests every run, a few minutes at most on two cores.
MAX_EXAMPLES = 12
MAX_SECONDS = 150


def test_server_agrees_with_its_openapi_document(tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    if not schemathesis.exists():
        pytest.fail(f"{schemathesis} is missing: scripts/test.sh installs the pinned schemathesis into .venv")
    # A short context keeps each generated completion (max_tokens up to the
    # context) to a few tokens; the document and the rules are the same at any length.
    (tmp_path / "data").mkdir()
    server = Server("openapi", ["--api-key", API_KEY, "--max-model-len", "32"], tmp_path / "data")
    try:
        run = subprocess.run(
            [str(schemathesis), "run", server.base + "/openapi.json",
             "--header", f"Authorization: Bearer {API_KEY}",
             "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic",
             "--max-time", str(MAX_SECONDS), "--request-timeout", "30", "--no-color",
             "--report", "junit", "--report-junit-path", str(tmp_path / "schemathesis.xml")],
            # schemathesis keeps its example database in the working directory.
            cwd=tmp_path, capture_output=True, text=True, timeout=MAX_SECONDS + 60)
    finally:
        server.stop()
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis found disagreements (exit {run.returncode}):\n{output[-12000:]}"
