"""The exported snapshot's format, its signature, its age, and the integer validator it is applied with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.adapters.files.snapshot_export import load_public_key, public_pem, read_export, write_export
from ndop.domain.check.export import (
    ExportedSnapshot,
    ExportHeader,
    ExportInvalid,
    ExportTooOld,
    contains,
    set_keys,
    valid_numbers,
)
from ndop.domain.check.snapshot import empty_bitmap
from ndop.domain.common.nhs_number import is_valid

TAKEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def bitmap_of(keys: list[int]) -> np.ndarray:
    bits = empty_bitmap()
    for key in keys:
        bits[key >> 3] |= 1 << (key & 7)
    return bits


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(0, 999_999_999), max_size=200))
def test_set_keys_returns_every_set_bit_sorted(keys: set[int]) -> None:
    assert set_keys(bitmap_of(sorted(keys))).tolist() == sorted(keys)


@given(st.integers(0, 9_999_999_999))
def test_valid_numbers_agrees_with_the_text_validator(value: int) -> None:
    assert bool(valid_numbers(np.array([value], np.int64))[0]) is is_valid(f"{value:010d}")


def test_valid_numbers_refuses_negative_and_too_long() -> None:
    assert not valid_numbers(np.array([-9434765919, 19434765919], np.int64)).any()


@given(st.sets(st.integers(0, 999_999_999), max_size=50), st.lists(st.integers(-5, 1_000_000_005), max_size=50))
def test_contains_is_set_membership(keys: set[int], probes: list[int]) -> None:
    sorted_keys = np.array(sorted(keys), np.uint32)
    found = contains(sorted_keys, np.array(probes, np.int64))
    assert found.tolist() == [p in keys for p in probes]


def exported(keys: list[int], type1: list[int] | None = None, taken: datetime = TAKEN) -> ExportedSnapshot:
    header = ExportHeader(7, taken.isoformat(), len(keys), None if type1 is None else len(type1))
    return ExportedSnapshot(header, np.array(keys, np.uint32), None if type1 is None else np.array(type1, np.uint32))


def test_signed_export_round_trips(tmp_path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "snap.bin"
    write_export(path, exported([3, 94347659], [5]), key)
    back = read_export(path.read_bytes(), load_public_key(public_pem(key)))
    assert back.header.registry_version == 7
    assert back.opted_out.tolist() == [3, 94347659] and back.type1.tolist() == [5]


@pytest.mark.parametrize("where", [0, 20, -70, -1])
def test_a_changed_byte_anywhere_is_refused(tmp_path, where: int) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "snap.bin"
    write_export(path, exported([1, 2, 3]), key)
    data = bytearray(path.read_bytes())
    data[where] ^= 0x01
    with pytest.raises(ExportInvalid):
        read_export(bytes(data), load_public_key(public_pem(key)))


def test_another_registrys_key_is_refused(tmp_path) -> None:
    path = tmp_path / "snap.bin"
    write_export(path, exported([1]), Ed25519PrivateKey.generate())
    with pytest.raises(ExportInvalid, match="does not verify"):
        read_export(path.read_bytes(), load_public_key(public_pem(Ed25519PrivateKey.generate())))


def test_a_truncated_file_is_refused(tmp_path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "snap.bin"
    write_export(path, exported(list(range(100))), key)
    with pytest.raises(ExportInvalid):
        read_export(path.read_bytes()[:200], load_public_key(public_pem(key)))


def test_a_stale_snapshot_is_refused_with_how_to_get_a_fresh_one() -> None:
    snap = exported([1])
    snap.refuse_if_older_than(timedelta(hours=24), TAKEN + timedelta(hours=23))
    with pytest.raises(ExportTooOld, match="ndop snapshot export"):
        snap.refuse_if_older_than(timedelta(hours=24), TAKEN + timedelta(hours=25))
