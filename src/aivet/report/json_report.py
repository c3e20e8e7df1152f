"""The audit JSON: the stable, versioned contract, written, read back and validated.

The layout is `to_jsonable(Audit)`, key order as in the dataclasses, and is
described by the packaged `schema/audit.schema.json`.
"""

from __future__ import annotations

import functools
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from aivet.model import SCHEMA_VERSION, Audit
from aivet.serde import from_jsonable, to_jsonable

_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_MAX_MESSAGE = 160


def audit_to_dict(audit: Audit) -> dict[str, Any]:
    """The JSON-ready form of an audit (plain dicts and lists, dataclass field order)."""
    result: dict[str, Any] = to_jsonable(audit)
    return result


def audit_to_json(audit: Audit) -> str:
    return json.dumps(audit_to_dict(audit), indent=2, ensure_ascii=False) + "\n"


def write_audit_json(audit: Audit, path: Path) -> None:
    """Write the audit as UTF-8 JSON, via a temporary name so that a crash leaves no half file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(audit_to_json(audit), encoding="utf-8")
    os.replace(tmp, path)


@functools.cache
def audit_schema() -> dict[str, Any]:
    """The packaged JSON Schema of the audit contract."""
    text = resources.files("aivet").joinpath("schema", "audit.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator(tolerate_unknown_fields: bool) -> Validator:
    schema = audit_schema()
    if tolerate_unknown_fields:
        schema = _without_closed_objects(schema)
    return jsonschema.Draft202012Validator(schema)


def _without_closed_objects(node: Any) -> Any:
    """The schema with every `additionalProperties: false` dropped (for newer minor versions)."""
    if isinstance(node, dict):
        return {
            key: _without_closed_objects(value)
            for key, value in node.items()
            if not (key == "additionalProperties" and value is False)
        }
    if isinstance(node, list):
        return [_without_closed_objects(item) for item in node]
    return node


def validate_audit_dict(data: Any) -> None:
    """Raise ValueError naming the first failing JSON path when `data` does not match the schema."""
    _validate(data, tolerate_unknown_fields=False)


def _validate(data: Any, *, tolerate_unknown_fields: bool) -> None:
    error = best_match(_validator(tolerate_unknown_fields).iter_errors(data))
    if error is None:
        return
    message = " ".join(error.message.split())
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    raise ValueError(f"invalid audit at {error.json_path}: {message}")


def _schema_version(data: Any) -> tuple[int, int]:
    if not isinstance(data, dict) or "schema_version" not in data or "audit_id" not in data:
        raise ValueError("not an aivet audit (no schema_version or audit_id)")
    match = _VERSION.match(str(data["schema_version"]))
    if match is None:
        raise ValueError(f"not an aivet audit (schema_version {data['schema_version']!r})")
    return int(match.group(1)), int(match.group(2))


def audit_from_dict(data: Any) -> Audit:
    """Check the version and the schema, then rebuild the Audit; ValueError on any mismatch."""
    major, minor = _schema_version(data)
    our_major, our_minor = (int(part) for part in SCHEMA_VERSION.split("."))
    if major != our_major:
        raise ValueError(
            f"audit schema version {major}.{minor} is not supported "
            f"(this aivet reads {our_major}.x)"
        )
    # A newer minor version only adds fields: check what we know, ignore the rest.
    _validate(data, tolerate_unknown_fields=minor > our_minor)
    return from_jsonable(Audit, data)


def load_audit(path: Path) -> Audit:
    """Read an audit JSON file; ValueError with one line naming the file on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not an aivet audit (not UTF-8 text)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not an aivet audit (not JSON: {exc.msg} at line {exc.lineno})"
        ) from None
    try:
        return audit_from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
