"""Read a DEX file (Dalvik executable) from untrusted bytes: strings, classes, members, code.

Only what the app audit needs is read, and only when asked: the header and the id
tables are checked against the file size up front, strings are decoded in one pass,
and class data is walked one class at a time as code is requested. Every count and
offset comes from the file, so each is bounds-checked before use and work is capped
by the file size (overlapping tables cannot make it quadratic); a file that cannot be
read raises `DexError`, a single unreadable class or method is reported and passed over.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

HEADER_SIZE = 0x70
VERSIONS = frozenset({b"035", b"037", b"038", b"039", b"040", b"041"})
ENDIAN_CONSTANT = 0x12345678
_U32 = struct.Struct("<I")
MAX_PARAMETERS = 255
MAX_PROTO_TEXT = 65536
"""No real signature comes near this; a hostile one (255 copies of a megabyte-long type
name) would be a quarter-gigabyte string per proto."""
CODE_ITEM_HEADER = 16
"""registers, ins, outs, tries (u16 each), debug_info_off, insns_size (u32 each)."""
NO_INDEX = 0xFFFFFFFF
"""A class_def's superclass_idx for java.lang.Object, which has none."""

_TABLES = (
    # (name, header offset of size/offset pair, bytes per entry)
    ("string_ids", 56, 4),
    ("type_ids", 64, 4),
    ("proto_ids", 72, 12),
    ("field_ids", 80, 8),
    ("method_ids", 88, 8),
    ("class_defs", 96, 32),
)


class DexError(ValueError):
    """One-line message: this dex cannot be read."""


@dataclass(frozen=True)
class MethodRef:
    class_name: str
    name: str
    proto: str
    """`(Ljava/lang/String;)Ljavax/crypto/Cipher;`: parameters then return type."""

    def descriptor(self) -> str:
        return f"{self.class_name}->{self.name}{self.proto}"


@dataclass(frozen=True)
class FieldRef:
    class_name: str
    name: str
    type_name: str


class Supertypes(NamedTuple):
    """What a class definition names as its direct parents, as type indices.

    Not checked against the type table: compare them with known indices, or look them
    up with `DexFile.type_name`.
    """

    superclass: int | None
    """None for a class with no superclass (java.lang.Object)."""
    interfaces: tuple[int, ...]
    """The interfaces it declares itself, not those it inherits."""


class CodeSpan(NamedTuple):
    """Where one method's instructions lie in the file (bounds already checked).

    A named tuple rather than a dataclass: one is made per method, and tuples are cheaper.
    """

    method_idx: int
    insns_off: int
    """File offset of the first 16-bit code unit (always even: code items are 4-aligned)."""
    insns_units: int


class Unreadable(NamedTuple):
    """A class or method whose code could not be located; `where` names it."""

    where: str
    reason: str


def decode_mutf8(raw: bytes) -> str:
    """Decode MUTF-8 (Java's modified UTF-8): C0 80 for NUL, UTF-16 surrogates as 3 bytes each.

    Valid surrogate pairs become one character; lone surrogates and bytes that are not
    UTF-8 become U+FFFD, so the result can always be written out as UTF-8.
    """
    raw = raw.replace(b"\xc0\x80", b"\x00")
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _decode_strings(data: bytes, offsets: array[int]) -> list[str]:
    size = len(data)
    # String data items never overlap in a well-formed file, so the text read cannot
    # exceed the file; a file whose ids point into one long run would otherwise make
    # this quadratic.
    budget = size
    find = data.find
    strings: list[str] = []
    append = strings.append
    for index, offset in enumerate(offsets):
        try:
            units = data[offset]
            pos = offset + 1
            if units >= 0x80:
                (units,), pos = _ulebs(data, offset, 1)
        except IndexError:
            raise DexError(f"string {index} starts past the end of the file") from None
        # A UTF-16 unit takes at most 3 MUTF-8 bytes: look no further for the terminator.
        end = find(b"\0", pos, pos + 3 * units + 1)
        if end < 0:
            raise DexError(f"string {index} at 0x{offset:x} has no terminator")
        budget -= end - pos
        if budget < 0:
            raise DexError("string data overlaps itself (more text than the file holds)")
        raw = data[pos:end]
        try:
            # Fast path: MUTF-8 without NULs or supplementary characters is plain UTF-8;
            # its specials (C0 80, encoded surrogates) are exactly what strict UTF-8 rejects.
            append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            append(decode_mutf8(raw))
    return strings


def _table(data: bytes, typecode: str, count: int, offset: int, row_bytes: int) -> array[int]:
    """A little-endian table as a flat array (compact: the file's own size in memory).

    Bounds are checked by the caller. `I` and `H` are 4 and 2 bytes on every platform
    CPython supports.
    """
    table = array(typecode, data[offset : offset + count * row_bytes])
    if sys.byteorder == "big":
        table.byteswap()
    return table


class DexFile:
    """One parsed dex: string and id tables eagerly, class data and code on demand."""

    def __init__(
        self,
        data: bytes,
        name: str,
        strings: list[str],
        type_ids: array[int],
        proto_ids: array[int],
        field_table: tuple[int, int],
        method_ids: array[int],
        class_defs: array[int],
    ) -> None:
        self.data = data
        self.name = name
        self.strings = strings
        self._type_ids = type_ids
        self._proto_ids = proto_ids
        """Flat (shorty_idx, return_type_idx, parameters_off) triples."""
        self._field_table = field_table
        """(count, file offset) of the field_id_item rows, read in place when asked."""
        self._method_ids = method_ids
        """Flat u16 quads: class_idx, proto_idx, name_idx low half, name_idx high half."""
        self._class_defs = class_defs
        """Flat class_def_item rows of 8 u32."""
        self._protos: dict[int, str] = {}
        self._methods: dict[int, MethodRef] = {}
        self._type_lists: dict[int, tuple[int, ...]] = {}
        # Type lists never overlap in a well-formed file (identical ones are shared by
        # offset); cap the types read so classes naming many overlapping long lists
        # cannot make reading them quadratic.
        self._type_list_budget = len(data) // 2

    @classmethod
    def parse(cls, data: bytes, name: str) -> DexFile:
        """Check the header and tables against the file and decode the strings.

        DexError when the file is not a dex or a table lies outside it.
        """
        if len(data) < HEADER_SIZE:
            raise DexError(f"too short for a dex header ({len(data)} bytes)")
        if data[:4] != b"dex\n" or data[7] != 0 or data[4:7] not in VERSIONS:
            raise DexError(f"not a dex file (magic {data[:8]!r})")
        file_size, header_size, endian = struct.unpack_from("<3I", data, 32)
        if endian != ENDIAN_CONSTANT:
            raise DexError(f"unsupported endian tag 0x{endian:08x}")
        if header_size < HEADER_SIZE or header_size > len(data):
            raise DexError(f"bad header size {header_size}")
        if file_size > len(data):
            raise DexError(f"truncated: header says {file_size} bytes, file has {len(data)}")
        tables: dict[str, tuple[int, int]] = {}
        for table, at, entry in _TABLES:
            count, offset = struct.unpack_from("<2I", data, at)
            if count and (offset < header_size or offset + count * entry > file_size):
                raise DexError(f"{table}: {count} entries at 0x{offset:x} lie outside the file")
            tables[table] = count, offset
        # Not read here, but a map list or data section outside the file means the file
        # was cut short or patched: refuse it rather than read part of it.
        data_size, data_off = struct.unpack_from("<2I", data, 104)
        if data_off + data_size > file_size:
            raise DexError(
                f"data section of {data_size} bytes at 0x{data_off:x} runs past the file"
            )
        (map_off,) = struct.unpack_from("<I", data, 52)
        if map_off + 4 > file_size or (
            map_off + 4 + 12 * struct.unpack_from("<I", data, map_off)[0] > file_size
        ):
            raise DexError(f"map list at 0x{map_off:x} runs past the file")
        return cls(
            data,
            name,
            _decode_strings(data, _table(data, "I", *tables["string_ids"], 4)),
            _table(data, "I", *tables["type_ids"], 4),
            _table(data, "I", *tables["proto_ids"], 12),
            tables["field_ids"],
            _table(data, "H", *tables["method_ids"], 8),
            _table(data, "I", *tables["class_defs"], 32),
        )

    @property
    def method_count(self) -> int:
        return len(self._method_ids) // 4

    @property
    def type_ids(self) -> array[int]:
        """String index of each type descriptor (sorted, as the format requires)."""
        return self._type_ids

    def find_methods(self, classes: set[int], names: set[int]) -> list[int]:
        """Method ids whose class (type index) is in `classes` or name (string index) in
        `names`: a cheap filter over every method id before resolving any of them."""
        ids = self._method_ids
        found = []
        for index, (class_idx, low, high) in enumerate(
            zip(ids[0::4], ids[2::4], ids[3::4], strict=True)
        ):
            if class_idx in classes or (low | high << 16) in names:
                found.append(index)
        return found

    def string(self, idx: int) -> str:
        if not 0 <= idx < len(self.strings):
            raise DexError(f"string index {idx} out of range")
        return self.strings[idx]

    def type_name(self, idx: int) -> str:
        if not 0 <= idx < len(self._type_ids):
            raise DexError(f"type index {idx} out of range")
        return self.string(self._type_ids[idx])

    def proto(self, idx: int) -> str:
        cached = self._protos.get(idx)
        if cached is not None:
            return cached
        if not 0 <= idx < len(self._proto_ids) // 3:
            raise DexError(f"proto index {idx} out of range")
        _, return_type, parameters_off = self._proto_ids[3 * idx : 3 * idx + 3]
        names = [self.type_name(return_type)]
        if parameters_off:
            if parameters_off + 4 > len(self.data):
                raise DexError(f"proto {idx}: parameter list past the end of the file")
            (count,) = struct.unpack_from("<I", self.data, parameters_off)
            # The JVM and ART allow 255 argument slots; more is a hostile list that many
            # protos could share, each copying it into its text.
            if count > MAX_PARAMETERS:
                raise DexError(f"proto {idx}: {count} parameters")
            if parameters_off + 4 + 2 * count > len(self.data):
                raise DexError(f"proto {idx}: {count} parameters run past the file")
            types = struct.unpack_from(f"<{count}H", self.data, parameters_off + 4)
            names += [self.type_name(t) for t in types]
        if sum(map(len, names)) > MAX_PROTO_TEXT:
            raise DexError(f"proto {idx}: types longer than {MAX_PROTO_TEXT} characters")
        text = f"({''.join(names[1:])}){names[0]}"
        self._protos[idx] = text
        return text

    def method_ref(self, idx: int) -> MethodRef:
        cached = self._methods.get(idx)
        if cached is not None:
            return cached
        if not 0 <= idx < self.method_count:
            raise DexError(f"method index {idx} out of range")
        class_idx, proto_idx, low, high = self._method_ids[4 * idx : 4 * idx + 4]
        name_idx = low | high << 16
        ref = MethodRef(self.type_name(class_idx), self.string(name_idx), self.proto(proto_idx))
        self._methods[idx] = ref
        return ref

    def fields_named(self, name_idx: int) -> list[int]:
        """Field ids whose name is string `name_idx`, found by a byte search of the field
        table rather than a loop over it (the name is the u32 at byte 4 of each row)."""
        if not 0 <= name_idx < len(self.strings):
            return []
        count, start = self._field_table
        end = start + 8 * count
        needle = _U32.pack(name_idx)
        find = self.data.find
        found: list[int] = []
        at = find(needle, start, end)
        while at >= 0:
            if (at - start) % 8 == 4:
                found.append((at - start) // 8)
            at = find(needle, at + 1, end)
        return found

    def field_ref(self, idx: int) -> FieldRef:
        count, start = self._field_table
        if not 0 <= idx < count:
            raise DexError(f"field index {idx} out of range")
        class_idx, type_idx, name_idx = struct.unpack_from("<2HI", self.data, start + 8 * idx)
        return FieldRef(self.type_name(class_idx), self.string(name_idx), self.type_name(type_idx))

    @cached_property
    def _class_rows(self) -> dict[int, int]:
        """Where each class is defined, by type index: the position of its row's first
        u32 in the flat class_defs array.

        A file that defines a class twice (which the platform rejects) keeps the last.
        """
        defs = self._class_defs
        return dict(zip(defs[0::8], range(0, len(defs), 8), strict=True))

    def supertypes(self, type_idx: int) -> Supertypes | None:
        """The direct superclass and declared interfaces of a class defined in this file;
        None for a class defined elsewhere.

        DexError when its interface list lies outside the file.
        """
        row = self._class_rows.get(type_idx)
        if row is None:
            return None
        superclass = self._class_defs[row + 2]
        return Supertypes(
            None if superclass == NO_INDEX else superclass,
            self._type_list(self._class_defs[row + 3]),
        )

    def _type_list(self, offset: int) -> tuple[int, ...]:
        """The type indices of the type_list at `offset` (0 means an empty list)."""
        if not offset:
            return ()
        cached = self._type_lists.get(offset)
        if cached is not None:
            return cached
        data = self.data
        if offset + 4 > len(data):
            raise DexError(f"type list at 0x{offset:x} past the end of the file")
        (count,) = _U32.unpack_from(data, offset)
        if offset + 4 + 2 * count > len(data):
            raise DexError(f"type list at 0x{offset:x}: {count} types run past the file")
        self._type_list_budget -= count
        if self._type_list_budget < 0:
            raise DexError("type lists overlap (more types than the file holds)")
        types = struct.unpack_from(f"<{count}H", data, offset + 4)
        self._type_lists[offset] = types
        return types

    @cached_property
    def class_names(self) -> list[str]:
        """Descriptors of the classes defined here; an unreadable one is `<bad type N>`."""
        names = []
        for row in range(0, len(self._class_defs), 8):
            type_idx = self._class_defs[row]
            try:
                names.append(self.type_name(type_idx))
            except DexError:
                names.append(f"<bad type {type_idx}>")
        return names

    def code_spans(self) -> Iterator[CodeSpan | Unreadable]:
        """Every method with code (direct and virtual), class by class, in file order.

        A class whose method list cannot be read, or a method whose code item lies
        outside the file, comes out as `Unreadable` and the walk goes on.
        """
        data = self.data
        size = len(data)
        method_count = self.method_count
        u32 = _U32.unpack_from
        seen: set[int] = set()
        # Class data items never overlap in a well-formed file; cap the bytes read so
        # many class_defs aimed at one long item cannot make the walk quadratic.
        budget = size
        for row in range(0, len(self._class_defs), 8):
            class_data_off = self._class_defs[row + 6]
            if not class_data_off or class_data_off in seen:
                continue
            seen.add(class_data_off)
            where = self.class_names[row // 8]
            if budget <= 0:
                yield Unreadable(where, "class data overlaps other classes (read cap reached)")
                continue
            try:
                methods, end = _class_methods(data, class_data_off)
            except (DexError, IndexError) as exc:
                reason = str(exc) if isinstance(exc, DexError) else "runs past the end of the file"
                yield Unreadable(where, f"class data at 0x{class_data_off:x}: {reason}")
                continue
            budget -= end - class_data_off
            for method_idx, code_off in methods:
                if method_idx >= method_count:
                    yield Unreadable(where, f"method index {method_idx} out of range")
                    continue
                if code_off + CODE_ITEM_HEADER > size:
                    yield Unreadable(where, f"code item at 0x{code_off:x} past the end of the file")
                    continue
                (units,) = u32(data, code_off + 12)
                insns_off = code_off + CODE_ITEM_HEADER
                if insns_off + 2 * units > size:
                    yield Unreadable(
                        where, f"code item at 0x{code_off:x}: {units} code units run past the file"
                    )
                    continue
                yield CodeSpan(method_idx, insns_off, units)

    def code_items(self) -> Iterator[tuple[MethodRef, memoryview]]:
        """(method, its instructions) for every readable method with code."""
        view = memoryview(self.data)
        for span in self.code_spans():
            if isinstance(span, CodeSpan):
                end = span.insns_off + 2 * span.insns_units
                yield self.method_ref(span.method_idx), view[span.insns_off : end]


def _ulebs(data: bytes, pos: int, count: int) -> tuple[list[int], int]:
    """`count` consecutive ULEB128 values and the position after them.

    One call per run rather than per value: class data is a long run of them, and this is
    the hot loop of reading a dex. IndexError when the run goes past the end of the file.
    """
    values: list[int] = []
    append = values.append
    for _ in range(count):
        byte = data[pos]
        pos += 1
        if byte < 0x80:
            append(byte)
            continue
        value = byte & 0x7F
        shift = 7
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
            if shift > 28:
                raise DexError(f"ULEB128 longer than 5 bytes at 0x{pos - 5:x}")
        append(value)
    return values, pos


def _class_methods(data: bytes, pos: int) -> tuple[list[tuple[int, int]], int]:
    """(method_idx, code_off) of each method with code in a class_data_item, and its end.

    IndexError when the item runs past the end of the file.
    """
    (static_fields, instance_fields, direct, virtual), pos = _ulebs(data, pos, 4)
    # Each field takes at least 2 bytes and each method 3: reject hostile counts before looping.
    if 2 * (static_fields + instance_fields) + 3 * (direct + virtual) > len(data) - pos:
        raise DexError("member counts larger than the file")
    _, pos = _ulebs(data, pos, 2 * (static_fields + instance_fields))
    methods: list[tuple[int, int]] = []
    for count in (direct, virtual):
        values, pos = _ulebs(data, pos, 3 * count)
        # Method indices are deltas from the previous one, restarting for each list;
        # each method is (index delta, access flags, code offset).
        method_idx = 0
        for row in range(0, len(values), 3):
            method_idx += values[row]
            if values[row + 2]:
                methods.append((method_idx, values[row + 2]))
    return methods, pos
