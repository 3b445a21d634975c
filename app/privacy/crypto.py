"""Key derivation (scrypt) and authenticated encryption (AES-256-GCM) for data at rest.

A blob is ``b"CV1" + nonce(12) + ciphertext+tag``; the associated data binds it to where it is
stored (e.g. ``b"patient:P-7K3Q9X"``) so a sealed name cannot be moved to another patient.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.errors import InputError

MAGIC = b"CV1"
NONCE_BYTES = 12
SALT_BYTES = 16
# scrypt cost: ~0.1 s and 32 MiB on a laptop; slows offline guessing of a stolen database.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class DecryptionError(InputError):
    """Wrong key, or the data was altered."""


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def derive_key(passphrase: str, salt: bytes, n: int = SCRYPT_N) -> bytes:
    if not passphrase:
        raise InputError("the passphrase is empty")
    return Scrypt(salt=salt, length=32, n=n, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase.encode("utf-8"))


def encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if not isinstance(blob, (bytes, bytearray)) or blob[: len(MAGIC)] != MAGIC or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise DecryptionError("not a cervicam encrypted value")
    nonce = bytes(blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES])
    try:
        return AESGCM(key).decrypt(nonce, bytes(blob[len(MAGIC) + NONCE_BYTES :]), aad)
    except InvalidTag:
        raise DecryptionError("wrong passphrase, or the encrypted data was altered") from None
