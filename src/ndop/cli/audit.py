"""`ndop audit verify|checkpoint|checkpoint-key`: the chain, what it vouches for, and its anchors outside
the database (ADR 40, 41, 43)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ndop import container
from ndop.cli.common import fail, refuse
from ndop.cli.root import main
from ndop.services.check.verify_snapshots import verify_snapshots
from ndop.services.registry.verify_audit import verify_registry

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@main.group()
def audit() -> None:
    """The audit trail."""


def _public_key() -> Ed25519PublicKey:
    from django.conf import settings

    from ndop.adapters.files import checkpoints as files

    config = settings.CONFIG
    if config.checkpoint_public_key is not None:
        return files.load_public(config.checkpoint_public_key)
    if config.checkpoint_key is not None:
        return files.load_private(config.checkpoint_key).public_key()
    refuse("--checkpoints needs NDOP_CHECKPOINT_PUBLIC_KEY_FILE (or NDOP_CHECKPOINT_KEY_FILE) to be set")


@audit.command("verify")
@click.option("--checkpoints", "checkpoint_dir", type=click.Path(file_okay=False, path_type=Path),
              help="A directory of signed checkpoints the chain must still extend.")
def verify(checkpoint_dir: Path | None) -> None:
    """Check every audit record against the one before it, the choice history sealed in the chain, the
    current-choice projection rebuilt from the history, and every persisted snapshot. Exit 1 at the
    first difference."""
    from ndop.adapters.files import checkpoints as files

    checkpoints = []
    if checkpoint_dir is not None:
        try:
            checkpoints = files.read_all(checkpoint_dir, _public_key())
        except files.CheckpointError as exc:
            fail(str(exc))
    verdict = verify_registry(container.registry(), container.history_reader(), checkpoints=checkpoints)
    if verdict.problem is not None:
        fail(verdict.problem)
    snapshots = verify_snapshots(container.opt_out_source(), container.snapshot_store())
    if snapshots.problem is not None:
        fail(snapshots.problem)
    anchored = f", {len(checkpoints)} checkpoints extended" if checkpoints else ""
    click.echo(f"Audit chain intact: {verdict.records} records, {verdict.events} choice events sealed, "
               f"projection matches the history, {snapshots.checked} snapshots verified{anchored}.")


@audit.command("checkpoint")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the checkpoint (default: VAR_DIR/checkpoints). Keep copies outside the database.")
def checkpoint(out: Path | None) -> None:
    """Write a checkpoint of the chain's head (position, hash, time), signed with NDOP_CHECKPOINT_KEY_FILE."""
    from django.conf import settings

    from ndop.adapters.files import checkpoints as files
    from ndop.domain.common.checkpoints import Checkpoint

    key_path = settings.CONFIG.checkpoint_key
    if key_path is None:
        refuse("NDOP_CHECKPOINT_KEY_FILE is not set (create a key with `ndop audit checkpoint-key --out FILE`)")
    try:
        key = files.load_private(key_path)
    except files.CheckpointError as exc:
        refuse(str(exc))
    registry = container.registry()
    with registry.transaction():
        sequence, digest = registry.audit.head()
        version = registry.choices.registry_version()
    point = Checkpoint(sequence, digest, datetime.now(UTC).replace(microsecond=0), version)
    path = files.write(out or container.var_dir() / "checkpoints", point, key)
    click.echo(f"Checkpoint of record {sequence} written to {path}.")


@audit.command("checkpoint-key")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The private key file to create (0600); its public key is written beside it as OUT.pub.")
def checkpoint_key(out: Path) -> None:
    """Create an Ed25519 key for signing checkpoints. Keep it off the database server."""
    from ndop.adapters.files import checkpoints as files

    try:
        public = files.generate_key(out)
    except files.CheckpointError as exc:
        refuse(str(exc))
    click.echo(f"Signing key written to {out}; public key {public}. Set NDOP_CHECKPOINT_KEY_FILE={out}.")
