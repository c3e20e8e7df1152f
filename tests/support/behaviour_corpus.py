"""The behaviour corpus: test pages, the scripts on them, and which heuristics each must fire.

Used by tests/test_behaviour_corpus.py (every expectation must hold) and by
scripts/behaviour_table.py, which renders the results table in docs/behaviour.md.
Scripts are named by the URL the calls are attributed to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aivet.analyze.behaviour import HEURISTICS
from aivet.analyze.behaviour.heuristics import CANVAS

SITE = "http://www.fp-test.com"
VENDOR = "http://cdn.fp-vendor.net"
EVASIVE = "http://cdn.evasive-fp.net"


@dataclass(frozen=True)
class Sample:
    name: str
    script: str
    kind: str
    """library (real, from npm), technique (hand-written after the paper), ordinary, evasion."""
    expected: frozenset[str]
    missed: str = ""
    """Why aivet misses what it should find here (a known limitation); empty when it does not."""


@dataclass(frozen=True)
class CorpusPage:
    path: str
    interact: str
    samples: tuple[Sample, ...]


def _s(name: str, script: str, kind: str, *expected: str) -> Sample:
    return Sample(name, script, kind, frozenset(expected))


CORPUS: tuple[CorpusPage, ...] = (
    CorpusPage(
        "/techniques.html",
        "none",
        (
            _s("canvas technique", f"{VENDOR}/techniques/canvas.js", "technique", "canvas"),
            _s(
                "canvas-font technique",
                f"{VENDOR}/techniques/canvas-font.js",
                "technique",
                "canvas-font",
            ),
            _s("WebRTC technique", f"{VENDOR}/techniques/webrtc.js", "technique", "webrtc-ip"),
            _s("audio technique", f"{VENDOR}/techniques/audio.js", "technique", "audio"),
            _s("WebGL technique", f"{VENDOR}/techniques/webgl.js", "technique", "webgl-unmask"),
            _s("DOM font technique", f"{VENDOR}/techniques/fonts.js", "technique", "font-probe"),
            _s(
                "enumeration technique",
                f"{VENDOR}/techniques/enumerate.js",
                "technique",
                "enumeration",
            ),
            _s(
                "canvas in a cross-origin frame",
                "http://frame.fp-iframe.net/frame-canvas.js",
                "technique",
                "canvas",
            ),
            _s(
                "canvas in a frame added by script",
                "http://dyn.fp-iframe.net/frame-canvas.js",
                "technique",
                "canvas",
            ),
            _s("favicon badge (one colour, 2 characters)", f"{SITE}/js/badge.js", "ordinary"),
            _s("user-agent check", f"{SITE}/js/ua-check.js", "ordinary"),
            _s("sparkline with labels (save/restore)", f"{SITE}/js/sparkline.js", "ordinary"),
        ),
    ),
    CorpusPage(
        "/fingerprintjs.html",
        "login",
        (
            _s(
                "FingerprintJS 5.2.0 (npm, open source)",
                f"{VENDOR}/fingerprintjs/5.2.0/fp.umd.min.js",
                "library",
                "canvas",
                "audio",
                "webgl-unmask",
                "font-probe",
                "enumeration",
            ),
            _s("FingerprintJS integration", f"{SITE}/js/fp-load.js", "ordinary"),
        ),
    ),
    CorpusPage(
        "/thumbmark.html",
        "none",
        (
            _s(
                "ThumbmarkJS 1.11.0 (npm)",
                f"{VENDOR}/thumbmarkjs/1.11.0/thumbmark.umd.js",
                "library",
                "canvas",
                "canvas-font",
                "audio",
                "enumeration",
            ),
            _s(
                "ClientJS 0.2.1 (npm)",
                f"{VENDOR}/clientjs/0.2.1/client.base.min.js",
                "library",
                "canvas",
                "font-probe",
                "enumeration",
            ),
        ),
    ),
    CorpusPage(
        "/negatives.html",
        "auto",
        (
            _s(
                "Chart.js 4.6.1 (npm): chart text on canvas",
                f"{SITE}/vendor/chart.umd.min.js",
                "ordinary",
            ),
            _s(
                "is-emoji-supported 0.0.5 (npm): emoji check",
                f"{SITE}/vendor/is-emoji-supported.min.js",
                "ordinary",
            ),
            _s(
                "Quill 2.0.3 (npm): rich-text editor, typed into",
                f"{SITE}/vendor/quill.js",
                "ordinary",
            ),
            _s("the page using them", f"{SITE}/js/negatives-app.js", "ordinary"),
        ),
    ),
    CorpusPage(
        "/recorder.html",
        "auto",
        (
            _s(
                "rrweb 2.2.2 (npm) recording, uploaded every 0.5 s",
                "http://rec.replay-test.net/rrweb/2.2.2/rrweb.min.js",
                "library",
                "session-recording",
            ),
            _s(
                "the replay service's uploader (sends typed text)",
                "http://rec.replay-test.net/recorder.js",
                "technique",
                "key-logging",
            ),
        ),
    ),
    CorpusPage(
        "/hotjar.html",
        "none",
        (
            _s(
                "script at Hotjar's URL (signature only)",
                "http://static.hotjar.com/c/hotjar-3550000.js?sv=6",
                "technique",
                "session-recording",
            ),
        ),
    ),
    CorpusPage(
        "/keylogger.html",
        "login",
        (
            _s(
                "key logger (listeners)",
                "http://cdn.keys-collector.net/kl.js",
                "technique",
                "key-logging",
            ),
            _s(
                "field poller (value reads)",
                "http://www.field-poller.net/poll.js",
                "technique",
                "key-logging",
            ),
        ),
    ),
    CorpusPage(
        "/evasion.html",
        "none",
        (
            _s("toString checks", f"{EVASIVE}/evade-tostring.js", "evasion", "canvas"),
            _s(
                "clean prototypes from fresh frames",
                f"{EVASIVE}/evade-iframe.js",
                "evasion",
                "canvas",
            ),
            _s(
                "hooks deleted and overwritten",
                f"{EVASIVE}/evade-overwrite.js",
                "evasion",
                "canvas",
            ),
            _s("traps for instrumentation", f"{EVASIVE}/evade-traps.js", "evasion", "canvas"),
            _s("canvas in a blob worker", f"{EVASIVE}/evade-worker.js", "evasion", "canvas"),
            Sample(
                "canvas in a worker loaded from a URL",
                f"{SITE}/workers/fp-worker.js",
                "evasion",
                frozenset({"canvas"}),
                missed="workers loaded from a URL are not instrumented",
            ),
        ),
    ),
)

# Heuristic ids in table order, plus the published canvas conditions without aivet's
# emoji exclusion, shown as a row of its own.
CANVAS_PUBLISHED = "canvas (published conditions only)"


def samples() -> list[tuple[CorpusPage, Sample]]:
    return [(page, sample) for page in CORPUS for sample in page.samples]


def render_table(fired: Mapping[str, Iterable[str]]) -> str:
    """The Markdown tables for docs/behaviour.md from what fired per sample script."""
    got = {script: set(ids) for script, ids in fired.items()}
    rows = [
        "| heuristic | source | positives found (TP) | missed (FN) | false positives (FP) "
        "| true negatives (TN) |",
        "|---|---|---|---|---|---|",
    ]
    everything = samples()
    for heuristic_id, title, source in [
        *((h.id, h.title, h.source) for h in HEURISTICS),
        (
            CANVAS_PUBLISHED,
            "Canvas, the paper's four conditions without the emoji exclusion",
            CANVAS.source,
        ),
    ]:
        wanted = "canvas" if heuristic_id == CANVAS_PUBLISHED else heuristic_id
        tp, fn, fp, tn = [], [], [], 0
        for _, sample in everything:
            expected = wanted in sample.expected
            found = heuristic_id in got.get(sample.script, set())
            if expected and found:
                tp.append(sample.name)
            elif expected:
                fn.append(sample.name + (f" ({sample.missed})" if sample.missed else ""))
            elif found:
                fp.append(sample.name)
            else:
                tn += 1
        rows.append(
            f"| {title} (`{heuristic_id}`) | {source} | {len(tp)} | "
            f"{len(fn)}{': ' + '; '.join(fn) if fn else ''} | "
            f"{len(fp)}{': ' + '; '.join(fp) if fp else ''} | {tn} |"
        )
    rows += [
        "",
        "| sample | kind | page | expected | fired |",
        "|---|---|---|---|---|",
    ]
    for page, sample in everything:
        shown = sorted(got.get(sample.script, set()) - {CANVAS_PUBLISHED})
        extra = (
            " (+ published canvas)"
            if CANVAS_PUBLISHED in got.get(sample.script, set())
            and ("canvas" not in got.get(sample.script, set()))
            else ""
        )
        rows.append(
            f"| {sample.name} | {sample.kind} | `{page.path}` | "
            f"{', '.join(sorted(sample.expected)) or '—'} | {', '.join(shown) or '—'}{extra} |"
        )
    return "\n".join(rows) + "\n"
