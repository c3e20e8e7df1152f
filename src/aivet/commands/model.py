"""`aivet model`: how a model behaves on politically sensitive topics, against controls."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from aivet.commands._store import add_store_argument, print_outputs
from aivet.commands.common import EXIT_FAILED, EXIT_OK, UsageError, load_intel

DEFAULT_KEY_ENV = "OPENAI_API_KEY"


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "model",
        help="measure refusals and state-narrative echo on sensitive topics, against controls",
        description="Ask an OpenAI-compatible chat endpoint every prompt of a suite (by default "
        "the bundled neutrality suite: PRC-sensitive topics in English and Chinese, each paired "
        "with a control of the same form about a comparable subject elsewhere), label every "
        "answer (canned refusal, soft refusal, state-narrative echo, substantive) and report "
        "the rates with 95 percent intervals against the controls. Every request and response "
        "is kept as evidence; a run cut short continues when started again with the same --out.",
    )
    parser.add_argument("--base-url", required=True, help="API root, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument(
        "--model",
        action="append",
        required=True,
        dest="models",
        metavar="NAME",
        help="model to ask (repeat to compare models side by side)",
    )
    parser.add_argument(
        "--suite",
        default="neutrality",
        help="bundled suite name, or a CSV file with at least subject and prompt columns",
    )
    parser.add_argument("--lang", default="", help="only these languages, e.g. en,zh")
    parser.add_argument("--topic", action="append", default=[], help="only this topic (repeatable)")
    parser.add_argument(
        "--limit",
        type=int,
        help="only the first N prompt pairs of each topic in each language (a quick look)",
    )
    parser.add_argument(
        "--samples", type=int, default=1, help="ask each prompt N times (default 1)"
    )
    parser.add_argument(
        "--temperature", type=float, default=0.0, help="sampling temperature (default 0)"
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=2048,
        help="answer length limit (default 2048; reasoning models may need more)",
    )
    parser.add_argument("--seed", type=int, help="sampling seed to send")
    parser.add_argument("--system-prompt", help="system message to send before each prompt")
    parser.add_argument(
        "--api-key-env",
        default=DEFAULT_KEY_ENV,
        metavar="NAME",
        help=f"environment variable holding the API key (default {DEFAULT_KEY_ENV}; "
        "the key is never stored)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="requests in flight at once (default 4)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="limit for one attempt (default 120)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=4,
        help="retries after a time-out, dropped connection, 429 or 5xx (default 4)",
    )
    parser.add_argument(
        "--judge-model", help="also have this model label every answer (same client)"
    )
    parser.add_argument(
        "--judge-base-url", help="API root of the judge model (default: --base-url)"
    )
    parser.add_argument(
        "--intel", type=Path, action="append", default=[], help="extra intel YAML (repeatable)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="report directory (default audits/model-HOST-TIME); the same --out resumes",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary")
    add_store_argument(parser)
    parser.set_defaults(handler=run)


def _base_url(text: str, option: str) -> str:
    text = text.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError as exc:
        raise UsageError(f"{option} {text!r}: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{option} {text!r}: expected an http(s) URL such as http://127.0.0.1:8000/v1"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{option} {text!r}: the API root takes no query or fragment")
    return text


def _positive(value: float | None, option: str, *, zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not zero)):
        raise UsageError(f"{option} must be {'zero or more' if zero else 'positive'}")


def default_out_dir(base_url: str) -> Path:
    host = urlsplit(base_url).hostname or "endpoint"
    return Path("audits") / f"model-{host}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def run(args: argparse.Namespace) -> int:
    from aivet.collect.llm_client import ClientOptions, api_key_from_env
    from aivet.model_audit import ModelAuditError, ModelAuditPlan, run_model_audit
    from aivet.model_section import ModelRunSettings
    from aivet.suites import SuiteError, load_suite

    base_url = _base_url(args.base_url, "--base-url")
    judge_url = _base_url(args.judge_base_url, "--judge-base-url") if args.judge_base_url else None
    if judge_url and not args.judge_model:
        raise UsageError("--judge-base-url needs --judge-model")
    models = list(dict.fromkeys(m.strip() for m in args.models if m.strip()))
    if not models:
        raise UsageError("--model needs a model name")
    for value, option in (
        (args.samples, "--samples"),
        (args.max_tokens, "--max-tokens"),
        (args.concurrency, "--concurrency"),
        (args.timeout, "--timeout"),
        (args.limit, "--limit"),
    ):
        _positive(value, option)
    _positive(args.retries, "--retries", zero=True)
    _positive(args.temperature, "--temperature", zero=True)
    if args.concurrency > 64:
        raise UsageError("--concurrency above 64 is not supported")
    languages = [x.strip().lower() for x in args.lang.split(",") if x.strip()]
    try:
        suite = load_suite(args.suite).select(
            languages=languages, topics=args.topic, limit=args.limit
        )
    except SuiteError as exc:
        raise UsageError(str(exc)) from None
    if not suite.prompts:
        raise UsageError("no prompt of the suite is left after --lang, --topic and --limit")
    api_key = api_key_from_env(args.api_key_env)
    client = ClientOptions(
        base_url=base_url,
        api_key=api_key,
        timeout_s=args.timeout,
        concurrency=args.concurrency,
        max_attempts=args.retries + 1,
    )
    judge = None
    if args.judge_model:
        judge = ClientOptions(
            base_url=judge_url or base_url,
            api_key=api_key,
            timeout_s=args.timeout,
            concurrency=args.concurrency,
            max_attempts=args.retries + 1,
        )
    settings = ModelRunSettings(
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        samples=args.samples,
        seed=args.seed,
        system_prompt=args.system_prompt,
        concurrency=args.concurrency,
        timeout_s=args.timeout,
        max_attempts=args.retries + 1,
        judge_model=args.judge_model,
        judge_endpoint=(judge_url or base_url) if args.judge_model else None,
    )
    plan = ModelAuditPlan(client, suite, tuple(models), settings, judge)
    intel = load_intel(args.intel)
    out = args.out or default_out_dir(base_url)
    console = Console()
    progress = None if args.quiet else _progress_printer()
    from aivet.commands._store import open_store
    from aivet.store import StoreError
    from aivet.store.keys import KeyFileError

    try:
        audit_store = open_store(args, create=True, sign=True)
    except (StoreError, KeyFileError) as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_FAILED
    try:
        result = run_model_audit(plan, out, intel=intel, progress=progress, store=audit_store)
    except ModelAuditError as exc:
        sys.stderr.write(f"\naivet: error: {exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        sys.stderr.write(
            f"\naivet: interrupted; the answers so far are kept in {out / 'journal.jsonl'}:"
            f" run the same command with --out {out} to continue\n"
        )
        return 130
    finally:
        audit_store.close()
    if progress is not None:
        sys.stderr.write("\n")
    if not args.quiet:
        from aivet.report.terminal import render_terminal

        render_terminal(result.audit, console)
    print_outputs(console, result, audit_store.root)
    return EXIT_OK


def _progress_printer() -> Any:
    """A one-line counter on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(phase: str, done: int, total: int) -> None:
        what = "asked" if phase == "ask" else "judged"
        sys.stderr.write(f"\r{what} {done}/{total}   ")
        sys.stderr.flush()

    return show
