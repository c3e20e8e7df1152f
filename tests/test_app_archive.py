"""The hardened ZIP reader on a real APK and on malformed, truncated and hostile archives.

Every hostile archive must end fast in an `ArchiveError` or in a report whose
anomalies and skipped notes say what was wrong; none may hang or read a bomb whole.
"""

from __future__ import annotations

import importlib.resources
import time
import zipfile
from pathlib import Path

import pytest

from aivet.analyze.app.archive import AppArchive, ArchiveError
from aivet.app_record import AppLimits
from tests.support import bad_zips

LIMITS = AppLimits()


def real_apk() -> Path:
    return Path(str(importlib.resources.files("uiautomator2") / "assets/app-uiautomator.apk"))


def contents(path: Path, limits: AppLimits = LIMITS) -> tuple[dict[str, bytes | None], AppArchive]:
    with AppArchive.open(path, limits) as archive:
        return {name: archive.read(name) for name in archive.names}, archive


def test_real_apk_reads_as_zipfile_does() -> None:
    path = real_apk()
    read, archive = contents(path)
    with zipfile.ZipFile(path) as reference:
        expected = {info.filename: reference.read(info) for info in reference.infolist()}
    assert read == expected
    report = archive.report()
    assert report.entries == len(expected) > 400
    assert report.anomalies == [] and report.skipped == []
    assert report.uncompressed_bytes == sum(len(data) for data in expected.values())
    info = archive.info("AndroidManifest.xml")
    assert info is not None and info.method in (0, 8) and info.data_offset > info.header_offset
    assert archive.info("missing") is None
    assert 0 < archive.central_directory_offset < archive.end_record_offset


def test_closes_its_file(tmp_path: Path) -> None:
    path = bad_zips.plain(tmp_path / "a.zip")
    with AppArchive.open(path, LIMITS) as archive:
        assert archive.read("a.txt") == b"alpha " * 100
    with pytest.raises(ValueError, match="closed file"):
        archive.read("b.txt")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"PK\x03\x04 short", "not a ZIP archive: 10 bytes"),
        (b"%PDF-1.4\n" + bytes(5000), "no end of central directory record"),
    ],
)
def test_not_a_zip(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.apk"
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match=message):
        AppArchive.open(path, LIMITS)


def test_truncated_archives_are_refused(tmp_path: Path) -> None:
    good = bad_zips.plain(tmp_path / "good.zip").read_bytes()
    central = good.rfind(b"PK\x01\x02")
    end = good.rfind(b"PK\x05\x06")
    for keep in (4, 30, central - 10, central + 20, end - 5, end + 10):
        path = bad_zips.truncated(tmp_path / f"cut{keep}.zip", good, keep)
        with pytest.raises(ArchiveError, match=r"not a ZIP archive|end record|cut short"):
            AppArchive.open(path, LIMITS)


def test_central_directory_cut_inside_is_a_clear_error(tmp_path: Path) -> None:
    """The end record survives but names a directory that is no longer all there."""
    good = bad_zips.plain(tmp_path / "good.zip").read_bytes()
    central = good.rfind(b"PK\x01\x02")
    end = good.rfind(b"PK\x05\x06")
    path = tmp_path / "cut.zip"
    path.write_bytes(good[: central + 10] + good[end:])
    with pytest.raises(ArchiveError, match=r"bad central directory: offset .* runs past"):
        AppArchive.open(path, LIMITS)


def test_bad_central_directory_offset(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="bad central directory: offset"):
        AppArchive.open(bad_zips.bad_central_offset(tmp_path / "x.zip"), LIMITS)


def test_comment_longer_than_the_file(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match=r"comment .* runs past the end of the file"):
        AppArchive.open(bad_zips.comment_too_long(tmp_path / "x.zip"), LIMITS)


def test_decoy_end_record_in_the_comment(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.comment_with_fake_end(tmp_path / "x.zip"))
    assert read == {"a.txt": b"alpha"}
    assert any(a.startswith("a decoy end of central directory") for a in archive.report().anomalies)


def test_polyglot_prefix_and_trailing_bytes(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.polyglot(tmp_path / "x.zip"))
    assert read == {"a.txt": b"alpha"}
    assert archive.report().anomalies == [
        "35 bytes after the end of central directory record",
        "26 bytes before the first entry (prepended data: a polyglot file?)",
    ]


def test_shared_local_header_is_an_overlap(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.shared_local_header(tmp_path / "x.zip"))
    assert read == {"a.txt": b"alpha " * 50, "b.txt": None}
    report = archive.report()
    assert "b.txt: overlaps 'a.txt' (overlapping entries: zip bomb or tampering)" in (
        report.anomalies
    )
    assert report.skipped == ["b.txt: overlaps 'a.txt'"]


def test_fifield_overlap_bomb_is_bounded(tmp_path: Path) -> None:
    path = bad_zips.fifield_overlap(tmp_path / "x.zip", files=50)
    started = time.monotonic()
    read, archive = contents(path)
    assert time.monotonic() - started < 2
    assert all(data is None for data in read.values())
    report = archive.report()
    overlaps = [a for a in report.anomalies if "overlapping entries" in a]
    assert len(overlaps) == 49
    assert report.skipped[-1].startswith("0000.bin: exceeds max_ratio 200:")


def test_fifield_kernel_is_read_when_small(tmp_path: Path) -> None:
    """Under the ratio limit the first file reads in full and the others stay skipped."""
    path = bad_zips.fifield_overlap(tmp_path / "x.zip", files=3, kernel_size=1000)
    read, archive = contents(path)
    with zipfile.ZipFile(path) as reference:
        assert read["0000.bin"] == reference.read("0000.bin")
    assert read["0001.bin"] is None and read["0002.bin"] is None
    assert not any("CRC" in a for a in archive.report().anomalies)


def test_zip_bomb_with_lying_size_stops_at_the_declared_size(tmp_path: Path) -> None:
    path = bad_zips.zero_bomb(tmp_path / "bomb.zip", declared_size=1000)
    assert path.stat().st_size < 2 * 1024 * 1024
    started = time.monotonic()
    read, archive = contents(path)
    assert time.monotonic() - started < 1
    assert read == {"bomb.bin": bytes(1000)}
    assert archive.report().anomalies == [
        "bomb.bin: data is longer than its declared size 1000 (read up to the declared size)"
    ]


def test_zip_bomb_declared_under_the_cap_is_stopped_by_ratio(tmp_path: Path) -> None:
    path = bad_zips.zero_bomb(tmp_path / "bomb.zip", declared_size=100 * 1024 * 1024)
    started = time.monotonic()
    read, archive = contents(path)
    assert time.monotonic() - started < 1
    assert read == {"bomb.bin": None}
    (note,) = archive.report().skipped
    assert note.startswith("bomb.bin: exceeds max_ratio 200: ")
    assert note.endswith("compressed (zip bomb?)")


def test_honest_zip_bomb_over_the_cap_is_skipped(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.zero_bomb(tmp_path / "bomb.zip"))
    assert read == {"bomb.bin": None}
    assert archive.report().skipped == [
        "bomb.bin: exceeds max_entry_bytes: declares 1073741824 bytes (limit 536870912)"
    ]
    assert archive.report().uncompressed_bytes == 1 << 30


def test_unknown_compression_method_is_read_as_android_does(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.unknown_method(tmp_path / "x.zip"))
    assert read == {
        "stored.txt": b"stored under method 99",
        "deflated.txt": b"deflated under method 12 " * 20,
    }
    assert archive.report().anomalies == [
        "stored.txt: unknown compression method 99 (tampered header to break analysers; "
        "read as stored, as Android does)",
        "deflated.txt: unknown compression method 12 (tampered header to break analysers; "
        "read as deflate, as Android does)",
    ]


def test_duplicate_names_keep_the_last(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.duplicate_names(tmp_path / "x.zip"))
    assert read == {"AndroidManifest.xml": b"second copy"}
    report = archive.report()
    assert report.entries == 2
    (anomaly,) = report.anomalies
    assert anomaly.startswith("duplicate entry name 'AndroidManifest.xml': Android refuses")


def test_local_header_name_mismatch(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.local_name_mismatch(tmp_path / "x.zip"))
    assert read == {"classes.dex": b"dex bytes"}
    assert archive.report().anomalies == [
        "classes.dex: local header name differs ('innocent.txt'): "
        "tampered to mislead tools that read local headers"
    ]


def test_huge_declared_entry_count(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.huge_entry_count(tmp_path / "x.zip"))
    assert read == {"a.txt": b"alpha"}
    assert archive.report().anomalies == [
        "end record declares 65534 entries; the central directory holds 1"
    ]


def test_encrypted_entry_is_skipped(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.encrypted(tmp_path / "x.zip"))
    assert read == {"secret.txt": None}
    assert archive.report().skipped == ["secret.txt: encrypted"]


def test_crc_mismatch_keeps_the_data(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.crc_mismatch(tmp_path / "x.zip"))
    assert read == {"a.txt": b"alpha"}
    assert archive.report().anomalies == ["a.txt: CRC mismatch (declared 12345678, data d0e0396a)"]


def test_lying_size_is_cut_at_the_declared_size(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.lying_size(tmp_path / "x.zip"))
    assert read == {"a.txt": b"x" * 100}
    assert archive.report().anomalies == [
        "a.txt: data is longer than its declared size 100 (read up to the declared size)"
    ]


def test_entries_outside_the_file_are_skipped(tmp_path: Path) -> None:
    read, archive = contents(bad_zips.outside_file(tmp_path / "x.zip"))
    assert read == {"good.txt": b"good", "ghost.txt": None, "long.txt": None}
    skipped = archive.report().skipped
    assert skipped[0] == "ghost.txt: local header offset 10000000 is outside the file"
    assert skipped[1].startswith("long.txt: data (1000000 bytes at ")
    assert skipped[1].endswith("runs past the end of the file (271 bytes)")


def test_zip64_records_are_followed(tmp_path: Path) -> None:
    path = bad_zips.zip64(tmp_path / "x.zip")
    read, archive = contents(path)
    with zipfile.ZipFile(path) as reference:
        assert read == {"big.txt": reference.read("big.txt")} == {"big.txt": b"zip64 entry data"}
    assert archive.report().anomalies == []


def test_max_entries_bounds_the_directory(tmp_path: Path) -> None:
    files = {f"{i}.txt": b"x" for i in range(10)}
    limits = AppLimits(max_entries=4)
    read, archive = contents(bad_zips.plain(tmp_path / "x.zip", files), limits)
    assert list(read) == ["0.txt", "1.txt", "2.txt", "3.txt"]
    assert archive.report().skipped == ["central directory: entries past max_entries 4 not read"]


def test_total_budget_and_caller_limit(tmp_path: Path) -> None:
    files = {"a.txt": b"a" * 600, "b.txt": b"b" * 600, "c.txt": b"c" * 10}
    path = bad_zips.plain(tmp_path / "x.zip", files)
    with AppArchive.open(path, AppLimits(max_total_bytes=1000)) as archive:
        assert archive.read("a.txt", max_bytes=100) is None
        assert archive.read("a.txt") == b"a" * 600
        assert archive.read("b.txt") is None
        assert archive.read("c.txt") == b"c" * 10
        assert archive.report().skipped == [
            "a.txt: exceeds the caller's limit: declares 600 bytes (limit 100)",
            "b.txt: exceeds max_total_bytes: 600 bytes already read, entry declares 600",
        ]


def test_corrupt_deflate_data_is_skipped(tmp_path: Path) -> None:
    writer = bad_zips.ZipWriter()
    writer.add(bad_zips.Entry("bad.bin", b"x" * 100, payload=b"\xff" * 40))
    writer.add(bad_zips.Entry("cut.bin", b"y" * 5000, payload=bad_zips.deflate(b"y" * 5000)[:-3]))
    read, archive = contents(writer.write(tmp_path / "x.zip"))
    assert read == {"bad.bin": None, "cut.bin": None}
    skipped = archive.report().skipped
    assert skipped[0].startswith("bad.bin: corrupt deflate data (")
    assert skipped[1] == "cut.bin: deflate stream ends before its end marker"
