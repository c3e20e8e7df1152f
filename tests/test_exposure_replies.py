"""Checks for services no package runs here, against their documented replies.

Elasticsearch/OpenSearch, MongoDB, Kafka, Grafana, Kibana, Docker, Kubernetes and the
kubelet cannot be installed from Debian, PyPI or npm on this machine. Their checks run
against `CannedServer`, which answers with replies written from each project's
documented examples (Elastic's `GET /` and security_exception, MongoDB's listDatabases
output and Unauthorized error, the Kafka protocol guide's ApiVersions and Metadata v4
layouts, Grafana/Kibana/Docker/Kubernetes API reference examples). They show the
decision logic, not compatibility with every real version: docs/exposure.md says so.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aivet.collect.exposure.runner import ExposureOptions
from aivet.collect.exposure.scope import expand
from aivet.commands.exposure import ExposureAuditOutput, run_exposure_audit
from aivet.exposure_session import PortPlan, ProbeLimits, ServiceResult
from aivet.intel.kb import Intel
from tests.support.canned import Behaviour, CannedServer, http_reply, http_routes
from tests.support.exposure import loopback_only

__all__ = ["loopback_only"]

JSON = {"Content-Type": "application/json"}


def bson(doc: dict[str, Any]) -> bytes:
    body = b""
    for key, value in doc.items():
        name = key.encode() + b"\0"
        if isinstance(value, bool):
            body += b"\x08" + name + bytes([value])
        elif isinstance(value, int):
            body += b"\x12" + name + struct.pack("<q", value)
        elif isinstance(value, float):
            body += b"\x01" + name + struct.pack("<d", value)
        elif isinstance(value, str):
            data = value.encode() + b"\0"
            body += b"\x02" + name + struct.pack("<i", len(data)) + data
        elif isinstance(value, list):
            body += b"\x04" + name + bson({str(i): v for i, v in enumerate(value)})
        else:
            body += b"\x03" + name + bson(value)
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def op_reply(doc: dict[str, Any]) -> bytes:
    body = struct.pack("<iqii", 8, 0, 0, 1) + bson(doc)
    return struct.pack("<iiii", 16 + len(body), 7, 1, 1) + body


def op_msg_reply(doc: dict[str, Any]) -> bytes:
    body = struct.pack("<I", 0) + b"\x00" + bson(doc)
    return struct.pack("<iiii", 16 + len(body), 8, 2, 2013) + body


HELLO = {"ismaster": True, "topologyVersion": {"counter": 0}, "maxBsonObjectSize": 16777216,
         "maxWireVersion": 21, "minWireVersion": 0, "readOnly": False, "ok": 1.0}  # fmt: skip
DATABASES = {
    "databases": [
        {"name": "admin", "sizeOnDisk": 40960, "empty": False},
        {"name": "chat_history", "sizeOnDisk": 8388608, "empty": False},
    ],
    "totalSize": 8429568,
    "totalSizeMb": 8,
    "ok": 1.0,
}
UNAUTHORIZED = {"ok": 0.0, "errmsg": "Command listDatabases requires authentication", "code": 13,
                "codeName": "Unauthorized"}  # fmt: skip


def mongo(open_: bool) -> Any:
    def handle(data: bytes) -> bytes | None:
        if len(data) < 16 or len(data) < struct.unpack("<i", data[:4])[0]:
            return None
        opcode = struct.unpack("<i", data[12:16])[0]
        if opcode == 2004:
            return op_reply(HELLO)
        return op_msg_reply(DATABASES if open_ else UNAUTHORIZED)

    return handle


def kafka_string(text: str) -> bytes:
    return struct.pack(">h", len(text)) + text.encode()


def kafka(open_: bool) -> Any:
    def handle(data: bytes) -> bytes | None:
        if len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            return None
        api_key, version, correlation = struct.unpack(">hhi", data[4:12])
        if api_key == 18:
            apis = [(0, 0, 9), (1, 0, 13), (3, 0, 12), (18, 0, 3)]
            body = struct.pack(">ihi", correlation, 0, len(apis))
            body += b"".join(struct.pack(">hhh", *a) for a in apis)
        elif not open_:
            return b""  # a SASL listener drops any other request before authentication
        else:
            assert (api_key, version) == (3, 4)
            body = struct.pack(">ii", correlation, 0) + struct.pack(">i", 1)
            body += (
                struct.pack(">i", 1) + kafka_string("kafka-1.internal") + struct.pack(">i", 9092)
            )
            body += struct.pack(">h", -1)  # rack
            body += kafka_string("Q1ctZ3JhZmFuYS0x") + struct.pack(">i", 1)
            topics = [("chat-messages", 3), ("__consumer_offsets", 1)]
            body += struct.pack(">i", len(topics))
            for name, partitions in topics:
                body += struct.pack(">h", 0) + kafka_string(name) + bytes([name.startswith("__")])
                body += struct.pack(">i", partitions)
                for p in range(partitions):
                    body += struct.pack(">hii", 0, p, 1) + struct.pack(">ii", 1, 1) * 2
        return struct.pack(">i", len(body)) + body

    return handle


ES_ROOT = json.dumps({
    "name": "es-node-1", "cluster_name": "chat-logs", "cluster_uuid": "qFgQ1m9pQ9C",
    "version": {"number": "8.12.2", "build_flavor": "default", "lucene_version": "9.9.2"},
    "tagline": "You Know, for Search",
})  # fmt: skip
ES_DENIED = json.dumps({"error": {"root_cause": [{"type": "security_exception",
    "reason": "missing authentication credentials for REST request [/]"}],
    "type": "security_exception", "reason": "missing authentication credentials for REST request [/]"},  # noqa: E501
    "status": 401})  # fmt: skip
OS_ROOT = json.dumps({"name": "os-1", "cluster_name": "opensearch",
                      "version": {"distribution": "opensearch", "number": "2.11.1"},
                      "tagline": "The OpenSearch Project: https://opensearch.org/"})  # fmt: skip
INDICES = json.dumps([{"index": "chat-2025.01", "docs.count": "1204332", "store.size": "912"},
                      {"index": "api-keys", "docs.count": "77", "store.size": "10"}])  # fmt: skip

SERVICES: dict[str, tuple[str, Behaviour]] = {
    "es-open": ("elasticsearch", Behaviour(http_routes({
        "/": http_reply(200, ES_ROOT, JSON),
        "/_cat/indices?format=json&h=index,docs.count,store.size&bytes=b&s=index":
            http_reply(200, INDICES, JSON)}))),
    "es-auth": ("elasticsearch", Behaviour(http_routes({"/": http_reply(401, ES_DENIED, {
        **JSON, "WWW-Authenticate": 'Basic realm="security" charset="UTF-8"'})}))),
    "opensearch-open": ("elasticsearch", Behaviour(http_routes({"/": http_reply(200, OS_ROOT, JSON)}))),  # noqa: E501
    "mongo-open": ("mongodb", Behaviour(mongo(True))),
    "mongo-auth": ("mongodb", Behaviour(mongo(False))),
    "kafka-open": ("kafka", Behaviour(kafka(True))),
    "kafka-sasl": ("kafka", Behaviour(kafka(False))),
    "grafana-anon": ("grafana", Behaviour(http_routes({
        "/api/health": http_reply(200, '{"commit":"1e84fede54","database":"ok","version":"10.4.1"}', JSON),  # noqa: E501
        "/api/search?limit=100": http_reply(200, '[{"id":1,"uid":"a","title":"Chat latency","type":"dash-db"}]', JSON)}))),  # noqa: E501
    "grafana-auth": ("grafana", Behaviour(http_routes({
        "/api/health": http_reply(200, '{"commit":"1e84fede54","database":"ok","version":"10.4.1"}', JSON),  # noqa: E501
        "/api/search?limit=100": http_reply(401, '{"message":"Unauthorized"}', JSON)}))),
    "kibana-open": ("kibana", Behaviour(http_routes({"/api/status": http_reply(200, json.dumps({
        "name": "kibana-1", "version": {"number": "8.12.2", "build_hash": "abc"},
        "status": {"overall": {"level": "available"}}}), {**JSON, "kbn-name": "kibana-1"})}))),
    "kibana-auth": ("kibana", Behaviour(http_routes({"/api/status": http_reply(
        401, '{"statusCode":401,"error":"Unauthorized","message":"Unauthorized"}',
        {**JSON, "kbn-name": "kibana-1"})}))),
    "docker-open": ("docker", Behaviour(http_routes({
        "/version": http_reply(200, '{"Version":"24.0.7","ApiVersion":"1.43","Os":"linux","Arch":"amd64"}', JSON),  # noqa: E501
        "/containers/json?all=1": http_reply(200, '[{"Id":"8dfa","Names":["/chat-api"],"Image":"chat/api:1.2"}]', JSON)}))),  # noqa: E501
    "k8s-open": ("kubernetes", Behaviour(http_routes({
        "/version": http_reply(200, '{"major":"1","minor":"29","gitVersion":"v1.29.2"}', JSON),
        "/api/v1/namespaces": http_reply(200, '{"kind":"NamespaceList","apiVersion":"v1","items":[{"metadata":{"name":"default"}},{"metadata":{"name":"chat-prod"}}]}', JSON)}))),  # noqa: E501
    "k8s-auth": ("kubernetes", Behaviour(http_routes({
        "/version": http_reply(200, '{"major":"1","minor":"29","gitVersion":"v1.29.2"}', JSON),
        "/api/v1/namespaces": http_reply(403, '{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces is forbidden: User \\"system:anonymous\\" cannot list resource \\"namespaces\\"","reason":"Forbidden","code":403}', JSON)}))),  # noqa: E501
    "kubelet-open": ("kubelet", Behaviour(http_routes({"/pods": http_reply(200, '{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"chat-api-7d9","namespace":"prod"}}]}', JSON)}))),  # noqa: E501
    "kubelet-auth": ("kubelet", Behaviour(http_routes({"/pods": http_reply(401, "Unauthorized", {"Content-Type": "text/plain"})}))),  # noqa: E501
}  # fmt: skip


@pytest.fixture(scope="module")
def canned() -> Iterator[dict[str, int]]:
    server = CannedServer([b for _, b in SERVICES.values()]).start()
    try:
        yield dict(zip(SERVICES, server.ports, strict=True))
    finally:
        server.stop()


@pytest.fixture(scope="module")
def scan(canned: dict[str, int], tmp_path_factory: pytest.TempPathFactory) -> ExposureAuditOutput:
    plans = [PortPlan(canned[name], [check]) for name, (check, _) in SERVICES.items()]
    options = ExposureOptions(
        targets=expand(["127.0.0.1"], allow_private=True).targets, ports=plans, authorized=True,
        allow_private=True, limits=ProbeLimits(read_timeout_s=2, probe_timeout_s=5),
    )  # fmt: skip
    return run_exposure_audit(
        options, tmp_path_factory.mktemp("canned"), intel=Intel.load(store=False)
    )


def _result(scan: ExposureAuditOutput, canned: dict[str, int], name: str) -> ServiceResult:
    assert scan.audit.exposure is not None
    return next(s for s in scan.audit.exposure.services if s.port == canned[name])


@pytest.mark.parametrize(
    ("name", "access", "product"),
    [
        ("es-open", "open", "Elasticsearch"), ("es-auth", "auth-required", "Elasticsearch"),
        ("opensearch-open", "open", "OpenSearch"),
        ("mongo-open", "open", "MongoDB"), ("mongo-auth", "auth-required", "MongoDB"),
        ("kafka-open", "open", "Kafka"), ("kafka-sasl", "auth-required", "Kafka"),
        ("grafana-anon", "open", "Grafana"), ("grafana-auth", "auth-required", "Grafana"),
        ("kibana-open", "open", "Kibana"), ("kibana-auth", "auth-required", "Kibana"),
        ("docker-open", "open", "Docker Engine"),
        ("k8s-open", "open", "Kubernetes API server"),
        ("k8s-auth", "auth-required", "Kubernetes API server"),
        ("kubelet-open", "open", "Kubernetes kubelet"),
        ("kubelet-auth", "auth-required", "Kubernetes kubelet"),
    ],
)  # fmt: skip
def test_documented_replies_decide(
    scan: ExposureAuditOutput, canned: dict[str, int], name: str, access: str, product: str
) -> None:
    result = _result(scan, canned, name)
    assert result.facts.identified, result.facts.how
    assert (result.facts.access, result.facts.product) == (access, product), result.facts.how


def test_exposed_names_and_counts(scan: ExposureAuditOutput, canned: dict[str, int]) -> None:
    names = {
        name: {d.name: d.count for d in _result(scan, canned, name).facts.databases}
        for name in ("es-open", "mongo-open", "kafka-open", "docker-open", "k8s-open")
    }
    assert names["es-open"] == {"chat-2025.01": 1204332, "api-keys": 77}
    assert names["mongo-open"] == {"admin": 40960, "chat_history": 8388608}
    assert names["kafka-open"] == {"chat-messages": 3, "__consumer_offsets (internal)": 1}
    assert names["docker-open"] == {"chat-api": None}
    assert names["k8s-open"] == {"default": None, "chat-prod": None}
    severities = {f.data["port"]: f.severity for f in scan.audit.findings}
    assert severities[canned["mongo-open"]] == "critical"
    assert severities[canned["grafana-anon"]] == "high"
    assert severities[canned["mongo-auth"]] == "low"


def test_html_and_terminal_render(scan: ExposureAuditOutput) -> None:
    import io

    from rich.console import Console

    from aivet.report.terminal import render_terminal

    html = Path(scan.html_path).read_text()
    assert "chat_history" in html and "exposure.unauthenticated-data-store" in html
    out = io.StringIO()
    render_terminal(scan.audit, Console(file=out, width=120))
    assert "OPEN (no credentials)" in out.getvalue()
