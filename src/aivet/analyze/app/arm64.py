"""Just enough arm64 decoding, by hand, to read the constant arguments of a call.

The calls an audit cares about (CommonCrypto, `objc_msgSend`, the BSD calls used
against debuggers) take their telling arguments as constants and addresses that
the compiler builds in the few instructions before the call: `mov w1, #2`,
`adrp x3, KEY@PAGE; add x3, x3, KEY@PAGEOFF`, `ldr x1, [x8, SELREF@PAGEOFF]`.
Walking back from the call and following one register at a time reads them. A
value that comes from anywhere else (the stack, a computation, another call's
result) is unknown, never guessed: the walk stops at the first instruction that
writes the register in a way not decoded here.

Straight-line only: an instruction passed on the way back may be a branch target
reached from elsewhere, so a value is what the fall-through path gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

LOOKBACK = 48
"""Instructions read back from a call; compilers set arguments right before a call."""

_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
_CALLEE_SAVED = frozenset(range(19, 29))
"""x19-x28 survive calls (AAPCS64), so a walk for them goes on past a `bl`."""

SVC_0X80 = 0xD4001001
"""`svc #0x80`: the iOS system call instruction."""


@dataclass(frozen=True)
class Const:
    value: int


@dataclass(frozen=True)
class Address:
    """An address inside the image (from ADR/ADRP, or a pointer read from the file)."""

    value: int


@dataclass(frozen=True)
class Import:
    """A pointer slot the loader binds to an imported symbol (GOT, class reference)."""

    symbol: str


Value = Const | Address | Import | None
Loader = Callable[[int], Value]
"""Reads the 8-byte pointer stored at an address in the image: the address it points
to, the symbol bound there, or None when the slot cannot be read."""


@dataclass(frozen=True)
class _Add:
    amount: int


@dataclass(frozen=True)
class _Movk:
    shift: int
    imm: int


@dataclass(frozen=True)
class _Trunc32:
    pass


@dataclass(frozen=True)
class _Deref:
    pass


_Op = _Add | _Movk | _Trunc32 | _Deref


@dataclass(frozen=True)
class _Done:
    """The register's value was built here, then transformed by `ops` in order."""

    base: Value
    ops: tuple[_Op, ...] = ()


@dataclass(frozen=True)
class _Follow:
    """The register was computed from `register`: go on looking for that one."""

    register: int
    ops: tuple[_Op, ...] = ()


class Code:
    """A run of arm64 instructions (a section) and the address of its first one."""

    def __init__(self, data: bytes, address: int) -> None:
        usable = len(data) - len(data) % 4
        self.words: npt.NDArray[np.uint32] = np.frombuffer(
            memoryview(data)[:usable], dtype="<u4"
        ).astype(np.uint32, copy=False)
        self.address = address

    def __len__(self) -> int:
        return int(self.words.shape[0])

    def word(self, index: int) -> int:
        return int(self.words[index])

    def pc(self, index: int) -> int:
        return self.address + 4 * index

    def index(self, address: int) -> int | None:
        offset = address - self.address
        if offset < 0 or offset % 4 or offset // 4 >= len(self):
            return None
        return offset // 4

    def branch_links(self, targets: set[int]) -> list[tuple[int, int]]:
        """(index, target) of every `bl`, and `b` (a call in tail position), in the code
        whose target is in `targets`. Vectorised: an app's __text holds millions of
        instructions."""
        words = self.words
        found = np.nonzero((words & np.uint32(0x7C000000)) == np.uint32(0x14000000))[0]
        if found.size == 0 or not targets:
            return []
        imm = (words[found] & np.uint32(0x03FFFFFF)).astype(np.int64)
        imm = np.where(imm >= 1 << 25, imm - (1 << 26), imm)
        dest = self.address + found.astype(np.int64) * 4 + imm * 4
        wanted = np.isin(dest, np.fromiter(targets, dtype=np.int64, count=len(targets)))
        return [(int(i), int(t)) for i, t in zip(found[wanted], dest[wanted], strict=True)]

    def page_references(self, pages: set[int]) -> list[int]:
        """Sorted indices of ADRP, ADR and LDR (literal) instructions that address one of
        these 4 KiB pages (Apple's linker turns some ADRP+LDR pairs into NOP+LDR literal)."""
        if not pages:
            return []
        # select the three instruction forms first: converting all of __text to int64
        # would cost eight bytes per instruction
        address_forms = (self.words & np.uint32(0x1F000000)) == np.uint32(0x10000000)
        literal_loads = (self.words & np.uint32(0xBF000000)) == np.uint32(0x18000000)
        index = np.nonzero(address_forms | literal_loads)[0]
        words = self.words[index].astype(np.int64)
        pc = self.address + index.astype(np.int64) * 4
        imm21 = ((words >> 5) & 0x7FFFF) << 2 | (words >> 29) & 3
        imm21 = np.where(imm21 >= 1 << 20, imm21 - (1 << 21), imm21)
        imm19 = (words >> 5) & 0x7FFFF
        imm19 = np.where(imm19 >= 1 << 18, imm19 - (1 << 19), imm19)
        page = np.where(
            (words & 0x9F000000) == 0x90000000,  # ADRP
            (pc & ~0xFFF) + (imm21 << 12),
            np.where(
                (words & 0x9F000000) == 0x10000000,  # ADR
                (pc + imm21) & ~0xFFF,
                (pc + imm19 * 4) & ~0xFFF,  # LDR (literal)
            ),
        )
        wanted = np.fromiter(pages, dtype=np.int64, count=len(pages))
        return [int(i) for i in index[np.isin(page, wanted)]]

    def find_word(self, value: int) -> list[int]:
        return [int(i) for i in np.nonzero(self.words == np.uint32(value))[0]]


def _sext(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


def _gprs(*registers: int) -> tuple[int, ...]:
    """Register 31 is SP or XZR, neither of which an argument is tracked in."""
    return tuple(r for r in registers if r != 31)


def is_call(word: int) -> bool:
    """BL, BLR and the pointer-authenticated BLRAA/BLRAB(Z)."""
    return (word & 0xFC000000) == 0x94000000 or (word & 0xFEFFF000) in (0xD63F0000, 0xD63F0800)


def ends_path(word: int) -> bool:
    """Unconditional branches, returns and traps: the code before them does not fall
    through to what follows, and a system call clobbers the argument registers."""
    return (
        (word & 0xFC000000) == 0x14000000  # B
        or ((word & 0xFE000000) == 0xD6000000 and not is_call(word))  # BR, RET, ERET (+PAC)
        or (word & 0xFF000000) == 0xD4000000  # SVC, HVC, BRK…
    )


def _load_store_writes(word: int) -> tuple[int, ...]:
    rt, rn, rt2 = word & 31, (word >> 5) & 31, (word >> 10) & 31
    simd = bool(word >> 26 & 1)
    group = (word >> 28) & 3
    if group == 0b10:  # load/store pair: L is bit 22; index types 01/11 write back to Rn
        back = _gprs(rn) if (word >> 23) & 3 in (0b01, 0b11) else ()
        loads = () if simd or not word >> 22 & 1 else _gprs(rt, rt2)
        return loads + back
    if group == 0b11:  # load/store register, all addressing forms
        opc = (word >> 22) & 3
        if word >> 24 & 1:  # unsigned immediate: no write-back
            return () if simd or opc == 0 else _gprs(rt)
        if not word >> 21 & 1:  # 9-bit immediate: post-index (01) and pre-index (11) write back
            back = _gprs(rn) if (word >> 10) & 3 in (0b01, 0b11) else ()
            return (() if simd or opc == 0 else _gprs(rt)) + back
        if (word >> 10) & 3 == 0b10:  # register offset
            return () if simd or opc == 0 else _gprs(rt)
        return _gprs(rt, rn)  # atomics and PAC loads: counted as writing both, to be safe
    if group == 0b01:  # load literal
        return () if simd else _gprs(rt)
    # exclusives and SIMD structure loads: Rt, Rs (status) and a post-indexed Rn, to be safe
    return _gprs(rn) if simd else _gprs(rt, (word >> 16) & 31)


def written_registers(word: int) -> tuple[int, ...]:
    """The general registers (x0-x30) an instruction writes, erring towards too many.

    Erring that way only makes a value unknown; missing a write would misread one."""
    op0 = (word >> 25) & 0xF
    if op0 in (0b1000, 0b1001, 0b0101, 0b1101):  # data processing, immediate and register
        return _gprs(word & 31)
    if op0 in (0b1010, 0b1011):  # branches and system: only MRS writes a general register
        return _gprs(word & 31) if (word & 0xFFF00000) == 0xD5300000 else ()
    if op0 in (0b0111, 0b1111):  # floating point and SIMD
        if (word & 0x7F20FC00) == 0x1E200000 and (word >> 16) & 7 in (0, 1, 4, 5, 6):
            return _gprs(word & 31)  # FCVT* to an integer, FMOV to a general register
        if (word & 0xBFE0FC00) in (0x0E002C00, 0x0E003C00):
            return _gprs(word & 31)  # SMOV, UMOV
        return ()
    if op0 & 0b0101 == 0b0100:
        return _load_store_writes(word)
    return _gprs(word & 31)  # unallocated or reserved: assume it writes


def decode_bitmask(n: int, imms: int, immr: int, width: int) -> int | None:
    """The value of an arm64 logical immediate (DecodeBitMasks in the Arm ARM)."""
    combined = (n << 6) | (~imms & 0x3F)
    if combined == 0 or (width == 32 and n):
        return None
    length = combined.bit_length() - 1
    levels = (1 << length) - 1
    s, r = imms & levels, immr & levels
    if s == levels:
        return None
    esize = 1 << length
    element = (1 << (s + 1)) - 1
    element = ((element >> r) | (element << (esize - r))) & ((1 << esize) - 1)
    value = 0
    for i in range(width // esize):
        value |= element << (i * esize)
    return value


def _step(word: int, pc: int) -> _Done | _Follow | None:
    """How an instruction that writes the followed register computed it."""
    sf = word >> 31
    width_ops: tuple[_Op, ...] = () if sf else (_Trunc32(),)
    rn = (word >> 5) & 31
    if (word & 0x7F800000) == 0x52800000:  # MOVZ
        return _Done(Const(((word >> 5) & 0xFFFF) << (16 * ((word >> 21) & 3))))
    if (word & 0x7F800000) == 0x12800000:  # MOVN
        value = ~(((word >> 5) & 0xFFFF) << (16 * ((word >> 21) & 3)))
        return _Done(Const(value & (_MASK64 if sf else _MASK32)))
    if (word & 0x7F800000) == 0x72800000:  # MOVK: keep the rest of the earlier value
        return _Follow(word & 31, (_Movk(16 * ((word >> 21) & 3), (word >> 5) & 0xFFFF),))
    if (word & 0x7F800000) == 0x32000000 and rn == 31:  # ORR Rd, ZR, #imm (mov alias)
        mask = decode_bitmask(word >> 22 & 1, (word >> 10) & 0x3F, (word >> 16) & 0x3F,
                              64 if sf else 32)  # fmt: skip
        return None if mask is None else _Done(Const(mask))
    if (word & 0x7FE0FFE0) == 0x2A0003E0:  # ORR Rd, ZR, Rm (mov alias)
        rm = (word >> 16) & 31
        return _Done(Const(0)) if rm == 31 else _Follow(rm, width_ops)
    if (word & 0x7F800000) in (0x11000000, 0x51000000):  # ADD/SUB (immediate), no flags
        if rn == 31:  # relative to SP: a stack buffer
            return None
        amount = ((word >> 10) & 0xFFF) << (12 if word >> 22 & 1 else 0)
        sign = -1 if word & 0x40000000 else 1
        return _Follow(rn, (_Add(sign * amount), *width_ops))
    if (word & 0x9F000000) in (0x10000000, 0x90000000):  # ADR, ADRP
        imm = _sext((((word >> 5) & 0x7FFFF) << 2) | ((word >> 29) & 3), 21)
        if word >> 31:
            return _Done(Address((pc & ~0xFFF) + (imm << 12)))
        return _Done(Address(pc + imm))
    if (word & 0xFFC00000) == 0xF9400000:  # LDR Xt, [Xn, #imm]
        if rn == 31:
            return None
        return _Follow(rn, (_Add(((word >> 10) & 0xFFF) * 8), _Deref()))
    if (word & 0xFF000000) == 0x58000000:  # LDR Xt, literal
        return _Done(Address(pc + 4 * _sext((word >> 5) & 0x7FFFF, 19)), (_Deref(),))
    return None


def _apply(value: Value, ops: tuple[_Op, ...], load: Loader) -> Value:
    for op in ops:
        if isinstance(op, _Deref):
            value = load(value.value) if isinstance(value, Address) else None
        elif isinstance(op, _Add):
            if isinstance(value, Const):
                value = Const((value.value + op.amount) & _MASK64)
            elif isinstance(value, Address):
                value = Address(value.value + op.amount)
            else:
                value = None
        elif isinstance(op, _Movk):
            keep = ~(0xFFFF << op.shift) & _MASK64
            value = (
                Const((value.value & keep) | (op.imm << op.shift))
                if isinstance(value, Const)
                else None
            )
        else:
            value = Const(value.value & _MASK32) if isinstance(value, Const) else None
        if value is None:
            return None
    return value


def resolve(code: Code, index: int, register: int, *, floor: int, load: Loader) -> Value:
    """The value `register` holds when the instruction at `index` runs, read by walking
    back at most LOOKBACK instructions and never below `floor` (the function's start)."""
    ops: tuple[_Op, ...] = ()
    for i in range(index - 1, max(floor, index - LOOKBACK) - 1, -1):
        word = code.word(i)
        if ends_path(word) or (is_call(word) and register not in _CALLEE_SAVED):
            return None
        if register not in written_registers(word):
            continue
        step = _step(word, code.pc(i))
        if step is None:
            return None
        if isinstance(step, _Done):
            return _apply(step.base, step.ops + ops, load)
        register, ops = step.register, step.ops + ops
    return None


def tests_bit(word: int, bit: int) -> bool:
    """Whether the instruction tests or extracts one bit: TBZ/TBNZ, AND/ANDS/TST with
    that single bit, or UBFX/SBFX/LSR starting at it (compilers use all of these)."""
    if (word & 0x7E000000) == 0x36000000:  # TBZ, TBNZ
        return ((word >> 31) << 5 | (word >> 19) & 0x1F) == bit
    if (word & 0x1F800000) == 0x12000000 and (word >> 29) & 3 in (0, 3):  # AND, ANDS (imm)
        mask = decode_bitmask(word >> 22 & 1, (word >> 10) & 0x3F, (word >> 16) & 0x3F,
                              64 if word >> 31 else 32)  # fmt: skip
        return mask == 1 << bit
    if (word & 0x1F800000) == 0x13000000 and (word >> 29) & 3 in (0, 2):  # SBFM, UBFM
        return (word >> 16) & 0x3F == bit and (word >> 10) & 0x3F >= bit
    return False
