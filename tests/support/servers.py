"""Real data servers for the exposure tests, each on a free 127.0.0.1 port in a temp dir.

Every server is a child of the test process, started in an open and a protected
configuration, and stopped at the end. A server whose binary is missing is skipped
with the package that provides it (CI installs them all; see docs/exposure.md).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROMETHEUS_USER = "admin"
PROMETHEUS_BCRYPT = "$2b$04$r8B9BQl67IP8XaFJtqA9FO4MhXFdTdNskQz51WCC9T8FUb6biNLZS"
"""bcrypt of 'aivet-test-password' (cost 4), for Prometheus's basic auth."""
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes] | None = None
    skipped: str | None = None
    log: Path | None = None

    def log_tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-2000:]


@dataclass
class ServerSet:
    root: Path
    servers: dict[str, Server] = field(default_factory=dict)
    cleanup: list[Path] = field(default_factory=list)
    _setups: list[Callable[[], None]] = field(default_factory=list)

    def spawn(
        self, name: str, port: int, argv: list[str], *, user: str | None = None,
        env: dict[str, str] | None = None, cwd: Path | None = None,
    ) -> Server:  # fmt: skip
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                user=user, env={**os.environ, **(env or {})}, cwd=cwd,
            )  # fmt: skip
        server = Server(name, port, proc, log=log)
        self.servers[name] = server
        return server

    def skip(self, name: str, reason: str) -> None:
        self.servers[name] = Server(name, 0, skipped=reason)

    def wait(self, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        for server in self.servers.values():
            if server.proc is None:
                continue
            if not wait_port(server.port, max(end - time.monotonic(), 0.1), server.proc):
                server.skipped = f"{server.name} did not start: {server.log_tail()[-400:]}"
        for setup in self._setups:
            try:
                setup()
            except OSError as exc:  # the server's own test then fails with its log
                print(f"server setup failed: {exc}")

    def stop(self) -> None:
        for server in self.servers.values():
            if server.proc is not None and server.proc.poll() is None:
                server.proc.terminate()
        for server in self.servers.values():
            if server.proc is not None:
                try:
                    server.proc.wait(10)
                except subprocess.TimeoutExpired:
                    server.proc.kill()
                    server.proc.wait(5)
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def _need(binary: str, package: str, sset: ServerSet, *names: str) -> str | None:
    path = shutil.which(binary) or (binary if Path(binary).is_file() else None)
    if path is None:
        for name in names:
            sset.skip(name, f"{binary} not installed (Debian package {package})")
    return path


def start_redis(sset: ServerSet) -> None:
    binary = _need("redis-server", "redis-server", sset, "redis-open", "redis-auth")
    if binary is None:
        return
    for name, extra in (("redis-open", []), ("redis-auth", ["--requirepass", "aivet-test"])):
        port = free_port()
        data = sset.root / name
        data.mkdir()
        sset.spawn(name, port, [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(data), *extra])  # fmt: skip
        if name == "redis-open":
            sset._setups.append(functools.partial(_redis_keys, port))


def _redis_keys(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        for i in range(3):
            key, value = f"chat:{i}".encode(), b"hello"
            sock.sendall(
                b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                % (len(key), key, len(value), value)
            )
            sock.recv(100)


def start_memcached(sset: ServerSet) -> None:
    binary = _need("memcached", "memcached", sset, "memcached-open", "memcached-auth")
    if binary is None:
        return
    auth = sset.root / "memcached-auth-file"
    auth.write_text("aivet:aivet-test\n")
    for name, extra in (("memcached-open", []), ("memcached-auth", ["-Y", str(auth)])):
        port = free_port()
        user = ["-u", "root"] if os.geteuid() == 0 else []
        sset.spawn(name, port, [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "8",
                                *user, *extra])  # fmt: skip


def start_postgres(sset: ServerSet) -> None:
    if not (PG_BIN / "postgres").is_file():
        for name in ("postgres-trust", "postgres-password"):
            sset.skip(name, "PostgreSQL 15 not installed (Debian package postgresql)")
        return
    user = "postgres" if os.geteuid() == 0 else None
    # The server runs as `postgres` when we are root: its files live where it can reach them.
    base = Path(tempfile.mkdtemp(prefix="aivet-pg-"))
    base.chmod(0o755)
    sset.cleanup.append(base)
    for name, auth in (("postgres-trust", "trust"), ("postgres-password", "scram-sha-256")):
        data = base / name
        data.mkdir(mode=0o700)
        pwfile = base / f"{name}.pw"
        pwfile.write_text("aivet-test\n")
        if user is not None:
            shutil.chown(data, user, user)
            shutil.chown(pwfile, user, user)
        subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", f"--auth={auth}",
             f"--pwfile={pwfile}", "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, user=user,
            cwd=base,
        )  # fmt: skip
        port = free_port()
        sset.spawn(name, port, [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port),
                                "-k", str(data), "-c", "listen_addresses=127.0.0.1",
                                "-c", "fsync=off", "-c", "shared_buffers=8MB"],
                   user=user, cwd=base)  # fmt: skip


def start_mariadb(sset: ServerSet) -> None:
    mariadbd = _need("/usr/sbin/mariadbd", "mariadb-server", sset, "mariadb-open", "mariadb-auth")
    install = shutil.which("mariadb-install-db")
    if mariadbd is None or install is None:
        return
    base = sset.root / "mariadb-base"
    subprocess.run(
        [install, "--no-defaults", f"--datadir={base}", "--user=root" if os.geteuid() == 0 else
         f"--user={os.getlogin()}", "--skip-test-db", "--auth-root-authentication-method=socket"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for name, extra in (("mariadb-open", ["--skip-grant-tables"]), ("mariadb-auth", [])):
        data = sset.root / name
        shutil.copytree(base, data, symlinks=True)
        port = free_port()
        sset.spawn(name, port, [mariadbd, "--no-defaults", f"--datadir={data}", f"--port={port}",
                                "--bind-address=127.0.0.1", f"--socket={data}/sock",
                                f"--pid-file={data}/pid", "--user=root", "--skip-log-bin",
                                "--innodb-buffer-pool-size=8M", "--skip-innodb-doublewrite",
                                "--innodb-log-file-size=4M", *extra])  # fmt: skip


_CLICKHOUSE_CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{root}/data/</path>
  <tmp_path>{root}/tmp/</tmp_path>
  <user_files_path>{root}/user_files/</user_files_path>
  <format_schema_path>{root}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <mlock_executable>false</mlock_executable>
</yandex>
"""
_CLICKHOUSE_USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password>{password}</password>
    <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"""


def start_clickhouse(sset: ServerSet) -> dict[str, int]:
    """Two servers; returns the native (TCP) ports by name, the HTTP ports are the Server ports."""
    binary = _need("clickhouse-server", "clickhouse-server", sset, "clickhouse-open",
                   "clickhouse-auth")  # fmt: skip
    native: dict[str, int] = {}
    if binary is None:
        return native
    for name, password in (("clickhouse-open", ""), ("clickhouse-auth", "aivet-test")):
        root = sset.root / name
        root.mkdir()
        http, tcp = free_port(), free_port()
        (root / "config.xml").write_text(_CLICKHOUSE_CONFIG.format(http=http, tcp=tcp, root=root))
        (root / "users.xml").write_text(_CLICKHOUSE_USERS.format(password=password))
        sset.spawn(name, http, [binary, f"--config-file={root}/config.xml"], cwd=root)
        native[name] = tcp
        if name == "clickhouse-open":
            sset._setups.append(functools.partial(_clickhouse_rows, http))
    return native


def _clickhouse_rows(port: int) -> None:
    """A table like the one Wiz found: chat logs, 3 rows (written through the HTTP API)."""
    for sql in (
        "CREATE DATABASE IF NOT EXISTS chat",
        "CREATE TABLE IF NOT EXISTS chat.log_stream (ts DateTime, body String) "
        "ENGINE = MergeTree() ORDER BY ts",
        "INSERT INTO chat.log_stream VALUES (now(), 'a'), (now(), 'b'), (now(), 'c')",
    ):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=sql.encode())
        for _ in range(50):
            try:
                urllib.request.urlopen(request, timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)


def start_etcd(sset: ServerSet) -> None:
    binary = _need("etcd", "etcd-server", sset, "etcd-open", "etcd-auth")
    if binary is None:
        return
    for name in ("etcd-open", "etcd-auth"):
        client, peer = free_port(), free_port()
        data = sset.root / name
        sset.spawn(name, client, [
            binary, "--name", name, "--data-dir", str(data),
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"{name}=http://127.0.0.1:{peer}", "--log-level", "error",
        ])  # fmt: skip
        sset._setups.append(functools.partial(_etcd_setup, client, name == "etcd-auth"))


def _etcd_setup(port: int, enable_auth: bool) -> None:
    def post(path: str, body: dict[str, object]) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=5).read()

    post("/v3/kv/put", {"key": "Y29uZmlnL2FwaQ==", "value": "eA=="})
    if enable_auth:
        post("/v3/auth/role/add", {"name": "root"})
        post("/v3/auth/user/add", {"name": "root", "password": "aivet-test"})
        post("/v3/auth/user/grant", {"user": "root", "role": "root"})
        post("/v3/auth/enable", {})


def start_prometheus(sset: ServerSet) -> None:
    binary = _need("prometheus", "prometheus", sset, "prometheus-open", "prometheus-auth")
    if binary is None:
        return
    for name in ("prometheus-open", "prometheus-auth"):
        root = sset.root / name
        root.mkdir()
        port = free_port()
        (root / "prometheus.yml").write_text(
            "global: {scrape_interval: 1h}\nscrape_configs:\n"
            f"  - job_name: chat-backend\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
        )
        args = [binary, f"--config.file={root}/prometheus.yml", f"--storage.tsdb.path={root}/db",
                f"--web.listen-address=127.0.0.1:{port}"]  # fmt: skip
        if name == "prometheus-auth":
            (root / "web.yml").write_text(
                f"basic_auth_users:\n  {PROMETHEUS_USER}: '{PROMETHEUS_BCRYPT}'\n"
            )
            args.append(f"--web.config.file={root}/web.yml")
        sset.spawn(name, port, args, cwd=root)
        if name == "prometheus-open":
            _wait_for_prometheus_targets(port)


def _wait_for_prometheus_targets(port: int, timeout: float = 30.0) -> None:
    """Prometheus answers before its scrape manager has loaded the targets (seconds later
    on a busy machine); the tests want the target listed, so wait for it, bounded."""
    end = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/api/v1/targets"
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                body = json.loads(reply.read())
            if body.get("data", {}).get("activeTargets"):
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)


def start_jupyter(sset: ServerSet) -> None:
    binary = _need("jupyter-notebook", "jupyter-notebook", sset, "jupyter-open", "jupyter-token")
    if binary is None:
        return
    for name, token in (("jupyter-open", ""), ("jupyter-token", "aivet-test-token")):
        root = sset.root / name
        (root / "notebooks").mkdir(parents=True)
        (root / "notebooks" / "analysis.ipynb").write_text("{}")
        port = free_port()
        env = {k: str(root / k.lower()) for k in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
                                                 "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")}  # fmt: skip
        env["HOME"] = str(root)
        sset.spawn(name, port, [binary, "--no-browser", "--allow-root", "--ip=127.0.0.1",
                                f"--port={port}", "--port-retries=0",
                                f"--NotebookApp.token={token}", "--NotebookApp.password=",
                                f"--notebook-dir={root / 'notebooks'}"], env=env)  # fmt: skip


_NGINX = """daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    root {root}/site;
    {rules}
  }}
}}
"""
_NGINX_OPEN = "autoindex on;"
_NGINX_PROTECTED = (
    "autoindex off; location ~ /\\. { deny all; } location ~ \\.(sql|zip|gz)$ { deny all; }"
)


def _site(root: Path) -> None:
    site = root / "site"
    (site / ".git" / "refs" / "heads").mkdir(parents=True)
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (site / ".git" / "config").write_text(
        '[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n'
        "\turl = https://deploy:ghp_notarealtoken@git.example.com/chat/backend.git\n"
    )
    (site / ".env").write_text(
        "# production\nDATABASE_URL=clickhouse://default:@10.0.0.5:9000/chat\n"
        "OPENAI_API_KEY=sk-not-a-real-key\nDEBUG=false\n"
    )
    (site / "backup.sql").write_text(
        "-- MySQL dump 10.13  Distrib 8.0.36\n--\nCREATE TABLE users (id int);\n"
    )
    (site / "app.js").write_text("console.log('hi')\n")


def start_nginx(sset: ServerSet) -> None:
    binary = _need("/usr/sbin/nginx", "nginx", sset, "nginx-open", "nginx-protected")
    if binary is None:
        return
    for name, rules in (("nginx-open", _NGINX_OPEN), ("nginx-protected", _NGINX_PROTECTED)):
        root = sset.root / name
        (root / "tmp").mkdir(parents=True)
        _site(root)
        if name == "nginx-protected":
            (root / "site" / "index.html").write_text("<title>Chat</title>")
        port = free_port()
        (root / "nginx.conf").write_text(_NGINX.format(root=root, port=port, rules=rules))
        sset.spawn(name, port, [binary, "-c", str(root / "nginx.conf"), "-p", str(root)])


def start_all(root: Path) -> tuple[ServerSet, dict[str, int]]:
    sset = ServerSet(root)
    native: dict[str, int] = {}
    starters = {
        ("redis-open", "redis-auth"): start_redis,
        ("memcached-open", "memcached-auth"): start_memcached,
        ("etcd-open", "etcd-auth"): start_etcd,
        ("prometheus-open", "prometheus-auth"): start_prometheus,
        ("jupyter-open", "jupyter-token"): start_jupyter,
        ("nginx-open", "nginx-protected"): start_nginx,
        ("clickhouse-open", "clickhouse-auth"): lambda s: native.update(start_clickhouse(s)),
        ("postgres-trust", "postgres-password"): start_postgres,
        ("mariadb-open", "mariadb-auth"): start_mariadb,
    }
    for names, start in starters.items():
        try:
            start(sset)
        except Exception as exc:  # skip that pair; never leave the others running unowned
            for name in names:
                sset.skip(name, f"{name} could not be set up: {exc}")
    return sset, native
