"""Static JavaScript analysis: decode obfuscated scripts, report the endpoints and capabilities
they hide.

    analysis = analyze_script(source, url=url, sha256=digest, intel=intel)
    findings = script_findings([analysis], session, intel)

Pure: no network, no browser, never the page's code run in Python. Decoders
that can only be understood by running them run alone in a QuickJS sandbox
with time and memory limits. See docs/js-analysis.md.
"""

from aivet.analyze.js.analyzer import analyze_script
from aivet.analyze.js.findings import script_findings
from aivet.script_record import (
    Capability,
    CapabilityHit,
    DecodedString,
    Decoder,
    Endpoint,
    Excerpt,
    Highlight,
    JsLimits,
    Location,
    ObfuscationSignal,
    ScriptAnalysis,
)

__all__ = [
    "Capability",
    "CapabilityHit",
    "DecodedString",
    "Decoder",
    "Endpoint",
    "Excerpt",
    "Highlight",
    "JsLimits",
    "Location",
    "ObfuscationSignal",
    "ScriptAnalysis",
    "analyze_script",
    "script_findings",
]
