"""Encryption at rest: AES-GCM envelope encryption under one master key.

Every patient has a data key (256-bit AES-GCM) stored only wrapped by the master key, in ``data_keys``. Genomes,
evidence, records, plans and reports are encrypted with their patient's data key; the associated data binds each
ciphertext to its table, column and row, so a blob copied into another row does not decrypt. Rotating the master
key re-wraps the data keys and touches nothing else. Erasing a patient deletes their data key too, so copies of
their ciphertext in old backups can no longer be read.

>>> key = MasterKey.generate()
>>> wrapped = key.wrap(b"k" * 32, "key-1")
>>> key.unwrap(wrapped, "key-1") == b"k" * 32
True
>>> len(key.key_id)
16
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tailormed.errors import InputError, InternalError, KnowledgeError
from tailormed.store.config import MASTER_KEY_ENV, StoreConfig

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT = b"\x01"
"""First byte of every ciphertext this module writes (so a future format can be told apart)."""


class DecryptionError(InternalError):
    """A ciphertext does not decrypt with the key it names: wrong master key, or the data was altered."""


@dataclass(frozen=True)
class MasterKey:
    """The key that wraps every data key; never stored in the database."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise InputError(f"the master key must be {KEY_BYTES} bytes, got {len(self.key)}", source=MASTER_KEY_ENV)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_text(cls, text: str, source: str = MASTER_KEY_ENV) -> MasterKey:
        """Decode URL-safe base64 (padding optional), as :meth:`to_text` writes it."""
        cleaned = text.strip()
        try:
            raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (ValueError, TypeError) as exc:
            raise InputError("the master key is not URL-safe base64", source=source) from exc
        if len(raw) != KEY_BYTES:
            raise InputError(f"the master key must decode to {KEY_BYTES} bytes, got {len(raw)}", source=source)
        return cls(raw)

    def to_text(self) -> str:
        return base64.urlsafe_b64encode(self.key).decode("ascii").rstrip("=")

    @property
    def key_id(self) -> str:
        """A fingerprint recorded beside each wrapped key, so a wrong master key is named, not guessed at."""
        return hashlib.sha256(b"tailormed master key id\x00" + self.key).hexdigest()[:16]

    def derive(self, purpose: str) -> bytes:
        """A separate 32-byte secret for ``purpose`` (e.g. token signing): the master key is never used twice."""
        return hashlib.sha256(b"tailormed derived key\x00" + purpose.encode() + b"\x00" + self.key).digest()

    def wrap(self, data_key: bytes, key_row: str) -> bytes:
        return seal(self.key, data_key, f"data-key:{key_row}")

    def unwrap(self, wrapped: bytes, key_row: str) -> bytes:
        return open_sealed(self.key, wrapped, f"data-key:{key_row}")


def seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    """AES-GCM with a fresh random nonce; ``context`` is authenticated, not stored."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def open_sealed(key: bytes, blob: bytes, context: str) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT:
        raise DecryptionError(f"not a tailormed ciphertext ({context})")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, context.encode())
    except InvalidTag as exc:
        raise DecryptionError(f"ciphertext does not decrypt ({context}): wrong key or altered data") from exc


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def load_master_key(config: StoreConfig, *, create: bool = True) -> MasterKey:
    """The master key from the environment, else from the key file (created with mode 0600 when ``create``)."""
    if config.master_key is not None:
        return MasterKey.from_text(config.master_key)
    path = config.key_file
    if not path.exists():
        if not create:
            raise KnowledgeError("no master key: set TAILORMED_MASTER_KEY or create the key file", source=path)
        key = MasterKey.generate()
        write_key_file(path, key)
        return key
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InputError(f"key file is readable by others (mode {mode:o}); run 'chmod 600 {path}'", source=path)
    return MasterKey.from_text(path.read_text(encoding="ascii"), source=str(path))


def write_key_file(path: Path, key: MasterKey) -> None:
    """Write the key readable by its owner only, atomically (a half-written key file never exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.to_text() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
