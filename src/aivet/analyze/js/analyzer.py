"""Analyze one script: parse, decode what is hidden, and report endpoints and capabilities.

Two depths. Every script gets the quick pass: byte patterns pick out the
places worth a look (URL-shaped strings, network APIs, decoding built-ins,
fingerprinting API names) and only those are evaluated. A script that looks
obfuscated, or is small, also gets the deep pass: every call, concatenation
and computed member is evaluated, which is what recovers string arrays,
wrapper functions, split strings and flattened control flow. Both are
bounded by `JsLimits`; whatever a limit cuts short is said in the status.
"""

from __future__ import annotations

import bisect
import dataclasses
import gc
import re
import time
from dataclasses import dataclass, field

from tree_sitter import Node

from aivet.analyze.js import capabilities as caps
from aivet.analyze.js import syntax as k
from aivet.analyze.js.decoders import DecoderRunner
from aivet.analyze.js.endpoints import find_urls
from aivet.analyze.js.evaluate import EvalBudgetExceeded, Evaluator
from aivet.analyze.js.excerpts import build_excerpt
from aivet.analyze.js.index import Index
from aivet.analyze.js.literals import clean_text
from aivet.analyze.js.obfuscation import combine, quick_signals
from aivet.analyze.js.values import HOLE, DStr, Unknown, Value, to_str
from aivet.intel.kb import Intel
from aivet.model import Attribution
from aivet.script_record import (
    Capability,
    CapabilityHit,
    DecodedString,
    Decoder,
    Endpoint,
    Excerpt,
    JsLimits,
    Location,
    ObfuscationSignal,
    ScriptAnalysis,
)

_SINK_WORDS = frozenset(
    {
        "fetch", "sendBeacon", "importScripts", "WebSocket", "EventSource", "XMLHttpRequest",
        "open", "src", "action", "href", "location", "setAttribute", "Worker", "SharedWorker",
    }
)  # fmt: skip
_DECODE_WORDS = frozenset(
    {"fromCharCode", "atob", "decodeURIComponent", "decodeURI", "unescape", "reverse", "eval",
     "Function"}
)  # fmt: skip
# One pass over the bytes finds every word of interest (network APIs, decoding built-ins,
# capability indicators): a trie-shaped alternation, several times faster than one
# regular expression per family.
_ANCHOR_WORDS = _SINK_WORDS | _DECODE_WORDS | caps.ANCHOR_WORDS
# The leading look-ahead on the possible first bytes lets `re` skip most positions fast.
_WORD_ANCHOR = re.compile(
    rb"(?=["
    + re.escape(
        "".join(sorted({w[0] for w in _ANCHOR_WORDS | set(caps.FONT_NAMES)} | {"("})).encode()
    )
    + rb"])(?:(?<![\w$])"
    + caps.trie_pattern(_ANCHOR_WORDS)
    + rb"(?![\w$])|"
    + caps.extra_anchor_pattern()
    + rb")"
)
_URL_MARKERS = (b"://", b"'//", b'"//', b"`//", b":\\/\\/")
_ESCAPED_STRING = re.compile(
    rb"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\})"
    rb"(?:\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\})){3,}"
)
_SINK_PROPERTIES = frozenset({"src", "action", "href", "location"})
_MAX_ANCHORS = 20_000
_DISPATCH_ORDER = re.compile(r"\d{1,3}(?:\|\d{1,3}){2,}")
_RECOVERY_METHODS = frozenset({"xor", "sandbox", "fromCharCode", "atob", "split-join", "escape"})


def analyze_script(
    source: bytes,
    *,
    url: str | None,
    sha256: str,
    intel: Intel,
    limits: JsLimits = JsLimits(),  # noqa: B008 - frozen, shared default is safe
) -> ScriptAnalysis:
    """Analyze one script's bytes; never raises, bad input gives a result that says why."""
    started = time.perf_counter()
    # The analysis makes hundreds of thousands of small objects that all live until it
    # ends (and whose cycles it breaks itself): the cyclic collector would only rescan
    # them over and over, a third of the indexing time on big bundles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Analysis(source, url, sha256, intel, limits, started, depth=0).run()
    except Exception as exc:  # the contract: a result, never a traceback
        return _empty(source, url, sha256, f"partial: analyzer error: {type(exc).__name__}: {exc}")
    finally:
        if collecting:
            gc.enable()


def _empty(source: bytes, url: str | None, sha256: str, status: str) -> ScriptAnalysis:
    return ScriptAnalysis(
        sha256=sha256,
        url=url,
        size=len(source),
        status=status,
        mode="none",
        parse_errors=0,
        obfuscation_score=0.0,
        obfuscation_signals=(),
        decoders=(),
        decoded_total=0,
        decoded_strings=(),
        endpoints=(),
        capabilities=(),
        excerpts=(),
    )


def sniff_binary(source: bytes) -> str | None:
    """Why these bytes are not script text, or None."""
    head = source[:65536]
    if b"\x00" in head:
        return "binary data (NUL bytes), not JavaScript"
    if head.startswith((b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"%PDF")):
        return "binary data (a known file signature), not JavaScript"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if head and controls / len(head) > 0.01:
        return "binary data (control bytes), not JavaScript"
    return None


@dataclass
class _Decoded:
    value: str
    methods: frozenset[str]
    node: Node
    role: set[str] = field(default_factory=set)


@dataclass
class _EndpointSeen:
    url: str
    host: str
    domain: str
    sink: str
    decoded: bool
    method: str
    offset: int
    node: Node | None
    reference_like: bool
    via: str = ""
    location: Location | None = None


class _Analysis:
    def __init__(
        self,
        source: bytes,
        url: str | None,
        sha256: str,
        intel: Intel,
        limits: JsLimits,
        started: float,
        depth: int,
    ) -> None:
        self.original_size = len(source)
        self.url = url
        self.sha256 = sha256
        self.intel = intel
        self.limits = limits
        self.started = started
        self.deadline = started + limits.max_seconds
        self.depth = depth
        self.reasons: list[str] = []
        data = source[: limits.max_bytes]
        if len(source) > limits.max_bytes:
            self.reasons.append(
                f"input is {len(source)} bytes; only the first {limits.max_bytes} were analysed"
            )
        if data.startswith(b"\xef\xbb\xbf"):
            data = b"   " + data[3:]  # a BOM: keep offsets, drop the bytes the grammar rejects
        self.data = data
        self.timings: dict[str, float] = {}
        self.decoded: dict[tuple[int, int], _Decoded] = {}
        self.replacements: dict[tuple[int, int], str] = {}
        self.endpoints: list[_EndpointSeen] = []
        self.tokens: list[caps.Token] = []
        self.payload_results: list[tuple[Node, ScriptAnalysis, frozenset[str]]] = []
        self._newlines: list[int] | None = None

    # --- driver -------------------------------------------------------------------

    def run(self) -> ScriptAnalysis:
        source = self.data
        if source.startswith((b"\xff\xfe", b"\xfe\xff")):
            # UTF-16 with a byte-order mark: analyse it as UTF-8 (offsets are then of that).
            source = self.data = source.decode("utf-16", "replace").encode("utf-8")
        binary = sniff_binary(source)
        if binary is not None:
            return _empty(source, self.url, self.sha256, f"skipped: {binary}")
        tick = time.perf_counter()
        tree = k.new_parser().parse(source)
        self._lap("parse", tick)
        tick = time.perf_counter()
        signals = quick_signals(source, tree.root_node)
        quick_score = combine(signals)
        deep = len(source) <= self.limits.deep_below_bytes or quick_score >= self.limits.deep_score
        self._lap("signals", tick)
        tick = time.perf_counter()
        index = Index(source, tree)
        index.build(deep, self.limits.max_nodes)
        if not index.complete:
            self.reasons.append(f"node limit ({self.limits.max_nodes}) reached while indexing")
        self.index = index
        self._lap("index", tick)
        self.decoders = DecoderRunner(
            index,
            load_limit_s=self.limits.sandbox_load_seconds,
            time_limit_s=self.limits.sandbox_call_seconds,
            memory_limit=self.limits.sandbox_memory_bytes,
            total_seconds=self.limits.sandbox_total_seconds,
            max_calls=self.limits.sandbox_max_calls,
            max_program_bytes=self.limits.sandbox_max_program_bytes,
        )
        self.evaluator = Evaluator(
            index, self.decoders, self.limits.max_eval_steps, caps.WATCHED_METHODS
        )
        tick = time.perf_counter()
        try:
            if deep:
                self._deep()
            self._anchors()
            self._summary_call_sites()
        except EvalBudgetExceeded:
            self.reasons.append(f"evaluation step limit ({self.limits.max_eval_steps}) reached")
        except _OutOfTime:
            self.reasons.append(f"time limit ({self.limits.max_seconds:g} s) reached")
        self._lap("evaluate", tick)
        tick = time.perf_counter()
        if self.decoders.limit_reason:
            self.reasons.append(self.decoders.limit_reason)
        self._collect_events()
        self._payloads()
        result = self._result(signals, deep, index)
        self._lap("report", tick)
        index.release()
        return result

    def _lap(self, name: str, tick: float) -> None:
        self.timings[name] = round((time.perf_counter() - tick) * 1000, 2)

    def _check_time(self) -> None:
        if time.perf_counter() > self.deadline:
            raise _OutOfTime

    # --- deep pass ----------------------------------------------------------------

    def _deep(self) -> None:
        index, evaluator = self.index, self.evaluator
        collected = index.collected
        for i, node in enumerate(collected.calls):
            if i % 256 == 0:
                self._check_time()
            value = evaluator.evaluate(node)
            self._note_value(node, value, maximal=not _inside_concat(node))
        for i, node in enumerate(collected.concats):
            if i % 256 == 0:
                self._check_time()
            value = evaluator.evaluate(node)
            if isinstance(value, str):
                self._note_value(node, value, maximal=True, concat=True)
        for i, node in enumerate(collected.subscripts):
            if i % 256 == 0:
                self._check_time()
            index_node = node.child_by_field_name("index")
            if index_node is None or index_node.kind_id in k.NUMBER:
                continue
            key = evaluator.evaluate(index_node)
            if isinstance(key, str) and HOLE not in key:
                if isinstance(key, DStr) or index_node.kind_id not in k.STRING:
                    self._replace(index_node, key)
                if str(key) in caps.API_NAMES:
                    self._token(f"api:{key}", index_node, decoded=_hidden(index, index_node, key))
        for i, node in enumerate(collected.news):
            if i % 256 == 0:
                self._check_time()
            evaluator.evaluate(node)
        for node in collected.debuggers:
            self._token("statement:debugger", node, decoded=False)
        self._property_writes()

    def _property_writes(self) -> None:
        index, evaluator = self.index, self.evaluator
        for write in index.all_writes():
            if write.computed:
                if write.key.kind_id in k.NUMBER:
                    continue
                key_value = evaluator.evaluate(write.key)
                key = str(key_value) if isinstance(key_value, str) else None
            else:
                key = index.text(write.key)
            if key is None:
                continue
            if key in caps.API_NAMES:
                self._token(f"api:{key}", write.key, decoded=_hidden(index, write.key, key))
            if key in _SINK_PROPERTIES:
                target = evaluator.evaluate(write.target)
                evaluator.site = write.value
                try:
                    value = evaluator.evaluate(write.value)
                    evaluator.assignment_sink(target, key, value, write.value)
                finally:
                    evaluator.site = None

    def _note_value(self, node: Node, value: Value, maximal: bool, concat: bool = False) -> None:
        if not isinstance(value, str) or not value or value == HOLE:
            return
        hidden = isinstance(value, DStr) or concat
        if not hidden:
            return
        methods = value.methods if isinstance(value, DStr) else frozenset()
        if concat:
            methods = methods | {"concat"}
        if isinstance(value, DStr) or concat:
            self._replace(node, value)
        if maximal:
            key = (node.start_byte, node.end_byte)
            if key not in self.decoded:
                self.decoded[key] = _Decoded(str(value), methods, node)

    def _replace(self, node: Node, value: str) -> None:
        if len(value) <= 2000:
            self.replacements[(node.start_byte, node.end_byte)] = _js_literal(value)

    # --- quick pass (anchors) -----------------------------------------------------

    def _anchors(self) -> None:
        source = self.data
        sinks: list[int] = []
        decoders: list[int] = []
        capabilities: list[tuple[str, int, int]] = []
        for n, match in enumerate(_WORD_ANCHOR.finditer(source)):
            if n >= _MAX_ANCHORS * 4:
                self.reasons.append("too many API names to look at; the rest were skipped")
                break
            word = match.group(0).decode("latin-1")
            if word in _SINK_WORDS:
                sinks.append(match.start())
            if word in _DECODE_WORDS:
                decoders.append(match.start())
            if word in caps.ANCHOR_WORDS or (word not in _SINK_WORDS and word not in _DECODE_WORDS):
                capabilities.append((word, match.start(), match.end()))
        urls: list[int] = []
        for marker in _URL_MARKERS:
            at = source.find(marker)
            while at >= 0 and len(urls) < _MAX_ANCHORS:
                urls.append(at)
                at = source.find(marker, at + len(marker))
        urls.sort()
        escaped = [m.start() for m in _ESCAPED_STRING.finditer(source)][:_MAX_ANCHORS]
        seen: set[tuple[int, int]] = set()
        # 1. URL-shaped strings, glued to the concatenation they are part of.
        self._string_anchors(urls, seen, endpoints=True)
        # 2. Network sinks: the calls and assignments around their names.
        self._sink_anchors(sinks, seen)
        # 3. Decoding built-ins and eval: evaluate the whole expression around them.
        self._decode_anchors(decoders, seen)
        # 4. Strings spelled in escapes.
        self._string_anchors(escaped, seen, endpoints=False)
        # 5. Capability names.
        for n, (word, start, end) in enumerate(capabilities):
            if n % 512 == 0:
                self._check_time()
            self._capability_anchor(word, start, end)

    def _string_anchors(
        self, offsets: list[int], seen: set[tuple[int, int]], endpoints: bool
    ) -> None:
        root, evaluator = self.index.root, self.evaluator
        last_end = -1
        for n, offset in enumerate(offsets):
            if n % 256 == 0:
                self._check_time()
            if offset < last_end:
                continue  # inside the string handled just before
            string = _enclosing_string(root.descendant_for_byte_range(offset, offset + 1))
            if string is None:
                continue
            last_end = string.end_byte
            top = _concat_top(string)
            key = (top.start_byte, top.end_byte)
            if key in seen:
                continue
            seen.add(key)
            value = evaluator.evaluate(top)
            if isinstance(value, str):
                self._note_value(top, value, maximal=True, concat=top is not string)
                if endpoints:
                    self._string_endpoints(top, value, "string-only")

    def _sink_anchors(self, offsets: list[int], seen: set[tuple[int, int]]) -> None:
        root, evaluator = self.index.root, self.evaluator
        for n, offset in enumerate(offsets):
            if n % 256 == 0:
                self._check_time()
            target = _sink_site(root.descendant_for_byte_range(offset, offset + 1))
            if target is None:
                continue
            key = (target.start_byte, target.end_byte)
            if key not in seen:
                seen.add(key)
                evaluator.evaluate(target)

    def _decode_anchors(self, offsets: list[int], seen: set[tuple[int, int]]) -> None:
        root, evaluator = self.index.root, self.evaluator
        for n, offset in enumerate(offsets):
            if n % 256 == 0:
                self._check_time()
            expression = _expression_top(root.descendant_for_byte_range(offset, offset + 1))
            if expression is None:
                continue
            key = (expression.start_byte, expression.end_byte)
            if key not in seen:
                seen.add(key)
                self._note_value(expression, evaluator.evaluate(expression), maximal=True)

    def _summary_call_sites(self) -> None:
        """Evaluate the calls of functions that pass a parameter to a network API."""
        evaluator, index = self.evaluator, self.index
        done: set[tuple[int, int]] = set()
        for _ in range(4):
            pending = [key for key in evaluator.summaries if key not in done]
            if not pending:
                break
            for key in pending:
                done.add(key)
                function = evaluator.summaries[key].function
                name = _function_name(index, function)
                if not name:
                    continue
                pattern = re.compile(rb"(?<![\w$.])" + re.escape(name.encode()) + rb"\s*\(")
                for n, match in enumerate(pattern.finditer(self.data)):
                    if n > 2000:
                        break
                    ident = index.root.descendant_for_byte_range(
                        match.start(), match.start() + len(name)
                    )
                    call = ident.parent if ident is not None else None
                    if call is not None and call.kind_id in k.CALL:
                        evaluator.evaluate(call)
            self._check_time()
            evaluator.apply_summaries()

    def _capability_anchor(self, word: str, start: int, end: int) -> None:
        node = self.index.root.descendant_for_byte_range(start, end)
        if node is None:
            return
        kid = node.kind_id
        if kid in k.COMMENT:
            return
        if word == "debugger":
            if node.parent is not None and node.parent.kind_id in k.DEBUGGER:
                self._token("statement:debugger", node.parent, decoded=False)
            elif kid in k.DEBUGGER:
                self._token("statement:debugger", node, decoded=False)
            return
        if kid in k.PROPERTY_IDENTIFIER:
            parent = node.parent
            if parent is not None and parent.kind_id in k.MEMBER:
                self._token(f"api:{word}", node, decoded=False)
            return
        if kid in k.IDENTIFIER:
            if word in caps.API_NAMES:
                self._token(f"api:{word}", node, decoded=False)
            return
        string = _enclosing_string(node)
        if string is None:
            return
        value = self.evaluator.evaluate(string)
        if not isinstance(value, str):
            return
        text = str(value)
        if word in caps.FONT_NAMES:
            for font in caps.FONT_NAMES:
                if re.search(r"(?:^|[\s,'\"])" + re.escape(font) + r"(?:$|[\s,'\"])", text):
                    self._token(f"font:{font}", string, decoded=False)
            return
        if text == "WEBGL_debug_renderer_info" or text == "(((.+)+)+)+$":
            self._token(f"string:{text}", string, decoded=False)
            return
        role = _string_role(string)
        if role == "listener" and text.removeprefix("on") in caps.EVENT_NAMES:
            self._token(f"event:{text.removeprefix('on')}", string, decoded=False)
        elif role == "context" and text in caps.CONTEXT_NAMES:
            self._token(f"context:{text}", string, decoded=False)
        elif role == "key" and text in caps.API_NAMES:
            self._token(f"api:{text}", string, decoded=False)

    # --- events from evaluation ---------------------------------------------------

    def _collect_events(self) -> None:
        evaluator = self.evaluator
        for event in evaluator.sinks:
            value = event.value
            text = value if isinstance(value, str) else to_str(value)
            if isinstance(text, Unknown) or not text or text == HOLE:
                continue
            self._string_endpoints(event.site, text, event.sink, sink_value=value)
        for call in evaluator.method_calls:
            if not call.args:
                continue
            first = call.args[0]
            if not isinstance(first, str):
                continue
            decoded = isinstance(first, DStr)
            name = str(first)
            if call.name in caps.LISTENER_METHODS:
                event_name = name.removeprefix("on") if call.name == "attachEvent" else name
                if event_name in caps.EVENT_NAMES:
                    self._token(f"event:{event_name}", call.site, decoded=decoded)
            elif call.name == "getContext" and name in caps.CONTEXT_NAMES:
                self._token(f"context:{name}", call.site, decoded=decoded)
            elif call.name == "getExtension" and name == "WEBGL_debug_renderer_info":
                self._token(f"string:{name}", call.site, decoded=decoded)
        for item in list(self.decoded.values()):
            value = item.value
            if value in caps.STRING_NAMES:
                self._token(f"string:{value}", item.node, decoded=True)
                item.role.add("capability")
            elif value in caps.API_NAMES:
                item.role.add("capability")
            for font in caps.FONT_NAMES:
                if font in value and re.search(
                    r"(?:^|[\s,'\"])" + re.escape(font) + r"(?:$|[\s,'\"])", value
                ):
                    self._token(f"font:{font}", item.node, decoded=True)
            if self._string_endpoints(item.node, item.value, "string-only", methods=item.methods):
                item.role.add("endpoint")

    def _string_endpoints(
        self,
        node: Node,
        text: str,
        sink: str,
        sink_value: Value | None = None,
        methods: frozenset[str] | None = None,
    ) -> bool:
        value_methods = methods
        if value_methods is None:
            source_value = sink_value if sink_value is not None else text
            value_methods = source_value.methods if isinstance(source_value, DStr) else frozenset()
        hidden_value = bool(value_methods) or sink != "string-only"
        found = find_urls(str(text), allow_bare=hidden_value)
        raw = self.index.raw(node)
        for url in found[:20]:
            verbatim = url.host.removeprefix("*.").encode() in raw or url.host.encode() in self.data
            decoded = not verbatim
            method = "+".join(sorted(value_methods)) if value_methods else "literal"
            if decoded and method == "literal":
                method = "concat"
            self.endpoints.append(
                _EndpointSeen(
                    url=url.url,
                    host=url.host,
                    domain=url.registrable_domain,
                    sink=sink,
                    decoded=decoded,
                    method=method,
                    offset=node.start_byte,
                    node=node,
                    reference_like=url.reference_like,
                )
            )
        return bool(found)

    # --- eval / Function payloads -------------------------------------------------

    def _payloads(self) -> None:
        for event in self.evaluator.payloads:
            payload = event.value
            if not isinstance(payload, str) or HOLE in payload or len(payload) < 8:
                continue
            key = (event.site.start_byte, event.site.end_byte)
            self.decoded.setdefault(key, _Decoded(str(payload), frozenset({"eval"}), event.site))
            self.decoded[key].role.add("payload")
            if self.depth >= self.limits.max_payload_depth:
                self.reasons.append("eval payloads nested deeper than the limit were not analysed")
                continue
            remaining = max(self.deadline - time.perf_counter(), 0.5)
            limits = _with_time(self.limits, remaining)
            nested = _Analysis(
                str(payload).encode("utf-8", "replace"),
                self.url,
                self.sha256,
                self.intel,
                limits,
                time.perf_counter(),
                depth=self.depth + 1,
            ).run()
            how = payload.methods if isinstance(payload, DStr) else frozenset()
            self.payload_results.append((event.site, nested, how))

    # --- the result ---------------------------------------------------------------

    def location(self, offset: int, via: str = "") -> Location:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer(rb"\n", self.data)]
        line = bisect.bisect_left(self._newlines, offset)
        line_start = self._newlines[line - 1] + 1 if line else 0
        return Location(line + 1, offset - line_start + 1, offset, via)

    def node_location(self, node: Node, via: str = "") -> Location:
        row, column = node.start_point
        return Location(row + 1, column + 1, node.start_byte, via)

    def _token(self, indicator: str, node: Node, decoded: bool) -> None:
        scope = self.index.scope_at(node.start_byte)
        self.tokens.append(caps.Token(indicator, node.start_byte, decoded, scope.id))

    def _result(self, signals: list[ObfuscationSignal], deep: bool, index: Index) -> ScriptAnalysis:
        limits = self.limits
        attributions: dict[str, Attribution] = {}

        def attribute(host: str) -> Attribution:
            found = attributions.get(host)
            if found is None:
                found = self.intel.attribute(host)
                attributions[host] = found
            return found

        # Payload results come in with the location of the call that runs them.
        for site, nested, how in self.payload_results:
            via = "eval"
            prefix = "+".join(["eval", *sorted(how)])
            site_location = self.node_location(site, via)
            for ep in nested.endpoints:
                self.endpoints.append(
                    _EndpointSeen(
                        ep.url,
                        ep.host,
                        ep.registrable_domain,
                        ep.sink,
                        ep.decoded or ep.host.encode() not in self.data,
                        prefix if ep.method == "literal" else f"{prefix}+{ep.method}",
                        site.start_byte,
                        None,
                        ep.reference_like,
                        via,
                        site_location,
                    )
                )
            for cap in nested.capabilities:
                for hit in cap.hits:
                    indicator = hit.indicator
                    self.tokens.append(caps.Token(indicator, site.start_byte, True, -1))
            signals = [*signals, *(ObfuscationSignal(f"payload-{s.name}", s.weight, s.detail)
                                   for s in nested.obfuscation_signals)]  # fmt: skip
        structural = self._structural_signals(deep, index)
        all_signals = sorted([*signals, *structural], key=lambda s: (-s.weight, s.name))
        score = combine(all_signals)

        # Endpoints: one per (url, sink); a string that a sink's URL starts with adds nothing.
        sink_urls = sorted(
            e.url.rstrip("\u2026") for e in self.endpoints if e.sink != "string-only"
        )
        grouped: dict[tuple[str, str], list[_EndpointSeen]] = {}
        for seen in self.endpoints:
            if seen.sink == "string-only" and _prefix_of_any(seen.url.rstrip("\u2026"), sink_urls):
                continue
            grouped.setdefault((seen.url, seen.sink), []).append(seen)
        endpoints: list[Endpoint] = []
        for (url, sink), group in grouped.items():
            group.sort(key=lambda s: (not s.decoded, s.offset))
            first = group[0]
            location = first.location or (
                self.node_location(first.node)
                if first.node is not None
                else self.location(first.offset)
            )
            endpoints.append(
                Endpoint(
                    url=clean_text(url),
                    host=first.host,
                    registrable_domain=first.domain,
                    sink=sink,
                    decoded=any(s.decoded for s in group),
                    method=first.method,
                    location=location,
                    occurrences=len(group),
                    reference_like=first.reference_like,
                    attribution=attribute(first.host),
                )
            )
        endpoints.sort(
            key=lambda e: (
                e.reference_like,
                not e.decoded,
                e.sink == "string-only",
                e.location.offset,
            )
        )
        if len(endpoints) > limits.max_endpoints:
            self.reasons.append(
                f"{len(endpoints)} endpoints; only the first {limits.max_endpoints} kept"
            )
            endpoints = endpoints[: limits.max_endpoints]

        # Capabilities.
        capabilities = []
        for detected in caps.detect(self.tokens):
            hits = tuple(
                CapabilityHit(
                    t.indicator,
                    self.location(t.offset, "eval" if t.function == -1 else ""),
                    t.decoded,
                )
                for t in detected.tokens
            )
            capabilities.append(
                Capability(detected.rule.name, detected.rule.description, detected.confidence, hits)
            )
        capability_offsets = {
            t.offset for d in caps.detect(self.tokens) for t in d.tokens if t.decoded
        }

        # Decoded strings that matter, with the code they came from.
        decoded_values = {d.value for d in self.decoded.values()}
        strings: list[DecodedString] = []
        for item in sorted(self.decoded.values(), key=lambda d: d.node.start_byte):
            roles = set(item.role)
            if item.node.start_byte in capability_offsets:
                roles.add("capability")
            if not roles:
                continue
            strings.append(
                DecodedString(
                    value=clean_text(item.value.replace(HOLE, "\u2026"))[:2000],
                    method="+".join(sorted(item.methods)) or "literal",
                    location=self.node_location(item.node),
                    expression=clean_text(_shorten(self.index.text(item.node), 160)),
                    role="+".join(sorted(roles)),
                )
            )
        strings.sort(
            key=lambda s: (
                0 if "endpoint" in s.role or "payload" in s.role else 1,
                s.location.offset,
            )
        )
        strings = strings[: limits.max_strings]

        excerpts = self._excerpts(endpoints)
        decoders = tuple(
            Decoder(
                name=use.name,
                method=use.method,
                encoding=use.encoding,
                location=self.node_location(use.node),
                array_size=use.array_size,
                calls=use.calls,
                decoded=use.decoded,
            )
            for use in sorted(self.decoders.uses.values(), key=lambda u: u.node.start_byte)
            if use.decoded
        )
        status = (
            "complete" if not self.reasons else "partial: " + "; ".join(dict.fromkeys(self.reasons))
        )
        if index.error_nodes >= 50 and index.error_nodes > len(self.data) / 200:
            note = f"mostly not JavaScript ({index.error_nodes} syntax errors)"
            status = f"partial: {note}" if status == "complete" else f"{status}; {note}"
        self.timings["total"] = round((time.perf_counter() - self.started) * 1000, 2)
        return ScriptAnalysis(
            sha256=self.sha256,
            url=self.url,
            size=self.original_size,
            status=status,
            mode="deep" if deep else "light",
            parse_errors=index.error_nodes,
            obfuscation_score=score,
            obfuscation_signals=tuple(all_signals),
            decoders=decoders,
            decoded_total=len(decoded_values)
            + sum(n.decoded_total for _, n, _ in self.payload_results),
            decoded_strings=tuple(strings),
            endpoints=tuple(endpoints),
            capabilities=tuple(sorted(capabilities, key=lambda c: c.name)),
            excerpts=excerpts,
            timings_ms=dict(self.timings),
        )

    def _structural_signals(self, deep: bool, index: Index) -> list[ObfuscationSignal]:
        out: list[ObfuscationSignal] = []
        arrays = [u for u in self.decoders.uses.values() if u.array_size and u.decoded]
        if arrays:
            calls = sum(u.decoded for u in arrays)
            names = ", ".join(sorted({u.name for u in arrays}))
            out.append(
                ObfuscationSignal(
                    "string-array-decoder",
                    0.7,
                    f"{calls} strings decoded through {names} ({arrays[0].encoding})",
                )
            )
        mattered = [
            d for d in self.decoded.values()
            if d.role and d.methods & _RECOVERY_METHODS
        ]  # fmt: skip
        if mattered:
            how = ", ".join(sorted({m for d in mattered for m in d.methods}))
            out.append(
                ObfuscationSignal(
                    "decoded-strings",
                    0.35,
                    f"{len(mattered)} endpoint or API string(s) recovered by {how}",
                )
            )
        switches = index.collected.loop_switches
        if deep and switches:
            out.append(
                ObfuscationSignal(
                    "switch-dispatch-loops",
                    0.25 if switches >= 3 else 0.15,
                    f"{switches} switch statement(s) as loop bodies",
                )
            )
        orders = sum(1 for d in self.decoded.values() if _DISPATCH_ORDER.fullmatch(d.value))
        if orders:
            out.append(
                ObfuscationSignal(
                    "control-flow-flattening",
                    0.45,
                    f"{orders} hidden '3|0|1|2'-style dispatch orders (flattened control flow)",
                )
            )
        substantial = [
            p for p in self.evaluator.payloads
            if isinstance(p.value, str) and HOLE not in p.value and len(p.value) >= 40
        ]  # fmt: skip
        if substantial:
            out.append(
                ObfuscationSignal(
                    "eval-payload", 0.3, f"{len(substantial)} constant string(s) run as code"
                )
            )
        return out

    def _excerpts(self, endpoints: list[Endpoint]) -> tuple[Excerpt, ...]:
        out: list[Excerpt] = []
        seen_spans: set[tuple[int, int]] = set()
        chosen = [
            e for e in endpoints if (e.decoded or e.sink != "string-only") and not e.reference_like
        ]
        for endpoint in chosen:
            if len(out) >= self.limits.max_excerpts or endpoint.location.via:
                continue
            excerpt = build_excerpt(
                self.index,
                endpoint.location.offset,
                self.replacements,
                endpoint.url,
                self.limits.excerpt_chars,
            )
            if excerpt is None:
                continue
            span, original, deobfuscated, highlights = excerpt
            if span in seen_spans:
                continue
            seen_spans.add(span)
            out.append(
                Excerpt(
                    endpoint.location, clean_text(original), clean_text(deobfuscated), highlights
                )
            )
        return tuple(out)


class _OutOfTime(Exception):
    pass


def _function_name(index: Index, function: Node) -> str | None:
    name = function.child_by_field_name("name")
    if name is not None and function.kind_id in k.FUNCTION_DECLARATIONS:
        return index.text(name)
    parent = function.parent
    if parent is not None and parent.kind_id in k.VARIABLE_DECLARATOR:
        name = parent.child_by_field_name("name")
        if name is not None and name.kind_id in k.IDENTIFIER:
            return index.text(name)
    return None


def _with_time(limits: JsLimits, seconds: float) -> JsLimits:
    return dataclasses.replace(limits, max_seconds=seconds)


def _prefix_of_any(prefix: str, sorted_urls: list[str]) -> bool:
    i = bisect.bisect_left(sorted_urls, prefix)
    return i < len(sorted_urls) and sorted_urls[i].startswith(prefix)


def _shorten(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def _js_literal(value: str) -> str:
    import json

    return json.dumps(value.replace(HOLE, "\u2026"), ensure_ascii=False)


def _hidden(index: Index, node: Node, value: str) -> bool:
    return value.encode("utf-8", "replace") not in index.raw(node)


def _enclosing_string(node: Node | None) -> Node | None:
    for _ in range(3):
        if node is None:
            return None
        kid = node.kind_id
        if kid in k.STRING or kid in k.TEMPLATE:
            return node
        if kid in k.COMMENT or kid in k.REGEX:
            return None
        node = node.parent
    return None


def _is_plus(node: Node) -> bool:
    if node.kind_id not in k.BINARY:
        return False
    op = node.child_by_field_name("operator")
    return op is not None and op.type == "+"


def _concat_top(node: Node) -> Node:
    """The outermost `+` chain (through parentheses) that `node` is an operand of."""
    top = node
    current = node.parent
    climbed = 0
    while current is not None and climbed < 256:
        climbed += 1
        if _is_plus(current):
            top = current
        elif current.kind_id not in k.PARENTHESIZED:
            break
        current = current.parent
    return top


def _inside_concat(node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.kind_id in k.PARENTHESIZED:
        parent = parent.parent
    return parent is not None and _is_plus(parent)


def _sink_site(node: Node | None) -> Node | None:
    """The call, `new` or assignment whose callee or target names a network API."""
    if node is None:
        return None
    kid = node.kind_id
    if not (kid in k.IDENTIFIER or kid in k.PROPERTY_IDENTIFIER):
        string = _enclosing_string(node)
        if string is None:
            return None
        node = string
    current = node
    for _ in range(4):
        parent = current.parent
        if parent is None:
            return None
        pk = parent.kind_id
        if pk in k.MEMBER or pk in k.SUBSCRIPT:
            current = parent
            continue
        if pk in k.CALL or pk in k.NEW:
            callee = parent.child_by_field_name("function" if pk in k.CALL else "constructor")
            if (
                callee is not None
                and callee.start_byte == current.start_byte
                and callee.end_byte == current.end_byte
            ):
                return parent
            args = parent.child_by_field_name("arguments")
            if args is not None and string_is_attribute(current, args):
                return parent
            return None
        if pk in k.ASSIGNMENT:
            left = parent.child_by_field_name("left")
            if left is not None and left.start_byte == current.start_byte:
                return parent
            return None
        return None
    return None


def string_is_attribute(node: Node, args: Node) -> bool:
    """`el.setAttribute("src", url)`: the attribute name is the first argument."""
    first = args.named_child(0) if args.named_child_count else None
    return first is not None and first.start_byte == node.start_byte


def _expression_top(node: Node | None) -> Node | None:
    """The whole expression a decoding built-in is part of: calls, members, `+` chains."""
    if node is None or node.kind_id in k.COMMENT:
        return None
    current = node
    climbed = 0
    while current.parent is not None and climbed < 24:
        parent = current.parent
        pk = parent.kind_id
        if (
            (
                pk in k.MEMBER
                or pk in k.SUBSCRIPT
                or pk in k.CALL
                or pk in k.NEW
                or pk in k.PARENTHESIZED
            )
            or _is_plus(parent)
            or parent.type == "arguments"
        ):
            current = parent
        else:
            break
        climbed += 1
    if (
        current.kind_id not in k.CALL
        and current.kind_id not in k.BINARY
        and current.kind_id not in k.NEW
    ):
        return None
    return current


def _string_role(string: Node) -> str:
    """What a string literal is used as: a listener's event, a getContext type, a member key."""
    parent = string.parent
    if parent is None:
        return ""
    if parent.kind_id in k.SUBSCRIPT:
        return "key"
    if parent.type != "arguments":
        return ""
    call = parent.parent
    if call is None or call.kind_id not in k.CALL:
        return ""
    callee = call.child_by_field_name("function")
    if callee is None:
        return ""
    name = ""
    if callee.kind_id in k.MEMBER:
        prop = callee.child_by_field_name("property")
        name = prop.text.decode("utf-8", "replace") if prop is not None and prop.text else ""
    elif callee.kind_id in k.SUBSCRIPT:
        index_node = callee.child_by_field_name("index")
        if index_node is not None and index_node.kind_id in k.STRING and index_node.text:
            name = index_node.text.decode("utf-8", "replace")[1:-1]
    first = parent.named_child(0)
    if first is None or first.start_byte != string.start_byte:
        return ""
    if name in caps.LISTENER_METHODS:
        return "listener"
    if name == "getContext":
        return "context"
    return ""
