"""Allowlist exports, each loaded by the tool that consumes it.

- LiteLLM: the proxy's own config model (`ConfigYAML`) and a `Router` built from the
  exported `model_list` (PyPI `litellm`);
- Portkey: the real Portkey AI gateway (npm `@portkey-ai/gateway`, installed under
  tests/tools/portkey-gateway) given the exported config, in front of a local upstream;
- Squid: `squid -k parse`, then a real Squid proxying to a local server (Debian `squid`);
- PAC: `pacparser`, the PAC evaluator built on SpiderMonkey (PyPI `pacparser`);
- hosts and dnsmasq: a real dnsmasq answering DNS queries from them (Debian `dnsmasq-base`);
- JSON: the shipped JSON Schema.

Each test skips, saying what to install, when its tool is absent; `make test` installs them.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
import yaml

from aivet.cli import main
from aivet.verdict.exporters import EXPORTERS, AllowlistInput, build_input, minimal_domains
from aivet.verdict.registry import AuditRecord, Registry, VerdictRecord, parse_model

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GATEWAY = (
    Path(__file__).parent
    / "tools"
    / "portkey-gateway"
    / "node_modules"
    / "@portkey-ai"
    / "gateway"
    / "build"
    / "start-server.js"
)


def _verdict(decision: str, valid_until: str, **extra: Any) -> VerdictRecord:
    return VerdictRecord(
        decision=decision,
        evaluated_at="2026-11-20T10:00:00+00:00",
        valid_until=valid_until,
        policy_name="Strict — government agency",
        policy_sha256="0" * 64,
        audits=[AuditRecord("web-1", "web", "https://x/", "2026-11-20T10:00:00+00:00", "/a")],
        **extra,
    )


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    reg = Registry.load(tmp_path_factory.mktemp("registry") / "vendors.json")
    reg.add_vendor(
        "cleanai",
        "Clean AI",
        ["cleanai.example"],
        models=[parse_model("openai/clean-chat@https://api.cleanai.example/v1")],
    )
    reg.get("cleanai").verdicts.append(_verdict("allow", "2027-02-18"))
    reg.add_vendor(
        "demoseek",
        "DemoSeek",
        ["demoseek.ai", "demoseek-cdn.com"],
        models=[parse_model("deepseek/deepseek-chat")],
    )
    reg.get("demoseek").verdicts.append(
        _verdict(
            "deny",
            "2027-02-18",
            blocked_hosts=["log.cmpassport.com", "hm.baidu.com"],
            seen_hosts=["chat.demoseek.ai", "static.demoseek-cdn.com"],
        )
    )
    reg.add_vendor("pending", "Pending", ["pending.example"], models=[parse_model("openai/p-1")])
    reg.get("pending").verdicts.append(_verdict("review", "2027-02-18"))
    reg.add_vendor("stale", "Stale", ["stale.example"], models=[parse_model("openai/stale-chat")])
    reg.get("stale").verdicts.append(_verdict("allow", "2026-11-01"))
    reg.add_vendor("newco", "New Co", ["newco.example"])
    reg.save()
    return reg


@pytest.fixture(scope="module")
def data(registry: Registry) -> AllowlistInput:
    return build_input(registry, NOW, with_receivers=True)


def test_statuses_and_domains(data: AllowlistInput) -> None:
    status = {v.id: s for v, s in data.vendors}
    assert status == {
        "cleanai": "allow",
        "demoseek": "deny",
        "newco": "unaudited",
        "pending": "review",
        "stale": "expired",
    }
    assert data.allowed_domains() == ["cleanai.example"]
    assert data.blocked_domains() == [
        "demoseek-cdn.com",
        "demoseek.ai",
        "hm.baidu.com",
        "log.cmpassport.com",
    ]
    assert minimal_domains({"a.b.com", "b.com", "c.b.com", "d.com"}) == ["b.com", "d.com"]


def test_json_export_matches_its_schema(data: AllowlistInput) -> None:
    doc = json.loads(EXPORTERS["json"](data))
    schema = json.loads(
        resources.files("aivet.verdict").joinpath("schemas", "allowlist.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["allowed_models"] == ["clean-chat"]
    assert {v["id"]: v["status"] for v in doc["vendors"]}["stale"] == "expired"


def test_cli_writes_each_format(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in EXPORTERS:
        out = tmp_path / f"allow.{fmt}"
        args = ["allowlist", "export", "--to", fmt, "--registry", str(registry.path)]
        assert main([*args, "--out", str(out), "--date", "2026-11-23"]) == 0
        assert out.stat().st_size > 0
    assert "1 allowed, 1 denied" in capsys.readouterr().err
    assert (
        main(
            [
                "allowlist",
                "export",
                "--to",
                "pac",
                "--registry",
                str(registry.path),
                "--pac-default",
                "PROXY x;y",
            ]
        )
        == 2
    )


# --- LiteLLM ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
def test_litellm_config_loads_in_litellm(
    data: AllowlistInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download of the cost map
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    litellm = pytest.importorskip("litellm", reason="pip install litellm (make test does)")
    from litellm.proxy._types import ConfigYAML

    text = EXPORTERS["litellm"](data)
    config = yaml.safe_load(text)
    ConfigYAML(**config)  # the proxy's own model of config.yaml
    router = litellm.Router(model_list=config["model_list"])
    assert router.get_model_names() == ["clean-chat"]
    deployment = config["model_list"][0]["litellm_params"]
    assert deployment["api_base"] == "https://api.cleanai.example/v1"
    assert deployment["api_key"] == "os.environ/OPENAI_API_KEY"
    messages = [{"role": "user", "content": "hi"}]
    reply = router.completion(model="clean-chat", messages=messages, mock_response="ok")
    assert reply.choices[0].message.content == "ok"
    for refused in ("deepseek-chat", "stale-chat", "p-1"):
        with pytest.raises(Exception, match=refused):
            router.completion(model=refused, messages=messages, mock_response="ok")


# --- Portkey ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {limit}s")


class _Upstream(http.server.BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint, and a plain page for the proxy tests."""

    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        self.seen.append(str(body.get("model")))
        self._send(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    def do_GET(self) -> None:
        self._send({"page": self.headers.get("host")})

    def _send(self, payload: dict[str, Any]) -> None:
        out = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _run(process_args: list[str], port: int) -> subprocess.Popen[bytes]:
    # Output goes to a file: a pipe nobody reads would fill up and stall the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen(process_args, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process)
    except RuntimeError as exc:
        process.kill()
        process.wait(timeout=5)
        log.seek(0)
        pytest.fail(f"{process_args[0]} did not start ({exc}): {log.read().decode()[-500:]}")
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def test_portkey_config_enforced_by_the_portkey_gateway(
    data: AllowlistInput, upstream: int
) -> None:
    node = shutil.which("node")
    if node is None or not GATEWAY.is_file():
        pytest.skip(
            "needs node and the Portkey gateway: "
            "npm ci --prefix tests/tools/portkey-gateway --ignore-scripts (make test does)"
        )
    config = json.loads(EXPORTERS["portkey"](data))
    assert config["input_guardrails"][0]["default.modelWhitelist"]["models"] == ["clean-chat"]
    # The organisation's own routing, merged with aivet's guardrail.
    routing = {
        "provider": "openai",
        "api_key": "sk-test",
        "custom_host": f"http://127.0.0.1:{upstream}/v1",
    }
    config |= routing
    port = _free_port()
    gateway = _run([node, str(GATEWAY), f"--port={port}"], port)
    try:

        def ask(model: str, config: dict[str, Any] = config) -> tuple[int, dict[str, Any]]:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/v1/chat/completions",
                data=json.dumps(
                    {"model": model, "messages": [{"role": "user", "content": "hi"}]}
                ).encode(),
                headers={
                    "content-type": "application/json",
                    "x-portkey-config": json.dumps(config),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        status, body = ask("clean-chat")
        assert status == 200, body
        assert body["choices"][0]["message"]["content"] == "ok"
        for refused in ("deepseek-chat", "stale-chat", "p-1"):
            status, body = ask(refused)
            assert status == 446, body  # the gateway's "guardrail denied" status
            check = body["hook_results"]["before_request_hooks"][0]["checks"][0]
            assert check["id"] == "default.modelWhitelist" and check["verdict"] is False
        assert _Upstream.seen == ["clean-chat"]
        # With no vendor allowed, the guardrail refuses every model.
        empty = json.loads(EXPORTERS["portkey"](AllowlistInput(vendors=[], generated_at=NOW)))
        assert ask("clean-chat", empty | routing)[0] == 446
    finally:
        _stop(gateway)


# --- Squid -----------------------------------------------------------------------------


def _squid() -> str:
    squid = shutil.which("squid") or (
        "/usr/sbin/squid" if os.path.exists("/usr/sbin/squid") else None
    )
    if squid is None:
        pytest.skip("needs Squid: apt-get install squid (make test does, as root)")
    return squid


@pytest.fixture
def squid_dir() -> Iterator[Path]:
    """A folder Squid's own user can reach: pytest's tmp_path lies under a 0700 folder."""
    folder = Path(tempfile.mkdtemp(prefix="aivet-squid-"))
    folder.chmod(0o777)  # Squid started as root works as its own user
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _squid_conf(folder: Path, acl: Path, port: int) -> Path:
    hosts = folder / "hosts"
    hosts.write_text("127.0.0.1 api.cleanai.example\n")
    conf = folder / "squid.conf"
    conf.write_text(
        f"http_port 127.0.0.1:{port}\n"
        f"pid_filename {folder}/squid.pid\n"
        f"cache_log {folder}/cache.log\n"
        "access_log none\ncache deny all\ncache_mem 8 MB\n"
        f"hosts_file {hosts}\ndns_nameservers 127.0.0.1\nshutdown_lifetime 0 seconds\n"
        f"include {acl}\n"
        "http_access allow aivet_allowed\nhttp_access deny all\n"
    )
    return conf


def test_squid_acl_parses_and_is_enforced_by_squid(
    data: AllowlistInput, squid_dir: Path, upstream: int
) -> None:
    squid = _squid()
    acl = squid_dir / "aivet.conf"
    acl.write_text(EXPORTERS["squid"](data))
    port = _free_port()
    conf = _squid_conf(squid_dir, acl, port)
    parsed = subprocess.run(
        [squid, "-k", "parse", "-f", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert parsed.returncode == 0, parsed.stderr[-1000:]
    problems = [line for line in parsed.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert not problems, problems

    proxy = _run([squid, "-N", "-f", str(conf)], port)
    try:
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"})
        )

        def fetch(url: str) -> int:
            try:
                with opener.open(url, timeout=15) as response:
                    return int(response.status)
            except urllib.error.HTTPError as error:
                return error.code

        assert fetch(f"http://api.cleanai.example:{upstream}/") == 200
        assert fetch("http://chat.demoseek.ai/") == 403
        assert fetch("http://log.cmpassport.com/") == 403
    finally:
        _stop(proxy)


def test_squid_rejects_a_broken_acl(squid_dir: Path) -> None:
    """The check above would notice a mistake: Squid refuses what it cannot parse."""
    squid = _squid()
    acl = squid_dir / "aivet.conf"
    acl.write_text("acl aivet_allowed dstdomain .a.example\nhttp_access deny aivet_denied\n")
    conf = _squid_conf(squid_dir, acl, _free_port())
    parsed = subprocess.run(
        [squid, "-k", "parse", "-f", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert parsed.returncode != 0


# --- PAC -------------------------------------------------------------------------------


def test_pac_file_evaluated_by_pacparser(data: AllowlistInput) -> None:
    pacparser = pytest.importorskip("pacparser", reason="pip install pacparser (make test does)")
    text = EXPORTERS["pac"](data)
    pacparser.init()
    try:
        pacparser.parse_pac_string(text)

        def route(url: str) -> str:
            host = url.split("/")[2]
            return str(pacparser.find_proxy(url, host))

        assert route("https://chat.demoseek.ai/login") == "PROXY 127.0.0.1:9"
        assert route("https://DemoSeek.AI/") == "PROXY 127.0.0.1:9"
        assert route("https://log.cmpassport.com/x") == "PROXY 127.0.0.1:9"
        assert route("https://api.cleanai.example/v1") == "DIRECT"
        assert route("https://notdemoseek.ai/") == "DIRECT"  # no suffix confusion
        assert route("https://stale.example/") == "DIRECT"
    finally:
        pacparser.cleanup()


# --- hosts and dnsmasq -----------------------------------------------------------------


def _query(port: int, name: str) -> tuple[int, bytes]:
    """(rcode, first answer's address) for an A query, by hand: no DNS library needed."""
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    packet = struct.pack(">HHHHHH", 0x2A2A, 0x0100, 1, 0, 0, 0) + question + b"\0\1\0\1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(3)
        sock.sendto(packet, ("127.0.0.1", port))
        reply, _ = sock.recvfrom(512)
    flags, _, answers = struct.unpack(">HHH", reply[2:8])
    return flags & 0xF, (reply[-4:] if answers else b"")


def test_hosts_and_dnsmasq_blocklists_answered_by_dnsmasq(
    data: AllowlistInput, tmp_path: Path
) -> None:
    dnsmasq = shutil.which("dnsmasq") or (
        "/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None
    )
    if dnsmasq is None:
        pytest.skip("needs dnsmasq: apt-get install dnsmasq-base (make test does, as root)")
    hosts = tmp_path / "blocklist.hosts"
    hosts.write_text(EXPORTERS["hosts"](data))
    conf = tmp_path / "blocklist.conf"
    conf.write_text(EXPORTERS["dnsmasq"](data))
    checked = subprocess.run(
        [dnsmasq, "--test", f"--conf-file={conf}"], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr

    ports: dict[subprocess.Popen[bytes], int] = {}

    def serve(*options: str) -> subprocess.Popen[bytes]:
        port = _free_port()
        process = subprocess.Popen(
            [
                dnsmasq,
                "--keep-in-foreground",
                f"--port={port}",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--user=root",
                "--pid-file=",
                "--conf-file=/dev/null",
                *options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ports[process] = port
        time.sleep(0.3)
        if process.poll() is not None:
            pytest.fail(f"dnsmasq did not start (exit {process.returncode})")
        return process

    from_hosts = serve(f"--addn-hosts={hosts}")
    from_conf = serve(f"--conf-file={conf}")
    try:
        hp, cp = ports[from_hosts], ports[from_conf]
        # hosts file: the names it lists are sunk to 0.0.0.0 ...
        for name in ("chat.demoseek.ai", "demoseek.ai", "log.cmpassport.com", "hm.baidu.com"):
            assert _query(hp, name) == (0, b"\0\0\0\0"), name
        # ... but a subdomain it does not list is not (the documented limit of hosts files)
        assert _query(hp, "new.demoseek.ai")[1] != b"\0\0\0\0"
        # dnsmasq's address=/domain/ covers every subdomain: NXDOMAIN
        for name in ("chat.demoseek.ai", "new.demoseek.ai", "x.log.cmpassport.com"):
            assert _query(cp, name)[0] == 3, name
        assert _query(cp, "api.cleanai.example")[0] != 3
    finally:
        _stop(from_hosts)
        _stop(from_conf)


def test_export_is_stable(data: AllowlistInput) -> None:
    for exporter in EXPORTERS.values():
        assert exporter(data) == exporter(data)
