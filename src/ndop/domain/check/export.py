"""The exported opt-out snapshot: the set a check removes, for data platforms that apply it themselves.

A data platform (Spark, Databricks, a Secure Data Environment) holds billions of rows and applies the
opt-out where the data lies. It gets the opted-out set as a file: the keys (first nine digits) of every
NHS number a check would remove, sorted, as little-endian uint32 — 3.4 million opt-outs are 13.6 MB,
against 125 MB for the check's own bitmap, and a sorted array is what a broadcast ships best. An
optional second section holds the Type 1 objections, for flows of GP data.

The file (all integers little-endian):

    magic  b"NDOPSNP1"                      8 bytes
    header length                            4 bytes, then the header: UTF-8 JSON (see `ExportHeader`)
    opted-out keys                           uint32 x header.opted_out
    Type 1 keys                              uint32 x header.type1 (absent when header.type1 is null)
    signature length                         4 bytes, then the signature over every byte before it

The signature (Ed25519, made in the adapter) lets a platform that holds only the registry's public key
know the file is the registry's and unchanged; the header's `taken_at` lets it refuse a stale one (the
licence allows a "temporary cache" only for a fixed period and it "must regularly update it").
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

MAGIC: Final = b"NDOPSNP1"
ENCODING: Final = "sorted-uint32-le"
_U32: Final = struct.Struct("<I")


class ExportInvalid(ValueError):
    """The file is not an exported snapshot, is damaged, or its signature does not verify."""


class ExportTooOld(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ExportHeader:
    registry_version: int
    taken_at: str  # ISO 8601 with an offset: when the registry was read
    opted_out: int  # how many opted-out keys follow
    type1: int | None  # how many Type 1 keys follow; None when the export has no Type 1 section
    encoding: str = ENCODING
    format: int = 1

    @property
    def taken(self) -> datetime:
        return datetime.fromisoformat(self.taken_at)


@dataclass(frozen=True, slots=True, eq=False)
class ExportedSnapshot:
    header: ExportHeader
    opted_out: npt.NDArray[np.uint32]  # sorted keys
    type1: npt.NDArray[np.uint32] | None  # sorted keys, or None

    def refuse_if_older_than(self, max_age: timedelta, now: datetime) -> None:
        age = now - self.header.taken
        if age > max_age:
            hours, allowed = age.total_seconds() / 3600, max_age.total_seconds() / 3600
            raise ExportTooOld(
                f"The opt-out snapshot was taken {hours:.1f} hours ago, more than the {allowed:g} hours allowed. "
                "Export a fresh one with `ndop snapshot export` and apply that."
            )


def set_keys(bitmap: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint32]:
    """The keys whose bit is set in a check bitmap (bit `key & 7` of byte `key >> 3`), sorted.

    Scans the 125 MB bitmap once for its non-zero bytes and unpacks only those, so memory stays
    proportional to the number of opt-outs, not to the key space.
    """
    nonzero = np.flatnonzero(bitmap)
    bits = np.unpackbits(bitmap[nonzero].reshape(-1, 1), axis=1, bitorder="little")
    rows, cols = np.nonzero(bits)
    keys: npt.NDArray[np.uint32] = (nonzero[rows].astype(np.int64) * 8 + cols).astype(np.uint32)
    return keys  # np.nonzero walks row-major: already sorted


def encode_unsigned(header: ExportHeader, opted_out: npt.NDArray[np.uint32], type1: npt.NDArray[np.uint32] | None
                    ) -> bytes:
    """Everything the signature covers: magic, header and key sections."""
    if header.opted_out != len(opted_out) or (header.type1 is None) != (type1 is None) or (
        type1 is not None and header.type1 != len(type1)
    ):
        raise ValueError("the header's counts do not match the key sections")
    head = json.dumps(asdict(header), sort_keys=True).encode()
    parts = [MAGIC, _U32.pack(len(head)), head, np.ascontiguousarray(opted_out, "<u4").tobytes()]
    if type1 is not None:
        parts.append(np.ascontiguousarray(type1, "<u4").tobytes())
    return b"".join(parts)


def split_signature(data: bytes) -> tuple[bytes, bytes]:
    """(signed part, signature). The signature's length is the file's last field, before the signature."""
    signed_end = _signed_end(data)
    (length,) = _U32.unpack_from(data, signed_end)
    signature = data[signed_end + 4:]
    if len(signature) != length:
        raise ExportInvalid("The snapshot file is damaged: its signature is cut short or has extra bytes.")
    return data[:signed_end], signature


def decode(signed: bytes) -> ExportedSnapshot:
    """The snapshot in the signed part of a file (verify the signature first). Arrays are views, not copies."""
    header = _header(signed)
    offset = _body_offset(signed)
    opted = np.frombuffer(signed, "<u4", count=header.opted_out, offset=offset)
    type1 = None
    if header.type1 is not None:
        type1 = np.frombuffer(signed, "<u4", count=header.type1, offset=offset + 4 * header.opted_out)
    return ExportedSnapshot(header, opted.astype(np.uint32, copy=False), type1)


def _header(data: bytes) -> ExportHeader:
    if data[:8] != MAGIC:
        raise ExportInvalid("This is not an ndop opt-out snapshot export (it does not start with NDOPSNP1).")
    if len(data) < 12:
        raise ExportInvalid("The snapshot file is damaged: it ends inside its header.")
    (length,) = _U32.unpack_from(data, 8)
    try:
        fields = json.loads(data[12:12 + length])
        header = ExportHeader(**fields)
    except (ValueError, TypeError):
        raise ExportInvalid("The snapshot file is damaged: its header is not readable.") from None
    if header.format != 1 or header.encoding != ENCODING:
        raise ExportInvalid(f"This snapshot export is format {header.format}, which this version cannot read.")
    return header


def _body_offset(data: bytes) -> int:
    (length,) = _U32.unpack_from(data, 8)
    return 12 + int(length)


def _signed_end(data: bytes) -> int:
    header = _header(data)
    end = _body_offset(data) + 4 * (header.opted_out + (header.type1 or 0))
    if len(data) < end + 4:
        raise ExportInvalid("The snapshot file is damaged: it is shorter than its header says.")
    return end


# -- applying it: NHS numbers as integers (a platform's column, as text or as a number) ------------------

_POWERS: Final = 10 ** np.arange(9, -1, -1, dtype=np.int64)
_WEIGHTS: Final = np.arange(10, 1, -1, dtype=np.int64)


def valid_numbers(values: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True where a ten-digit NHS number (given as an integer, so leading zeros are implied) has a
    correct Modulus 11 check digit: the rule `nhs_number.valid_mask` applies to text."""
    in_range = (values >= 0) & (values <= 9_999_999_999)
    v = np.where(in_range, values, 0)
    digits = (v[:, None] // _POWERS) % 10
    total = digits[:, :9] @ _WEIGHTS
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    ok: npt.NDArray[np.bool_] = in_range & (check != 10) & (check == digits[:, 9])
    return ok


def contains(sorted_keys: npt.NDArray[np.uint32], keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Membership of each key in a sorted key set (binary search: no 125 MB bitmap on an executor)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), np.bool_)
    probe = np.clip(keys, 0, 0xFFFFFFFF).astype(np.uint32)
    at = np.searchsorted(sorted_keys, probe)
    at = np.minimum(at, len(sorted_keys) - 1)
    # A key outside uint32 (negative, or too long) is clipped onto the range's ends: it is never a member.
    found: npt.NDArray[np.bool_] = (sorted_keys[at] == probe) & (keys >= 0) & (keys <= 0xFFFFFFFF)
    return found
