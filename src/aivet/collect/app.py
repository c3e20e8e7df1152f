"""Take in an APK or IPA: the app file itself becomes the evidence, stored by SHA-256.

This is the only part of an app audit that touches the outside world (the user's
file); everything after it reads the stored copy, so a re-analysis sees the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from aivet.app_record import AppLimits, AppSample
from aivet.evidence import EvidenceDir

MEDIA_TYPES = {
    ".apk": "application/vnd.android.package-archive",
    ".ipa": "application/octet-stream",
}


class AppFileError(ValueError):
    """The named file cannot be taken in (missing, a directory, unreadable, empty)."""


def ingest_app(path: Path, evidence: EvidenceDir, limits: AppLimits) -> AppSample:
    """Copy the app file into the evidence (streamed) and describe it."""
    taken_at = datetime.now(UTC).isoformat(timespec="seconds")
    if not path.exists():
        raise AppFileError(f"{path}: no such file")
    if not path.is_file():
        raise AppFileError(f"{path}: not a regular file")
    try:
        size = path.stat().st_size
        if size == 0:
            raise AppFileError(f"{path}: empty file")
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/zip")
        artifact = evidence.put_file(path, media_type, "app-file")
    except OSError as exc:
        raise AppFileError(f"{path}: {exc.strerror or exc}") from None
    return AppSample(
        file_name=path.name,
        sha256=artifact.sha256,
        size=artifact.size,
        media_type=media_type,
        taken_at=taken_at,
        limits=limits,
    )
