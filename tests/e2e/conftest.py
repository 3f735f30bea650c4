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


class Server:
    """One real `baseserve serve` process on a free loopback port."""

    def __init__(self, name: str, extra_args: list[str], data_dir: Path, model_name: str = MODEL):
        binary = Path(os.environ.get("BASESERVE_BIN", ROOT / ".build/release/baseserve"))
        self.binary = str(binary)
        if not binary.exists():
            pytest.fail(f"{binary} is missing: build it with `swift build -c release` (scripts/test.sh does)")
        model = os.environ.get("BASESERVE_MODEL", str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.log_path = ROOT / f".build/e2e-{name}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--model", f"{model_name}={model}",
             "--threads", "2", "--data-dir", str(data_dir), *extra_args],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"baseserve exited with {self.proc.returncode}; see {self.log_path}:\n{self.log()}")
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"baseserve did not become healthy within 120 s; see {self.log_path}")
            time.sleep(0.2)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    s = Server("server", ["--api-key", API_KEY, "--max-body-bytes", "65536"], tmp_path_factory.mktemp("data"))
    yield s.base
    s.stop()


@pytest.fixture(scope="session")
def client(server):
    return openai.OpenAI(base_url=server + "/v1", api_key=API_KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="session")
def http(server):
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def golden():
    with open(ROOT / "Tests/Data/golden/smollm2.json") as f:
        return json.load(f)
