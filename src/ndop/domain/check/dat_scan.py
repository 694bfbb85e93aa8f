"""One pass over a buffer of `dat` lines, as plain Python: validate every line (Modulus 11), look the
number up in the opt-out bitmap and copy kept lines to the output.

This module does not import numba, so a small request can be checked by running `scan_dat` as it is:
importing numba and loading the cached machine code costs about half a second of CPU, far more than
plain Python takes for a few thousand rows (ADR 88; the crossover is measured by bench/check_startup.py).
`kernels.scan_dat` is this same function compiled by numba, for everything larger; there is one
source of the check's rules, and tests/unit/domain/check/test_dat_scan_properties.py holds the two
to the same results byte for byte.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from ndop.domain.common.nhs_number import InvalidReason

# Why a line is invalid: the reasons' codes as plain ints, which numba compiles in as constants.
BLANK: Final = int(InvalidReason.BLANK)
WRONG_LENGTH: Final = int(InvalidReason.WRONG_LENGTH)
NOT_DIGITS: Final = int(InvalidReason.NOT_DIGITS)
BAD_CHECK_DIGIT: Final = int(InvalidReason.BAD_CHECK_DIGIT)
TOO_LONG: Final = int(InvalidReason.TOO_LONG)

# Flags returned by `scan_dat`.
SAW_CRLF = 1
SAW_LF = 2
SAW_NUL = 4
SAW_TOO_LONG = 8
REPORT_FULL = 16
NEED_MORE = 32

LF = 10
CR = 13
COMMA = 44


BATCH = 4096


def scan_dat(  # noqa: C901 - one compiled pass (split into inlined helpers: 1.25-1.5x slower)
    buf: Any,
    start: int,
    end: int,
    final: bool,
    bitmap: Any,
    out: Any,
    out_pos: int,
    writing: bool,
    inv_line: Any,
    inv_code: Any,
    inv_cap: int,
    line_no: int,
    max_line: int,
) -> tuple[int, int, int, int, int, int, int, int]:
    """Check the lines in buf[start:end].

    Stops before a line without its newline unless `final`; stops when `inv_cap` invalid rows are
    recorded. Returns (consumed up to, out_pos, rows, invalid, removed, invalid rows recorded,
    flags, line_no of the last line done). While `writing`, kept lines are copied to `out`.

    Lines go in batches: parse a batch, then look every number up in a tight loop (so that the
    processor overlaps the cache misses of the random look-ups), then copy the kept lines.
    """
    starts = np.empty(BATCH, np.int64)
    keys = np.empty(BATCH, np.int64)
    hits = np.empty(BATCH, np.uint8)
    i = start
    rows = 0
    invalid = 0
    removed = 0
    n_inv = 0
    flags = 0
    done = False
    while not done and i < end:
        nb = 0
        batch_start = i
        while nb < BATCH and i < end:
            # The usual lines first: `NNNNNNNNNN,\n` and `NNNNNNNNNN,\r\n`.
            if i + 12 <= end and buf[i + 11] == LF and buf[i + 10] == COMMA:
                stop = i + 12
                cend = i + 10
                flags |= SAW_LF
            elif i + 13 <= end and buf[i + 12] == LF and buf[i + 11] == CR and buf[i + 10] == COMMA:
                stop = i + 13
                cend = i + 10
                flags |= SAW_CRLF
            else:
                j = i
                while j < end and buf[j] != LF:
                    j += 1
                if j == end:
                    if not final:
                        flags |= NEED_MORE
                        done = True
                        break
                    stop = end
                    cend = end
                else:
                    stop = j + 1
                    cend = j
                    if cend > i and buf[cend - 1] == CR:
                        cend -= 1
                        flags |= SAW_CRLF
                    else:
                        flags |= SAW_LF
                if cend > i and buf[cend - 1] == COMMA:
                    cend -= 1
            if inv_cap > 0 and n_inv >= inv_cap:
                flags |= REPORT_FULL
                done = True
                break
            rows += 1
            line_no += 1
            length = cend - i
            code = 0
            q = 0
            if length == 10:
                s = 0
                bad = False
                for k in range(9):
                    d = int(buf[i + k]) - 48
                    bad |= (d < 0) | (d > 9)
                    q = q * 10 + d
                    s += d * (10 - k)
                last = int(buf[i + 9]) - 48
                if bad or last < 0 or last > 9:
                    code = NOT_DIGITS
                else:
                    check = 11 - s % 11
                    if check == 11:
                        check = 0
                    if check != last:
                        code = BAD_CHECK_DIGIT
            elif stop - i > max_line:
                code = TOO_LONG
                flags |= SAW_TOO_LONG
            elif length == 0:
                code = BLANK
            else:
                code = WRONG_LENGTH
            if code != 0:
                invalid += 1
                writing = False
                for k in range(i, cend):
                    if buf[k] == 0:
                        flags |= SAW_NUL
                        break
                if inv_cap > 0:
                    inv_line[n_inv] = line_no
                    inv_code[n_inv] = code
                    n_inv += 1
            starts[nb] = i
            keys[nb] = q
            nb += 1
            i = stop
        if not writing:
            continue
        for r in range(nb):
            q = keys[r]
            hits[r] = (bitmap[q >> 3] >> (q & 7)) & 1
        # Copy runs of kept lines (between removed ones) with one block copy each.
        run = batch_start
        for r in range(nb):
            if hits[r]:
                removed += 1
                a = starts[r]
                if a > run:
                    out[out_pos : out_pos + a - run] = buf[run:a]
                    out_pos += a - run
                run = starts[r + 1] if r + 1 < nb else i
        if i > run:
            out[out_pos : out_pos + i - run] = buf[run:i]
            out_pos += i - run
    return i, out_pos, rows, invalid, removed, n_inv, flags, line_no
