"""Writers of malformed and hostile ZIP archives, built byte by byte with struct.

Test data generators for the app archive reader: each function writes one archive
that breaks a rule the way real tampered APKs or zip bombs do, and returns its path.
`ZipWriter` lays out entries and directories by hand so that any field can lie.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

LOCAL = struct.Struct("<4sHHHHHIIIHH")
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
END = struct.Struct("<4sHHHHIIH")
ZIP64_END = struct.Struct("<4sQHHIIQQQQ")
ZIP64_LOCATOR = struct.Struct("<4sIQI")
STORED = 0
DEFLATED = 8
U32 = 0xFFFFFFFF


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def local_header(
    name: bytes, method: int, crc: int, compressed: int, uncompressed: int, flags: int = 0
) -> bytes:
    return (
        LOCAL.pack(
            b"PK\x03\x04", 20, flags, method, 0, 0, crc, compressed, uncompressed, len(name), 0
        )
        + name
    )


def central_header(
    name: bytes,
    method: int,
    crc: int,
    compressed: int,
    uncompressed: int,
    offset: int,
    flags: int = 0,
    extra: bytes = b"",
) -> bytes:
    fields = (b"PK\x01\x02", 20, 20, flags, method, 0, 0, crc, compressed, uncompressed)
    lengths = (len(name), len(extra), 0)
    return CENTRAL.pack(*fields, *lengths, 0, 0, 0, offset) + name + extra


def end_record(count: int, cd_size: int, cd_offset: int, comment: bytes = b"") -> bytes:
    return END.pack(b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, len(comment)) + comment


@dataclass
class Entry:
    """One entry as written; every field the reader trusts can be made to lie."""

    name: str
    data: bytes
    method: int = DEFLATED
    payload: bytes | None = None
    """The bytes written after the local header (default: `data`, compressed by method)."""
    declared_size: int | None = None
    """Uncompressed size in the headers (default: len(data))."""
    local_name: str | None = None
    crc: int | None = None
    flags: int = 0


class ZipWriter:
    """Entries, then the central directory, then the end record, all written by hand."""

    def __init__(self, prefix: bytes = b"") -> None:
        self.body = bytearray(prefix)
        self.central = bytearray()
        self.count = 0

    def add(self, entry: Entry) -> int:
        """Write the local header and data; add the central entry. Returns the header offset."""
        payload = entry.payload
        if payload is None:
            payload = deflate(entry.data) if entry.method == DEFLATED else entry.data
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        size = len(entry.data) if entry.declared_size is None else entry.declared_size
        offset = len(self.body)
        local = (entry.local_name or entry.name).encode()
        self.body += local_header(local, entry.method, crc, len(payload), size, entry.flags)
        self.body += payload
        self.add_central(entry.name, entry.method, crc, len(payload), size, offset, entry.flags)
        return offset

    def add_central(
        self,
        name: str,
        method: int,
        crc: int,
        compressed: int,
        uncompressed: int,
        offset: int,
        flags: int = 0,
    ) -> None:
        """A central entry only (pointing wherever the caller likes)."""
        self.central += central_header(
            name.encode(), method, crc, compressed, uncompressed, offset, flags
        )
        self.count += 1

    def build(self, comment: bytes = b"", count: int | None = None) -> bytes:
        cd_offset = len(self.body)
        declared = self.count if count is None else count
        return bytes(
            self.body + self.central + end_record(declared, len(self.central), cd_offset, comment)
        )

    def write(self, path: Path, comment: bytes = b"", count: int | None = None) -> Path:
        path.write_bytes(self.build(comment, count))
        return path


def plain(path: Path, files: dict[str, bytes] | None = None) -> Path:
    """A well-formed archive (deflated entries)."""
    writer = ZipWriter()
    for name, data in (files or {"a.txt": b"alpha " * 100, "b.txt": b"beta"}).items():
        writer.add(Entry(name, data))
    return writer.write(path)


def truncated(path: Path, source: bytes, keep: int) -> Path:
    """The first `keep` bytes of a good archive (a download cut short)."""
    path.write_bytes(source[:keep])
    return path


def bad_central_offset(path: Path) -> Path:
    """The end record points the central directory past the end of the file."""
    data = bytearray(plain(path).read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<I", data, end + 16, len(data) + 1000)
    path.write_bytes(bytes(data))
    return path


def comment_with_fake_end(path: Path) -> Path:
    """The archive comment holds a second, bogus end record signature."""
    writer = ZipWriter()
    writer.add(Entry("a.txt", b"alpha"))
    fake = end_record(9, 999, 12345)
    return writer.write(path, comment=b"garbage " + fake + b" more garbage")


def comment_too_long(path: Path) -> Path:
    """The end record's comment length claims more bytes than the file holds."""
    data = bytearray(plain(path).read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<H", data, end + 20, 500)
    path.write_bytes(bytes(data))
    return path


def polyglot(path: Path) -> Path:
    """Foreign bytes before the first entry and after the end record (a polyglot file)."""
    writer = ZipWriter(prefix=b"%PDF-1.4 not really a PDF\n")
    writer.add(Entry("a.txt", b"alpha"))
    path.write_bytes(writer.build() + b"trailing bytes after the end record")
    return path


def shared_local_header(path: Path) -> Path:
    """Two central entries pointing at the same local header (overlapping data)."""
    writer = ZipWriter()
    offset = writer.add(Entry("a.txt", b"alpha " * 50))
    payload = deflate(b"alpha " * 50)
    writer.add_central("b.txt", DEFLATED, zlib.crc32(b"alpha " * 50), len(payload), 300, offset)
    return writer.write(path)


def fifield_overlap(path: Path, files: int = 20, kernel_size: int = 1 << 20) -> Path:
    """David Fifield's overlapping zip bomb: every file's data quotes the next local header.

    Each file's deflate stream opens with a non-final stored block whose content is the
    next file's local header, as it lies in the archive, and then runs on into that
    file's data; so all files share one compressed kernel of `kernel_size` zeros and
    each inflates to the kernel plus the headers after it.
    """
    kernel = deflate(bytes(kernel_size))
    names = [f"{i:04d}.bin".encode() for i in range(files)]
    # Built from the last file backwards: a header holds the sizes and CRC of all after it.
    headers: list[bytes] = []
    compressed, output_crc, quoted = len(kernel), zlib.crc32(bytes(kernel_size)), 0
    central_fields: list[tuple[bytes, int, int, int]] = []
    for index in reversed(range(files)):
        uncompressed = quoted + kernel_size
        header = local_header(names[index], DEFLATED, output_crc, compressed, uncompressed)
        headers.insert(0, header)
        central_fields.insert(0, (names[index], output_crc, compressed, uncompressed))
        # The previous file's stream outputs this header, then everything this one does.
        output_crc = zlib.crc32(bytes(kernel_size), zlib.crc32(b"".join(headers)))
        quoted += len(header)
        compressed += 5 + len(header)
    body = bytearray()
    offsets: list[int] = []
    for index, header in enumerate(headers):
        offsets.append(len(body))
        body += header
        if index + 1 < files:
            # A non-final stored block (BFINAL=0, BTYPE=00) quoting the next header.
            following = len(headers[index + 1])
            body += b"\x00" + struct.pack("<HH", following, following ^ 0xFFFF)
    body += kernel
    central = bytearray()
    for (name, crc, size_compressed, size), offset in zip(central_fields, offsets, strict=True):
        central += central_header(name, DEFLATED, crc, size_compressed, size, offset)
    path.write_bytes(bytes(body + central) + end_record(files, len(central), len(body)))
    return path


def zero_bomb(path: Path, size: int = 1 << 30, declared_size: int | None = None) -> Path:
    """One entry of `size` zeros, deflated as it streams to disk (about 1 KiB per MiB).

    After a full flush the compressor forgets its window, so every further MiB of zeros
    compresses to the same bytes: those are written repeatedly rather than recomputed.
    """
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.flush()
    chunks = size >> 20
    compressed = len(first) + len(repeat) * (chunks - 2) + len(last)
    crc = 0
    for _ in range(chunks):
        crc = zlib.crc32(chunk, crc)
    name = b"bomb.bin"
    declared = size if declared_size is None else declared_size
    with path.open("wb") as out:
        out.write(local_header(name, DEFLATED, crc, compressed, declared))
        out.write(first)
        for _ in range(chunks - 2):
            out.write(repeat)
        out.write(repeat if chunks > 1 else b"")
        out.write(last)
        cd_offset = out.tell()
        central = central_header(name, DEFLATED, crc, compressed, declared, 0)
        out.write(central)
        out.write(end_record(1, len(central), cd_offset))
    return path


def unknown_method(path: Path) -> Path:
    """Entries whose method is neither stored nor deflate (the "tampered compression" trick):
    one holding stored bytes, one holding a deflate stream."""
    writer = ZipWriter()
    writer.add(Entry("stored.txt", b"stored under method 99", method=99))
    data = b"deflated under method 12 " * 20
    writer.add(Entry("deflated.txt", data, method=12, payload=deflate(data)))
    return writer.write(path)


def duplicate_names(path: Path) -> Path:
    writer = ZipWriter()
    writer.add(Entry("AndroidManifest.xml", b"first copy"))
    writer.add(Entry("AndroidManifest.xml", b"second copy"))
    return writer.write(path)


def local_name_mismatch(path: Path) -> Path:
    writer = ZipWriter()
    writer.add(Entry("classes.dex", b"dex bytes", local_name="innocent.txt"))
    return writer.write(path)


def huge_entry_count(path: Path) -> Path:
    """The end record declares 65,535 entries; the directory holds one."""
    writer = ZipWriter()
    writer.add(Entry("a.txt", b"alpha"))
    return writer.write(path, count=0xFFFF - 1)


def encrypted(path: Path) -> Path:
    writer = ZipWriter()
    writer.add(Entry("secret.txt", b"ciphertext", method=STORED, flags=0x0001))
    return writer.write(path)


def crc_mismatch(path: Path) -> Path:
    writer = ZipWriter()
    writer.add(Entry("a.txt", b"alpha", crc=0x12345678))
    return writer.write(path)


def lying_size(path: Path) -> Path:
    """An entry that inflates to more than its declared size."""
    writer = ZipWriter()
    writer.add(Entry("a.txt", b"x" * 10_000, declared_size=100))
    return writer.write(path)


def outside_file(path: Path) -> Path:
    """A central entry whose local header offset lies past the end of the file, and one
    whose data runs past it."""
    writer = ZipWriter()
    writer.add(Entry("good.txt", b"good"))
    writer.add_central("ghost.txt", STORED, 0, 10, 10, 10_000_000)
    writer.add(Entry("long.txt", b"long", method=STORED))
    data = bytearray(writer.build())
    # Make long.txt's central entry claim 1 MB of compressed data.
    at = data.rfind(b"long.txt") - CENTRAL.size
    struct.pack_into("<II", data, at + 20, 1_000_000, 1_000_000)
    path.write_bytes(bytes(data))
    return path


def zip64(path: Path) -> Path:
    """A ZIP64 archive: sizes and offset in the extra field, ZIP64 end record and locator."""
    data = b"zip64 entry data"
    name = b"big.txt"
    body = local_header(name, STORED, zlib.crc32(data), len(data), len(data)) + data
    extra_values = struct.pack("<QQQ", len(data), len(data), 0)
    extra = struct.pack("<HH", 0x0001, len(extra_values)) + extra_values
    central = central_header(name, STORED, zlib.crc32(data), U32, U32, U32, extra=extra)
    cd_offset = len(body)
    record_at = cd_offset + len(central)
    record = ZIP64_END.pack(
        b"PK\x06\x06", ZIP64_END.size - 12, 45, 45, 0, 0, 1, 1, len(central), cd_offset
    )
    locator = ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, record_at, 1)
    end = END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, U32, U32, 0)
    path.write_bytes(body + central + record + locator + end)
    return path
