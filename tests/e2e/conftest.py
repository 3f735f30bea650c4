"""Starts the real `baseserve serve` on a free loopback port for the end-to-end tests.

The binary is the release build (`.build/release/baseserve`) or `$BASESERVE_BIN`;
nothing is built here. The model is the default one, or `$BASESERVE_MODEL`.
"""
import json
import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import openai
import pytest

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "e2e-test-key"
MODEL = "smollm2"
TOLERANCE = 1e-3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    binary = Path(os.environ.get("BASESERVE_BIN", ROOT / ".build/release/baseserve"))
    if not binary.exists():
        pytest.fail(f"{binary} is missing: build it with `swift build -c release` (scripts/test.sh does)")
    model = os.environ.get("BASESERVE_MODEL", str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    port = _free_port()
    log = open(ROOT / ".build/e2e-server.log", "w")
    proc = subprocess.Popen(
        [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--model", f"{MODEL}={model}",
         "--api-key", API_KEY, "--threads", "2", "--max-body-bytes", "65536"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"baseserve exited with {proc.returncode}; see .build/e2e-server.log")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("baseserve did not become healthy within 120 s")
        time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def client(server):
    return openai.OpenAI(base_url=server + "/v1", api_key=API_KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="session")
def http(server):
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def golden():
    shared = Path(os.environ.get("BASESERVE_SHARED", ROOT.parent / "shared"))
    with open(shared / "golden/smollm2.json") as f:
        return json.load(f)
