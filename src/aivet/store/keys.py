"""Ed25519 keys that sign audit manifests, so a third party can check them with the public key.

The private key lives outside the store (`$AIVET_KEY_DIR`, else
`$XDG_CONFIG_HOME/aivet/keys`, else `~/.config/aivet/keys`), readable by its
owner only; the store keeps a copy of each public key that signed in it. A key
is named by its id: the first 16 hex digits of the SHA-256 of its raw public
key bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_KEY_FILE = "aivet-ed25519.key"
PUBLIC_KEY_FILE = "aivet-ed25519.pub"


class KeyFileError(Exception):
    """A key file that is missing, unreadable or not an Ed25519 key; the message says which."""


def default_key_dir() -> Path:
    configured = os.environ.get("AIVET_KEY_DIR")
    if configured:
        return Path(configured)
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "aivet" / "keys"


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class VerifyKey:
    """A public key: checks signatures and nothing else."""

    public: Ed25519PublicKey
    key_id: str

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.public.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def pem(self) -> bytes:
        return public_pem(self.public)

    @classmethod
    def from_pem(cls, data: bytes, where: str) -> VerifyKey:
        try:
            public = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"{where}: not a PEM public key ({exc})") from None
        if not isinstance(public, Ed25519PublicKey):
            raise KeyFileError(f"{where}: not an Ed25519 public key")
        return cls(public, key_id_of(public))

    @classmethod
    def load(cls, path: Path) -> VerifyKey:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise KeyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return cls.from_pem(data, str(path))


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    key_id: str
    path: Path | None = None

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def verify_key(self) -> VerifyKey:
        return VerifyKey(self.private.public_key(), self.key_id)

    @classmethod
    def generate(cls) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        return cls(private, key_id_of(private.public_key()))


def init_key(directory: Path, *, force: bool = False) -> SigningKey:
    """Create a new key pair in `directory`; refuses to replace one unless `force`."""
    directory = Path(directory)
    private_path = directory / PRIVATE_KEY_FILE
    if private_path.exists() and not force:
        raise KeyFileError(f"{private_path} already exists (use --force to replace it)")
    directory.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    pem = key.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = private_path.with_name(private_path.name + ".tmp")
    # Created owner-only from the start: the key is never readable by others, not even briefly.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(tmp, private_path)
    (directory / PUBLIC_KEY_FILE).write_bytes(public_pem(key.private.public_key()))
    return SigningKey(key.private, key.key_id, private_path)


def load_signing_key(directory: Path) -> SigningKey | None:
    """The private key in `directory`, or None when there is none; KeyFileError when it is bad."""
    path = Path(directory) / PRIVATE_KEY_FILE
    if not path.exists():
        return None
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 private key")
    return SigningKey(private, key_id_of(private.public_key()), path)


def encode_signature(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def decode_signature(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return b""
