"""Exported opt-out snapshots on disk, signed with the registry's Ed25519 key.

The registry keeps the private key; a data platform is given only the public key (`ndop snapshot
public-key`), so it can verify a file but never make one. In development the key pair is created under
the var directory on first use (0600); in production `NDOP_SNAPSHOT_SIGNING_KEY` names the PEM file.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ndop.domain.check.export import ExportedSnapshot, ExportInvalid, decode, encode_unsigned, split_signature

_U32 = 4


class SigningKeyMissing(RuntimeError):
    pass


def load_or_create_signing_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    if not path.exists():
        if not create:
            raise SigningKeyMissing(
                f"There is no snapshot signing key at {path}: set NDOP_SNAPSHOT_SIGNING_KEY to the PEM file."
            )
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise SigningKeyMissing(f"The snapshot signing key at {path} is not an Ed25519 private key.")
    return loaded


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise ExportInvalid("The public key is not a PEM public key.") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ExportInvalid("The public key is not an Ed25519 key.")
    return key


def write_export(path: Path, snapshot: ExportedSnapshot, key: Ed25519PrivateKey) -> int:
    """Write atomically (a .part file renamed into place); returns the file's size."""
    signed = encode_unsigned(snapshot.header, snapshot.opted_out, snapshot.type1)
    signature = key.sign(signed)
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as out:
        out.write(signed)
        out.write(len(signature).to_bytes(_U32, "little"))
        out.write(signature)
    os.replace(part, path)
    return path.stat().st_size


def read_export(data: bytes, public_key: Ed25519PublicKey) -> ExportedSnapshot:
    """The snapshot in `data`, once its signature verifies; ExportInvalid otherwise."""
    signed, signature = split_signature(data)
    try:
        public_key.verify(signature, signed)
    except InvalidSignature:
        raise ExportInvalid(
            "The snapshot's signature does not verify with this public key: the file was changed, or it is "
            "not from this registry. Export a fresh one."
        ) from None
    return decode(signed)
