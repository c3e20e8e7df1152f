"""Who signed an APK: the v1 (JAR) and v2/v3/v3.1 (APK Signing Block) signers' certificates.

This module reads signatures; it does not verify them. The certificates are
taken as the APK presents them, and no digest or signature is checked: an audit
reports who the app claims as signer and which schemes it uses (apksigner is
the tool that verifies). Every length in the signing block is checked against
the bytes that hold it, so a malformed block ends in a problem, never a crash.

Scheme ids and layout: https://source.android.com/docs/security/features/apksigning/v2
(v2: 0x7109871a, v3: 0xf05368c0, v3.1: 0x1b93ad61).
"""

from __future__ import annotations

import hashlib
import struct
import warnings
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID

from aivet.analyze.app.archive import AppArchive
from aivet.app_record import SigningCertificate, SigningInfo

_MAGIC = b"APK Sig Block 42"
_SCHEMES = {0x7109871A: "v2", 0xF05368C0: "v3", 0x1B93AD61: "v3.1"}
_MAX_BLOCK = 64 * 1024 * 1024
"""Real signing blocks are kilobytes (a few MiB with verity padding)."""
_MAX_SIGNATURE_FILE = 1024 * 1024
_V1_SUFFIXES = (".RSA", ".DSA", ".EC")
JANUS = "v1 only: vulnerable to Janus (CVE-2017-13156) on Android 5.0–8.0 devices"  # noqa: RUF001


class _Malformed(ValueError):
    pass


def read_signing(archive: AppArchive, path: Path) -> SigningInfo:
    """Schemes present, signer certificates (unverified), and what looks wrong."""
    info = SigningInfo()
    v1 = _v1_certificates(archive, info.problems)
    if v1:
        info.schemes.append("v1")
    by_scheme = _signing_block(archive, path, info.problems)
    info.schemes += list(by_scheme)
    seen: set[str] = set()
    for certificate in [*v1, *(c for certs in by_scheme.values() for c in certs)]:
        facts = certificate_facts(certificate)
        if facts.sha256 not in seen:
            seen.add(facts.sha256)
            info.certificates.append(facts)
    if not info.schemes:
        info.problems.append("no signature: Android refuses to install an unsigned APK")
    elif info.schemes == ["v1"]:
        info.problems.append(JANUS)
    block_signers = by_scheme.get("v2") or by_scheme.get("v3") or []
    if v1 and block_signers and not _fingerprints(v1) & _fingerprints(block_signers):
        scheme = "v2" if "v2" in by_scheme else "v3"
        info.problems.append(f"v1 and {scheme} certificates differ (a different signer per scheme)")
    return info


def _fingerprints(certificates: list[x509.Certificate]) -> set[str]:
    return {hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest() for c in certificates}


def _v1_certificates(archive: AppArchive, problems: list[str]) -> list[x509.Certificate]:
    certificates: list[x509.Certificate] = []
    for name in archive.names:
        folder, _, file = name.rpartition("/")
        if folder != "META-INF" or not file.upper().endswith(_V1_SUFFIXES):
            continue
        data = archive.read(name, max_bytes=_MAX_SIGNATURE_FILE)
        if data is None:
            problems.append(f"{name}: not readable")
            continue
        try:
            certificates += pkcs7.load_der_pkcs7_certificates(data)
        except ValueError as error:
            problems.append(f"{name}: not a PKCS#7 signature ({error})")
    return certificates


def _signing_block(
    archive: AppArchive, path: Path, problems: list[str]
) -> dict[str, list[x509.Certificate]]:
    """{scheme: signer certificates} from the APK Signing Block, if there is one."""
    end = archive.central_directory_offset
    if end < 32:
        return {}
    with path.open("rb") as handle:
        handle.seek(end - 24)
        footer = handle.read(24)
        if footer[8:] != _MAGIC:
            return {}
        (size,) = struct.unpack_from("<Q", footer)
        if size < 24 or size > _MAX_BLOCK or size + 8 > end:
            problems.append(f"APK Signing Block malformed: size {size} does not fit the file")
            return {}
        handle.seek(end - size - 8)
        block = handle.read(size + 8)
    if struct.unpack_from("<Q", block)[0] != size:
        problems.append("APK Signing Block malformed: its two size fields differ")
        return {}
    found: dict[str, list[x509.Certificate]] = {}
    pairs = block[8 : len(block) - 24]
    at = 0
    while at < len(pairs):
        if at + 12 > len(pairs):
            problems.append("APK Signing Block malformed: a pair is cut short")
            break
        length, pair_id = struct.unpack_from("<QI", pairs, at)
        if length < 4 or at + 8 + length > len(pairs):
            problems.append(
                f"APK Signing Block malformed: pair 0x{pair_id:08x} runs past the block"
            )
            break
        value = pairs[at + 12 : at + 8 + length]
        at += 8 + length
        scheme = _SCHEMES.get(pair_id)
        if scheme is None:
            continue
        try:
            found[scheme] = _scheme_certificates(value)
        except _Malformed as error:
            problems.append(f"APK Signing Block malformed: {scheme} {error}")
            found[scheme] = []
    return found


def _scheme_certificates(value: bytes) -> list[x509.Certificate]:
    """Certificates of every signer: signers → signer → signed data → certificates.

    v2 and v3 share this much of the layout: a signer starts with its signed data,
    whose second field is the certificate sequence.
    """
    certificates: list[x509.Certificate] = []
    for signer in _sequence(_prefixed(value, 0)[0]):
        signed_data = _prefixed(signer, 0)[0]
        _, after_digests = _prefixed(signed_data, 0)
        for der in _sequence(_prefixed(signed_data, after_digests)[0]):
            try:
                certificates.append(x509.load_der_x509_certificate(der))
            except ValueError as error:
                raise _Malformed(f"certificate does not parse ({error})") from error
    if not certificates:
        raise _Malformed("has no signer certificate")
    return certificates


def _prefixed(data: bytes, at: int) -> tuple[bytes, int]:
    """The uint32-length-prefixed field at `at`, and where the next one starts."""
    if at + 4 > len(data):
        raise _Malformed("length field cut short")
    (length,) = struct.unpack_from("<I", data, at)
    if at + 4 + length > len(data):
        raise _Malformed(f"field of {length} bytes runs past its container")
    return data[at + 4 : at + 4 + length], at + 4 + length


def _sequence(data: bytes) -> list[bytes]:
    items: list[bytes] = []
    at = 0
    while at < len(data):
        item, at = _prefixed(data, at)
        items.append(item)
    return items


def certificate_facts(certificate: x509.Certificate) -> SigningCertificate:
    der = certificate.public_bytes(Encoding.DER)
    key = certificate.public_key()
    algorithm, bits = _key_facts(key)
    oid = certificate.signature_algorithm_oid
    # Self-made signing certificates often break X.509 rules (a 6-letter country code);
    # cryptography warns on stderr for each, which is noise in a report of facts.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        subject = certificate.subject.rfc4514_string()
        issuer = certificate.issuer.rfc4514_string()
    return SigningCertificate(
        sha256=hashlib.sha256(der).hexdigest(),
        subject=subject,
        issuer=issuer,
        serial=f"{certificate.serial_number:x}",
        not_before=certificate.not_valid_before_utc.isoformat(),
        not_after=certificate.not_valid_after_utc.isoformat(),
        key_algorithm=algorithm,
        key_bits=bits,
        # `_name` is cryptography's readable OID name (its own repr uses it).
        signature_algorithm=oid._name or oid.dotted_string,
        debug=_is_debug(certificate.subject),
    )


def _key_facts(key: object) -> tuple[str, int | None]:
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, None


def _is_debug(subject: x509.Name) -> bool:
    """The SDK's debug key (CN=Android Debug) or AOSP's published test keys."""
    common_names = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if "Android Debug" in common_names:
        return True
    emails = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)]
    # build/target/product/security's testkey, platform, shared and media keys.
    return "android@android.com" in emails and common_names == ["Android"]
