"""The analyzer's result records; defined in `aivet.script_record` (an audit embeds them)."""

from aivet.script_record import (
    OBFUSCATED_SCORE,
    SINKS,
    Capability,
    CapabilityHit,
    Confidence,
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
    "OBFUSCATED_SCORE",
    "SINKS",
    "Capability",
    "CapabilityHit",
    "Confidence",
    "DecodedString",
    "Decoder",
    "Endpoint",
    "Excerpt",
    "Highlight",
    "JsLimits",
    "Location",
    "ObfuscationSignal",
    "ScriptAnalysis",
]
