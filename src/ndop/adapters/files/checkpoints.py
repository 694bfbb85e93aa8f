"""Signed audit checkpoints as files, and the Ed25519 keys that sign them (ADR 41).

The private key lives in a file named by `NDOP_CHECKPOINT_KEY_FILE`, never in the database, so someone
who can rewrite the database cannot sign a checkpoint for their rewrite. Verification needs only the
public key (`NDOP_CHECKPOINT_PUBLIC_KEY_FILE`, or the one derived from the private key).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ndop.domain.common.checkpoints import Checkpoint

FORMAT = 1


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used; the message names the file."""


def generate_key(path: Path) -> Path:
    """Write a new private key to `path` (0600) and its public key beside it; return the public key's path."""
    if path.exists():
        raise CheckpointError(f"{path} exists; refusing to overwrite a signing key")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    public = path.with_name(path.name + ".pub")
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return public


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read the checkpoint signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read the checkpoint public key {path}: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 public key")
    return key


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def write(directory: Path, checkpoint: Checkpoint, key: Ed25519PrivateKey) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    body = json.loads(checkpoint.payload())
    body["format"] = FORMAT
    body["key_id"] = key_id(key.public_key())
    body["signature"] = base64.b64encode(key.sign(checkpoint.payload())).decode()
    stamp = checkpoint.made_at.strftime("%Y%m%dT%H%M%S")
    path = directory / f"checkpoint-{checkpoint.sequence:012d}-{stamp}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def read_all(directory: Path, public: Ed25519PublicKey) -> list[tuple[str, Checkpoint]]:
    """Every checkpoint in `directory`, each signature verified; a bad one raises naming its file."""
    if not directory.is_dir():
        raise CheckpointError(f"{directory} is not a directory of checkpoints")
    result = []
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            body = json.loads(path.read_text())
            checkpoint = Checkpoint(int(body["sequence"]), str(body["hash"]),
                                    datetime.fromisoformat(body["made_at"]), int(body["registry_version"]))
            signature = base64.b64decode(body["signature"], validate=True)
        except (OSError, ValueError, KeyError, TypeError):
            raise CheckpointError(f"checkpoint {path.name} cannot be read") from None
        try:
            public.verify(signature, checkpoint.payload())
        except InvalidSignature:
            raise CheckpointError(f"checkpoint {path.name}: the signature does not verify") from None
        result.append((path.name, checkpoint))
    if not result:
        raise CheckpointError(f"{directory} holds no checkpoint-*.json files")
    return result
