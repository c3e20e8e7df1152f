"""A hardened ZIP reader for APK and IPA files: bounded memory and time on hostile archives.

An app under audit may be built to break analysers (zip bombs, overlapping entries,
tampered headers) while still installing on a phone. So this reader follows the
installer's choices where they differ from the ZIP specification, reads nothing it
has not bounded first, and records each oddity in the `ArchiveReport` instead of
raising. Only an archive that cannot be read at all raises `ArchiveError`.

Android's choices followed here (libziparchive, the code the package installer uses):

- Offsets are absolute file offsets; the central directory values are authoritative
  and the local header is only used to find where the data starts.
- A compression method other than stored (0) or deflated (8) does not stop
  installation (Android 9 and later): such entries are read the way apkInspector
  reads them, as stored when the sizes agree, else as deflate if the data is a
  complete deflate stream, else as stored.
- Duplicate names make libziparchive refuse the whole archive (kDuplicateEntry, the
  fix for the "Master Key" bug CVE-2013-4787). An archive with duplicates therefore
  does not install on a current device, but older devices and other readers may use
  either copy; this reader keeps the *last* one, as apkInspector, Python's zipfile
  and Java's `java.util.zip.ZipFile` hash map (the Master Key verifier side) do, and
  names the duplicate in the anomalies.
- CRC mismatches are recorded, the data kept: what matters to an audit is what the
  bytes say, and some Android paths (resources mapped straight from stored entries)
  never check the CRC.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from aivet.app_record import AppLimits, ArchiveReport

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
_U16 = 0xFFFF
_U32 = 0xFFFFFFFF
_STORED = 0
_DEFLATED = 8
_FLAG_ENCRYPTED = 0x0001
_FLAG_UTF8 = 0x0800
_CHUNK = 64 * 1024
_RATIO_FLOOR = 1024 * 1024
"""The ratio limit only applies past 1 MiB: small, highly compressible files are normal."""
_MAX_SKIP_NOTES = 1000
"""A crafted archive can have 200,000 bad entries; the report names the first ones."""


class ArchiveError(ValueError):
    """The archive cannot be read at all: not a ZIP, no central directory, empty."""


@dataclass(frozen=True)
class EntryInfo:
    name: str
    compressed_size: int
    uncompressed_size: int
    """As declared by the central directory (the entry may inflate to something else)."""
    method: int
    header_offset: int
    data_offset: int
    """Where the entry's data starts, after its local header (0 when there is none)."""


@dataclass
class _Entry:
    info: EntryInfo
    flags: int
    crc: int
    problem: str | None = None
    """Why the entry cannot be read at all (found while opening)."""


class AppArchive:
    """An open APK or IPA: its central directory read and checked, entries read on demand."""

    def __init__(self, handle: BinaryIO, size: int, limits: AppLimits) -> None:
        self._file = handle
        self._size = size
        self._limits = limits
        self._entries: dict[str, _Entry] = {}
        self._all: list[_Entry] = []
        self._anomalies: list[str] = []
        self._skipped: list[str] = []
        self._skipped_names: set[str] = set()
        self._total_read = 0
        self._central_offset = 0
        self._eocd_offset = 0
        self.names: list[str] = []
        """Entry names in central-directory order (a duplicated name at its first place)."""

    @classmethod
    def open(cls, path: Path, limits: AppLimits) -> AppArchive:
        handle = path.open("rb")
        try:
            archive = cls(handle, path.stat().st_size, limits)
            archive._load()
        except BaseException:
            handle.close()
            raise
        return archive

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> AppArchive:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def central_directory_offset(self) -> int:
        """Where the central directory starts: the APK Signing Block ends just before it."""
        return self._central_offset

    @property
    def end_record_offset(self) -> int:
        return self._eocd_offset

    def info(self, name: str) -> EntryInfo | None:
        entry = self._entries.get(name)
        return entry.info if entry else None

    def report(self) -> ArchiveReport:
        return ArchiveReport(
            format="zip",
            entries=len(self._all),
            compressed_bytes=sum(e.info.compressed_size for e in self._all),
            uncompressed_bytes=sum(e.info.uncompressed_size for e in self._all),
            anomalies=list(self._anomalies),
            skipped=list(self._skipped),
        )

    # -- reading entries ---------------------------------------------------------

    def read(self, name: str, *, max_bytes: int | None = None) -> bytes | None:
        """The entry's uncompressed bytes, or None when it was not read.

        A name not in the archive gives None and no note; any other None comes with
        its reason in `report().skipped`. Nothing here raises for a bad entry.
        """
        entry = self._entries.get(name)
        if entry is None or entry.problem is not None:
            return None
        try:
            data = self._read_entry(entry, max_bytes)
        except _Unreadable as why:
            if name not in self._skipped_names:
                self._skipped_names.add(name)
                self._note_skipped(f"{name}: {why}")
            return None
        self._total_read += len(data)
        return data

    def _read_entry(self, entry: _Entry, max_bytes: int | None) -> bytes:
        info = entry.info
        if entry.flags & _FLAG_ENCRYPTED:
            raise _Unreadable("encrypted")
        limit, what = self._limits.max_entry_bytes, "max_entry_bytes"
        if max_bytes is not None and max_bytes < limit:
            limit, what = max_bytes, "the caller's limit"
        if info.uncompressed_size > limit:
            raise _Unreadable(
                f"exceeds {what}: declares {info.uncompressed_size} bytes (limit {limit})"
            )
        if info.uncompressed_size > self._limits.max_total_bytes - self._total_read:
            raise _Unreadable(
                f"exceeds max_total_bytes: {self._total_read} bytes already read, "
                f"entry declares {info.uncompressed_size}"
            )
        if (
            info.uncompressed_size > _RATIO_FLOOR
            and info.uncompressed_size > self._limits.max_ratio * max(info.compressed_size, 1)
        ):
            raise _Unreadable(self._ratio_note(info.uncompressed_size, info.compressed_size))
        # A declared size is a claim: stop one byte past it to see whether it lies.
        cap = info.uncompressed_size + 1
        if info.method == _STORED:
            data = self._read_stored(info, cap)
        elif info.method == _DEFLATED:
            data = self._inflate(info, cap)
        else:
            data = self._read_unknown_method(info, cap)
        if len(data) > info.uncompressed_size:
            self._anomalies.append(
                f"{info.name}: data is longer than its declared size {info.uncompressed_size} "
                "(read up to the declared size)"
            )
            return data[: info.uncompressed_size]
        if zlib.crc32(data) != entry.crc:
            self._anomalies.append(
                f"{info.name}: CRC mismatch (declared {entry.crc:08x}, data {zlib.crc32(data):08x})"
            )
        return data

    def _ratio_note(self, uncompressed: int, compressed: int) -> str:
        return (
            f"exceeds max_ratio {self._limits.max_ratio:g}: {uncompressed} bytes from "
            f"{compressed} compressed (zip bomb?)"
        )

    def _note_skipped(self, note: str) -> None:
        if len(self._skipped) < _MAX_SKIP_NOTES:
            self._skipped.append(note)
        elif len(self._skipped) == _MAX_SKIP_NOTES:
            self._skipped.append("… more skipped entries not listed")

    def _chunks(self, info: EntryInfo) -> Iterator[bytes]:
        """The entry's compressed bytes, 64 KiB at a time (bounds checked at open)."""
        self._file.seek(info.data_offset)
        left = info.compressed_size
        while left > 0:
            chunk = self._file.read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk

    def _read_stored(self, info: EntryInfo, cap: int) -> bytes:
        if info.compressed_size != info.uncompressed_size:
            self._anomalies.append(
                f"{info.name}: stored entry declares {info.compressed_size} compressed and "
                f"{info.uncompressed_size} uncompressed bytes"
            )
        wanted = min(info.compressed_size, cap)
        self._file.seek(info.data_offset)
        data = self._file.read(wanted)
        if len(data) != wanted:
            raise _Unreadable("file shorter than its headers say")
        return data

    def _inflate(self, info: EntryInfo, cap: int) -> bytes:
        """Raw deflate, streamed: never more than `cap` bytes out, ratio checked as it goes."""
        inflater = zlib.decompressobj(-15)
        out = bytearray()
        consumed = 0
        try:
            for chunk in self._chunks(info):
                consumed += len(chunk)
                pending = chunk
                while pending and not inflater.eof:
                    # At most 1 MiB per call, so the ratio is checked before a bomb grows.
                    out += inflater.decompress(pending, min(cap - len(out), _RATIO_FLOOR))
                    pending = inflater.unconsumed_tail
                    if len(out) >= cap:
                        return bytes(out)
                    used = consumed - len(pending)
                    if len(out) > _RATIO_FLOOR and len(out) > self._limits.max_ratio * used:
                        raise _Unreadable(self._ratio_note(len(out), used))
                if inflater.eof:
                    break
            out += inflater.flush()
        except zlib.error as error:
            raise _Unreadable(f"corrupt deflate data ({error})") from error
        if not inflater.eof:
            raise _Unreadable("deflate stream ends before its end marker")
        return bytes(out[:cap])

    def _read_unknown_method(self, info: EntryInfo, cap: int) -> bytes:
        """Android installs entries with an unknown method; read them the way it can."""
        if info.compressed_size == info.uncompressed_size:
            how = "read as stored"
            data = self._read_stored(info, cap)
        else:
            try:
                data = self._inflate(info, cap)
                how = "read as deflate"
            except _Unreadable:
                how = "read as stored"
                self._file.seek(info.data_offset)
                wanted = min(info.uncompressed_size, cap, self._size - info.data_offset)
                data = self._file.read(wanted)
        self._anomalies.append(
            f"{info.name}: unknown compression method {info.method} "
            f"(tampered header to break analysers; {how}, as Android does)"
        )
        return data

    # -- opening -----------------------------------------------------------------

    def _load(self) -> None:
        if self._size == 0:
            raise ArchiveError("empty file")
        if self._size < _EOCD.size:
            raise ArchiveError(f"not a ZIP archive: {self._size} bytes")
        count, cd_size, cd_offset = self._find_end_record()
        self._read_central_directory(count, cd_size, cd_offset)
        if not self._all:
            raise ArchiveError("central directory holds no readable entry")
        self._check_local_headers()
        self._check_overlaps()
        self.names = list(self._entries)

    def _find_end_record(self) -> tuple[int, int, int]:
        """(declared entry count, central directory size, offset) from the end records.

        The record is the last "PK\\5\\6" in the final 64 KiB + 22 bytes whose comment
        fits the file and whose central directory starts with an entry: a comment
        can hold a decoy record, which is noted and passed over.
        """
        tail_start = max(0, self._size - _MAX_COMMENT - _EOCD.size)
        self._file.seek(tail_start)
        tail = self._file.read(self._size - tail_start)
        first_error: ArchiveError | None = None
        at = len(tail)
        while (at := tail.rfind(_EOCD_SIGNATURE, 0, at)) >= 0:
            try:
                found = self._end_record_at(tail, tail_start, at)
            except ArchiveError as error:
                first_error = first_error or error
                continue
            if first_error is not None:
                self._anomalies.append(
                    f"a decoy end of central directory record after the real one ({first_error})"
                )
            return found
        raise first_error or ArchiveError("not a ZIP archive: no end of central directory record")

    def _end_record_at(self, tail: bytes, tail_start: int, at: int) -> tuple[int, int, int]:
        if len(tail) - at < _EOCD.size:
            raise ArchiveError("end of central directory record cut short")
        _, disk, cd_disk, _, count, cd_size, cd_offset, comment_length = _EOCD.unpack_from(tail, at)
        trailing = len(tail) - (at + _EOCD.size + comment_length)
        if trailing < 0:
            raise ArchiveError(
                f"end record's comment ({comment_length} bytes) runs past the end of the file"
            )
        notes: list[str] = []
        self._eocd_offset = tail_start + at
        if trailing:
            notes.append(f"{trailing} bytes after the end of central directory record")
        if disk or cd_disk:
            notes.append(
                f"end record names disk {disk} (central directory on disk {cd_disk}): "
                "multi-disk archives are not installable"
            )
        cd_end = self._eocd_offset
        zip64 = self._zip64_end_record(notes)
        if zip64 is not None:
            count, cd_size, cd_offset, cd_end = zip64
        elif _U32 in (cd_size, cd_offset) or count == _U16:
            notes.append("end record has ZIP64 markers but no ZIP64 end record")
        if cd_offset > cd_end or cd_size > cd_end - cd_offset:
            raise ArchiveError(
                f"bad central directory: offset {cd_offset} + size {cd_size} "
                f"runs past its end record at {cd_end}"
            )
        self._file.seek(cd_offset)
        if cd_size and self._file.read(4) != _CENTRAL_SIGNATURE:
            raise ArchiveError(f"bad central directory: no entry at offset {cd_offset}")
        gap = cd_end - (cd_offset + cd_size)
        if gap:
            notes.append(f"{gap} bytes between the central directory and its end record")
        self._anomalies += notes
        self._central_offset = cd_offset
        return count, cd_size, cd_offset

    def _zip64_end_record(self, notes: list[str]) -> tuple[int, int, int, int] | None:
        """(count, size, offset, record offset) from a ZIP64 end record, if there is one."""
        locator_at = self._eocd_offset - _ZIP64_LOCATOR.size
        if locator_at < 0:
            return None
        self._file.seek(locator_at)
        locator = self._file.read(_ZIP64_LOCATOR.size)
        signature, _, record_at, _ = _ZIP64_LOCATOR.unpack(locator)
        if signature != _ZIP64_LOCATOR_SIGNATURE:
            return None
        if record_at > locator_at - _ZIP64_EOCD.size:
            notes.append(f"ZIP64 locator points outside the file ({record_at})")
            return None
        self._file.seek(record_at)
        fields = _ZIP64_EOCD.unpack(self._file.read(_ZIP64_EOCD.size))
        if fields[0] != _ZIP64_EOCD_SIGNATURE:
            notes.append(f"no ZIP64 end record at {record_at}")
            return None
        return fields[7], fields[8], fields[9], record_at

    def _read_central_directory(self, count: int, cd_size: int, cd_offset: int) -> None:
        # Walk the bytes the directory occupies, not the declared count: a count that
        # cannot fit in cd_size is a lie (and must not size any allocation).
        self._file.seek(cd_offset)
        position, end = cd_offset, cd_offset + cd_size
        complete = True
        while position + _CENTRAL.size <= end:
            if len(self._all) >= self._limits.max_entries:
                self._note_skipped(
                    f"central directory: entries past max_entries {self._limits.max_entries} "
                    "not read"
                )
                return
            header = self._file.read(_CENTRAL.size)
            (
                signature, _, _, flags, method, _, _, crc, compressed, uncompressed,
                name_length, extra_length, comment_length, _, _, _, header_offset,
            ) = _CENTRAL.unpack(header)  # fmt: skip
            if signature != _CENTRAL_SIGNATURE:
                self._anomalies.append(
                    f"central directory entry {len(self._all)} has a bad signature at "
                    f"{position}: the rest of the directory is not read"
                )
                complete = False
                break
            variable = name_length + extra_length + comment_length
            if position + _CENTRAL.size + variable > end:
                self._anomalies.append(
                    f"central directory entry {len(self._all)} runs past the directory's end"
                )
                complete = False
                break
            raw_name = self._file.read(name_length)
            extra = self._file.read(extra_length)
            self._file.seek(comment_length, 1)
            position += _CENTRAL.size + variable
            self._add_entry(
                _decode_name(raw_name, flags),
                flags,
                method,
                crc,
                extra,
                (uncompressed, compressed, header_offset),
            )
        if complete and position < end:
            self._anomalies.append(
                f"central directory: {end - position} bytes after its last entry"
            )
        if count != len(self._all):
            self._anomalies.append(
                f"end record declares {count} entries; the central directory holds {len(self._all)}"
            )

    def _add_entry(
        self,
        name: str,
        flags: int,
        method: int,
        crc: int,
        extra: bytes,
        sizes: tuple[int, int, int],
    ) -> None:
        uncompressed, compressed, header_offset = self._zip64_sizes(name, extra, *sizes)
        entry = _Entry(
            EntryInfo(name, compressed, uncompressed, method, header_offset, 0), flags, crc
        )
        self._all.append(entry)
        if name in self._entries:
            self._anomalies.append(
                f"duplicate entry name {name!r}: Android refuses such an archive "
                "(Master Key, CVE-2013-4787); other readers differ, the last copy is read"
            )
            self._entries[name].problem = "duplicate name: a later copy is read"
        self._entries[name] = entry
        if name.startswith("/") or "\\" in name or ".." in name.split("/"):
            self._anomalies.append(f"unsafe entry name {name!r} (path traversal)")

    def _zip64_sizes(
        self, name: str, extra: bytes, uncompressed: int, compressed: int, offset: int
    ) -> tuple[int, int, int]:
        """Replace 0xFFFFFFFF fields with their ZIP64 extra field values, in spec order."""
        if _U32 not in (uncompressed, compressed, offset):
            return uncompressed, compressed, offset
        at = 0
        while at + 4 <= len(extra):
            tag, length = struct.unpack_from("<HH", extra, at)
            body = extra[at + 4 : at + 4 + length]
            at += 4 + length
            if tag != 0x0001:
                continue
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            fields = [uncompressed, compressed, offset]
            for index, value in enumerate(fields):
                if value == _U32 and values:
                    fields[index] = values.pop(0)
            return fields[0], fields[1], fields[2]
        self._anomalies.append(f"{name}: ZIP64 sizes without a ZIP64 extra field")
        return uncompressed, compressed, offset

    def _check_local_headers(self) -> None:
        for entry in self._all:
            info = entry.info
            if entry.problem is not None:
                continue
            if info.header_offset + _LOCAL.size > self._size:
                self._fail(entry, f"local header offset {info.header_offset} is outside the file")
                continue
            self._file.seek(info.header_offset)
            fields = _LOCAL.unpack(self._file.read(_LOCAL.size))
            signature, _, flags, method, _, _, _, _, _, name_length, extra_length = fields
            if signature != _LOCAL_SIGNATURE:
                self._fail(entry, f"no local header at offset {info.header_offset}")
                continue
            local_name = _decode_name(self._file.read(name_length), flags)
            data_offset = info.header_offset + _LOCAL.size + name_length + extra_length
            entry.info = EntryInfo(
                info.name,
                info.compressed_size,
                info.uncompressed_size,
                info.method,
                info.header_offset,
                data_offset,
            )
            if local_name != info.name:
                self._anomalies.append(
                    f"{info.name}: local header name differs ({local_name!r}): "
                    "tampered to mislead tools that read local headers"
                )
            if method != info.method:
                self._anomalies.append(
                    f"{info.name}: local header compression method {method} differs from "
                    f"the central directory's {info.method} (the central one is used)"
                )
            if data_offset + info.compressed_size > self._size:
                self._fail(
                    entry,
                    f"data ({info.compressed_size} bytes at {data_offset}) runs past the end "
                    f"of the file ({self._size} bytes)",
                )

    def _check_overlaps(self) -> None:
        """Overlapping entries (Fifield's overlap zip bombs, shared local headers)."""
        placed = sorted(
            (e for e in self._all if e.problem is None),
            key=lambda e: e.info.header_offset,
        )
        covered_to = 0
        covered_by = ""
        for entry in placed:
            info = entry.info
            end = info.data_offset + info.compressed_size
            if info.header_offset < covered_to:
                self._anomalies.append(
                    f"{info.name}: overlaps {covered_by!r} (overlapping entries: zip bomb or "
                    "tampering)"
                )
                self._fail(entry, f"overlaps {covered_by!r}")
                continue
            if end > self._central_offset and info.header_offset < self._central_offset:
                self._anomalies.append(f"{info.name}: data runs into the central directory")
            covered_to, covered_by = end, info.name
        first = placed[0].info.header_offset if placed else 0
        self._file.seek(0)
        # Android's build tools (zipflinger) pad with unnamed local entries that no
        # central entry names; a prefix that is not a local header is foreign data.
        if first > 0 and self._file.read(4) != _LOCAL_SIGNATURE:
            self._anomalies.append(
                f"{first} bytes before the first entry (prepended data: a polyglot file?)"
            )

    def _fail(self, entry: _Entry, why: str) -> None:
        entry.problem = why
        name = entry.info.name
        if self._entries.get(name) is entry and name not in self._skipped_names:
            self._skipped_names.add(name)
            self._note_skipped(f"{name}: {why}")


class _Unreadable(Exception):
    """An entry's data cannot be decoded; the message becomes its `skipped` note."""


def _decode_name(raw: bytes, flags: int) -> str:
    # APK tools write UTF-8 without always setting bit 11; Android reads names as
    # bytes, so UTF-8 is tried first and cp437 (the ZIP default) is the fallback.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", errors="replace")
