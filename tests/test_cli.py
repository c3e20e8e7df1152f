"""Command-line arguments: bad input is one line and exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aivet.cli import main
from aivet.commands.common import UsageError, normalise_url, parse_resolve
from aivet.web_session import ResolveRule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("*=127.0.0.1:8080", ResolveRule("*", "127.0.0.1", 8080)),
        ("*.example.com=10.0.0.1", ResolveRule("*.example.com", "10.0.0.1", None)),
        ("chat.example.com=[::1]:8443", ResolveRule("chat.example.com", "::1", 8443)),
        ("Chat.Example.com=mirror.local", ResolveRule("chat.example.com", "mirror.local", None)),
    ],
)
def test_resolve_parses(text: str, rule: ResolveRule) -> None:
    assert parse_resolve(text) == rule


def test_resolve_rule_for_chromium() -> None:
    assert parse_resolve("*=127.0.0.1:8080").chromium_rule() == "MAP * 127.0.0.1:8080"
    assert parse_resolve("a.com=[::1]:1").chromium_rule() == "MAP a.com [::1]:1"


@pytest.mark.parametrize(
    "text",
    [
        "*",
        "=1.2.3.4",
        "a*b.com=1.2.3.4",
        "x.com=1.2.3.4:0",
        "x.com=1.2.3.4:99999",
        "x.com=bad host",
        "x.com=[::1]x",
        "*.=1.2.3.4",
    ],
)
def test_resolve_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_resolve(text)


def test_urls() -> None:
    assert normalise_url("chat.example.com") == "https://chat.example.com"
    for bad in ("ftp://x.com/", "http://", "file:///etc/passwd", "http://[::1"):
        with pytest.raises(UsageError):
            normalise_url(bad)


@pytest.mark.parametrize(
    "argv",
    [
        ["web"],
        ["web", "ftp://x.com"],
        ["web", "http://x.com", "--resolve", "nonsense"],
        ["web", "http://x.com", "--interact", "everything"],
        ["web", "http://x.com", "--timeout", "-1"],
        ["web", "http://x.com", "--intel", "/nonexistent.yaml"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(argv))
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aivet: error:") and "\n" not in err and "Traceback" not in err


def test_help_runs_as_a_program() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aivet", "web", "--help"], capture_output=True, text=True, check=True
    )
    assert "--resolve PATTERN=ADDRESS[:PORT]" in done.stdout
