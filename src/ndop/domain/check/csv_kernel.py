"""Compiled scan of CSV requests (numba): RFC 4180 records found, checked and copied in one pass.

The state machine is the one of Python's csv module (excel dialect, strict), which the CSV path used
before (tests/unit/domain/check/csv_reference.py keeps that path as the oracle): fields split at
commas; a field that starts with a quote runs to the next lone quote, doubled quotes and commas and
line breaks inside it; a quote anywhere else is an ordinary character; a closing quote must be
followed by a comma or the end of the line. Lines end at LF, CRLF or a lone CR, as Python's
universal-newline reading splits them, and a record always ends at the end of a line, so a kept row
is a plain byte copy of its lines, quoting and line ending as sent.

What the old path refused, this refuses with the same code and at the same record: a line longer
than `max_line` characters, a NUL in a line, a field longer than `field_limit` characters (the csv
module's limit), a stray quote, the end of the file inside a quoted field, and bytes that are not
UTF-8. The helpers are small compiled functions that numba inlines (`inline="always"`), so the split
that keeps each one readable costs nothing at run time.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numba import njit

from ndop.domain.check.dat_scan import BAD_CHECK_DIGIT, BLANK, CR, LF, NOT_DIGITS, WRONG_LENGTH
from ndop.domain.check.llvm_memory import copy_bytes, prefetch
from ndop.domain.common.nhs_number import InvalidReason

NO_VALUE: Final = int(InvalidReason.NO_VALUE)
QUOTE: Final = 34
COMMA: Final = 44

# What a record scan ends with. OK and MORE carry on; the rest stop the check (the request is refused).
OK: Final = 0
MORE = 1  # the record runs past the buffer: scan it again from its start with more bytes
BAD_CSV = 2  # a quote out of place, or a field over the limit
TRUNCATED = 3  # the file ends inside a quoted field
TOO_LONG = 4  # a line over `max_line` characters
NOT_TEXT = 5  # a NUL, or bytes that are not UTF-8

BATCH: Final = 4096

# Byte classes: which bytes stop the fast loop over an unquoted field (UNQ) or a quoted one (QUO).
UNQ: Final = 1
QUO: Final = 2


def _classes() -> Any:
    table = np.zeros(256, np.uint8)
    for b in (COMMA, CR, LF, 0):
        table[b] |= UNQ
    for b in (QUOTE, CR, LF, 0):
        table[b] |= QUO
    table[0x80:] = UNQ | QUO  # not ASCII: checked as UTF-8
    return table


CLASSES: Final = _classes()

_inline = njit(cache=True, nogil=True, boundscheck=False, inline="always")


@_inline
def utf8_length(buf: Any, i: int, end: int) -> int:
    """The length of the UTF-8 sequence at buf[i] (not ASCII): 0 if invalid, -1 if cut off at `end`.

    Strict as Python's decoder: no overlong forms, no surrogates, nothing above U+10FFFF.
    """
    b0 = buf[i]
    if b0 < 0xC2 or b0 > 0xF4:
        return 0
    need = 2 if b0 < 0xE0 else (3 if b0 < 0xF0 else 4)
    lo = 0x80
    hi = 0xBF
    if b0 == 0xE0:
        lo = 0xA0
    elif b0 == 0xED:
        hi = 0x9F
    elif b0 == 0xF0:
        lo = 0x90
    elif b0 == 0xF4:
        hi = 0x8F
    for k in range(1, need):
        if i + k >= end:
            return -1
        b = buf[i + k]
        if k == 1 and (b < lo or b > hi):
            return 0
        if b < 0x80 or b > 0xBF:
            return 0
    return need


@_inline
def _chars(buf: Any, a: int, b: int) -> int:
    """Characters in buf[a:b], valid UTF-8: the bytes that are not continuation bytes."""
    n = 0
    for k in range(a, b):
        if buf[k] < 0x80 or buf[k] >= 0xC0:
            n += 1
    return n


@_inline
def _line_too_long(buf: Any, line_start: int, line_end: int, max_line: int) -> bool:
    return line_end - line_start > max_line and _chars(buf, line_start, line_end) > max_line


@_inline
def _after_eol(buf: Any, i: int, end: int, final: bool) -> int:
    """Where the line break at buf[i] (CR or LF) ends; -1 when a CR ends the buffer (an LF may follow)."""
    if buf[i] == LF:
        return i + 1
    if i + 1 < end:
        return i + 2 if buf[i + 1] == LF else i + 1
    return i + 1 if final else -1


@_inline
def _stop_in_line(buf: Any, i: int, line_start: int, end: int, final: bool, max_line: int, code: int) -> int:
    """`code` found at buf[i]; but the old path read a line whole first and refused a line that was too
    long, then one holding a NUL, before it parsed the line: so look at the rest of this line first."""
    j = i
    while j < end and buf[j] != LF and buf[j] != CR:
        if buf[j] == 0:
            code = NOT_TEXT
        j += 1
    if j == end:
        if not final:
            return MORE
        line_end = end
    else:
        line_end = _after_eol(buf, j, end, final)
        if line_end < 0:
            return MORE
    return TOO_LONG if _line_too_long(buf, line_start, line_end, max_line) else code


@_inline
def value_reason(buf: Any, a: int, b: int, doubled: int, wide: bool) -> tuple[int, int]:
    """Why the field value buf[a:b] is not a valid NHS number (0 if it is), and its first nine digits.

    `doubled` quote pairs and `wide` (non-ASCII) characters count as one character each, as in the
    decoded value the old path checked.
    """
    n = (_chars(buf, a, b) if wide else b - a) - doubled
    if n == 0:
        return NO_VALUE, 0
    if n != 10:
        return WRONG_LENGTH, 0
    if b - a != 10:
        return NOT_DIGITS, 0  # ten characters but not ten bytes: a quote or a non-ASCII one among them
    s = 0
    q = 0
    bad = False
    for k in range(9):
        d = int(buf[a + k]) - 48
        bad |= (d < 0) | (d > 9)
        q = q * 10 + d
        s += d * (10 - k)
    last = int(buf[a + 9]) - 48
    if bad or last < 0 or last > 9:
        return NOT_DIGITS, 0
    check = 11 - s % 11
    if check == 11:
        check = 0
    return (0 if check == last else BAD_CHECK_DIGIT), q


@_inline
def _quoted(
    buf: Any, i: int, end: int, final: bool, line_start: int, max_line: int, field_limit: int
) -> tuple[int, int, int, bool, int, int]:
    """A quoted field whose content starts at buf[i]. Returns (status, where its closing quote ends,
    doubled quotes, non-ASCII seen, line breaks inside, the start of the line it ends on)."""
    start = i
    doubled = 0
    wide = False
    breaks = 0
    while True:
        while i < end and CLASSES[buf[i]] & QUO == 0:
            i += 1
        if i >= end:
            if not final:
                return MORE, i, 0, wide, breaks, line_start
            code = TOO_LONG if _line_too_long(buf, line_start, end, max_line) else TRUNCATED
            return code, i, 0, wide, breaks, line_start
        c = buf[i]
        if c == QUOTE:
            if i + 1 < end and buf[i + 1] == QUOTE:
                doubled += 1
                i += 2
                continue
            if i + 1 >= end and not final:
                return MORE, i, 0, wide, breaks, line_start
            i += 1
            if i - 1 - start - doubled > field_limit and _chars(buf, start, i - 1) - doubled > field_limit:
                return _stop_in_line(buf, i, line_start, end, final, max_line, BAD_CSV), i, 0, wide, breaks, 0
            return OK, i, doubled, wide, breaks, line_start
        if (c == LF) | (c == CR):
            status, nxt = _break_in_field(buf, i, end, final, line_start, start, doubled, max_line, field_limit)
            if status != OK:
                return status, i, 0, wide, breaks, line_start
            breaks += 1
            line_start = nxt
            i = nxt
        elif c == 0:
            return _stop_in_line(buf, i, line_start, end, final, max_line, NOT_TEXT), i, 0, wide, breaks, 0
        else:
            status, i = _wide(buf, i, end, final)
            if status != OK:
                return status, i, 0, wide, breaks, line_start
            wide = True


@_inline
def _wide(buf: Any, i: int, end: int, final: bool) -> tuple[int, int]:
    """A character that is not ASCII at buf[i]: (OK, after it), or why the request stops (or MORE)."""
    n = utf8_length(buf, i, end)
    if n < 0:
        return (NOT_TEXT if final else MORE), i
    if n == 0:
        return NOT_TEXT, i
    return OK, i + n


@_inline
def _break_in_field(
    buf: Any, i: int, end: int, final: bool, line_start: int, start: int, doubled: int, max_line: int, field_limit: int
) -> tuple[int, int]:
    """A line break at buf[i] inside the quoted field that started at `start`: (OK, the next line's
    start), or why the request stops there: the line just ended is too long, or the field is."""
    nxt = _after_eol(buf, i, end, final)
    if nxt < 0:
        return MORE, i
    if _line_too_long(buf, line_start, nxt, max_line):
        return TOO_LONG, i
    if nxt - start - doubled > field_limit and _chars(buf, start, nxt) - doubled > field_limit:
        return BAD_CSV, i
    return OK, nxt


@_inline
def _field_end(
    buf: Any, start: int, i: int, end: int, final: bool, line_start: int, max_line: int, field_limit: int
) -> int:
    """An unquoted field buf[start:i] ends: OK, or BAD_CSV if it is over the csv module's field limit
    (which happens only if someone lowers the limit below the line limit)."""
    if i - start > field_limit and _chars(buf, start, i) > field_limit:
        return _stop_in_line(buf, i, line_start, end, final, max_line, BAD_CSV)
    return OK


@_inline
def _unquoted(
    buf: Any, i: int, end: int, final: bool, line_start: int, max_line: int, field_limit: int
) -> tuple[int, int, bool]:
    """An unquoted field from buf[i]. Returns (status, where it ends: a comma, a line break or `end`,
    non-ASCII seen)."""
    start = i
    wide = False
    while True:
        while i < end and CLASSES[buf[i]] & UNQ == 0:
            i += 1
        if i >= end:
            status = _field_end(buf, start, i, end, final, line_start, max_line, field_limit) if final else MORE
            return status, i, wide
        c = buf[i]
        if (c == COMMA) | (c == LF) | (c == CR):
            return _field_end(buf, start, i, end, final, line_start, max_line, field_limit), i, wide
        if c == 0:
            return _stop_in_line(buf, i, line_start, end, final, max_line, NOT_TEXT), i, wide
        status, i = _wide(buf, i, end, final)
        if status != OK:
            return status, i, wide
        wide = True


@_inline
def _end_record(buf: Any, i: int, end: int, final: bool, line_start: int, max_line: int) -> tuple[int, int]:
    """The record ends at buf[i]: a line break, or the end of the file. Returns (status, next record)."""
    if i >= end:
        nxt = end
    else:
        nxt = _after_eol(buf, i, end, final)
        if nxt < 0:
            return MORE, i
    if _line_too_long(buf, line_start, nxt, max_line):
        return TOO_LONG, nxt
    return OK, nxt


@_inline
def _record(
    buf: Any, i: int, end: int, final: bool, column: int, max_line: int, field_limit: int
) -> tuple[int, int, int, int, int]:
    """One record from buf[i] (i < end). Returns (status, where the next record starts, why the value
    in field `column` is invalid or 0, its first nine digits, the lines the record took)."""
    line_start = i
    lines = 1
    if buf[i] == LF or buf[i] == CR:
        status, nxt = _end_record(buf, i, end, final, line_start, max_line)
        return status, nxt, BLANK, 0, lines
    reason = NO_VALUE
    key = 0
    field = 0
    while True:
        if i < end and buf[i] == QUOTE:
            content = i + 1
            status, i, doubled, wide, breaks, line_start = _quoted(
                buf, content, end, final, line_start, max_line, field_limit
            )
            if status != OK:
                return status, i, 0, 0, lines
            lines += breaks
            if field == column:
                reason, key = value_reason(buf, content, i - 1, doubled, wide)
            if i < end and buf[i] != COMMA and buf[i] != LF and buf[i] != CR:
                return _stop_in_line(buf, i, line_start, end, final, max_line, BAD_CSV), i, 0, 0, lines
            if i >= end and not final:
                return MORE, i, 0, 0, lines
        else:
            start = i
            status, i, wide = _unquoted(buf, i, end, final, line_start, max_line, field_limit)
            if status != OK:
                return status, i, 0, 0, lines
            if field == column:
                reason, key = value_reason(buf, start, i, 0, wide)
        field += 1
        if i < end and buf[i] == COMMA:
            i += 1
            continue
        status, nxt = _end_record(buf, i, end, final, line_start, max_line)
        return status, nxt, reason, key, lines


@_inline
def _plain_field(buf: Any, p: int, lim: int, own: bool) -> tuple[bool, int, int, int]:
    """A field of a plain record from buf[p] (see `_plain_record`). Returns (plain so far, the value's
    start and end, where the field ends: at the comma or line break after it). `own`: the number's field,
    which must be ASCII without doubled quotes, so that its value is its bytes."""
    if buf[p] != QUOTE:
        a = p
        while True:
            while p < lim and CLASSES[buf[p]] & UNQ == 0:
                p += 1
            if p >= lim or buf[p] < 0x80 or own:
                return p < lim, a, p, p
            n = utf8_length(buf, p, lim)
            if n <= 0:
                return False, a, p, p
            p += n
    a = p + 1
    p = a
    while True:
        while p < lim and CLASSES[buf[p]] & QUO == 0:
            p += 1
        if p >= lim:
            return False, a, p, p
        c = buf[p]
        if c == QUOTE:
            if p + 1 < lim and buf[p + 1] == QUOTE:
                if own:
                    return False, a, p, p
                p += 2
                continue
            return p + 1 < lim, a, p, p + 1
        if c < 0x80 or own:
            return False, a, p, p  # a line break inside the quotes (a record of two lines), or a NUL
        n = utf8_length(buf, p, lim)
        if n <= 0:
            return False, a, p, p
        p += n


@_inline
def _plain_number(buf: Any, p: int, lim: int) -> tuple[bool, int, int, int]:
    """The number's field from buf[p] in a plain record. Returns (plain so far, the reason, the key, where
    the field ends). Ten digits and a comma or line break after them are taken without a loop: ten digits
    hold no byte that ends a field, so that is the field, whatever its check digit."""
    if p + 10 < lim:
        c = buf[p + 10]
        if (c == COMMA) | (c == LF) | (c == CR):
            reason, key = value_reason(buf, p, p + 10, 0, False)
            if (reason == 0) | (reason == BAD_CHECK_DIGIT):  # both mean ten digits
                return True, reason, key, p + 10
    plain, a, b, p = _plain_field(buf, p, lim, True)
    reason, key = value_reason(buf, a, b, 0, False)
    return plain, reason, key, p


@_inline
def _plain_wide(buf: Any, p: int, lim: int) -> int:
    """After the character that is not ASCII at buf[p], or -1 if it is not valid UTF-8 before `lim`."""
    n = utf8_length(buf, p, lim)
    return p + n if n > 0 else -1


@_inline
def _plain_quoted(buf: Any, p: int, lim: int) -> int:
    """A quoted field whose content starts at buf[p], in a plain record: where its closing quote ends,
    or -1 (a line break inside the quotes, a record of two lines; a NUL; the field runs to `lim`)."""
    while True:
        while p < lim and CLASSES[buf[p]] & QUO == 0:
            p += 1
        if p + 1 >= lim:
            return -1
        c = buf[p]
        if c == QUOTE:
            if buf[p + 1] != QUOTE:
                return p + 1
            p += 2
        elif c < 0x80:
            return -1
        else:
            p = _plain_wide(buf, p, lim)
            if p < 0:
                return -1


@_inline
def _plain_rest(buf: Any, p: int, lim: int) -> int:
    """The rest of a plain record from buf[p], just after a comma: where its line ends (after the LF or
    CRLF), or -1 if it is not plain. Field boundaries no longer matter, only what a quote means: one just
    after a comma opens a quoted field (which must close on the same line, followed by a comma or the
    line break); any other is a character of an unquoted field. So the walk stops only at quotes, line
    breaks, NULs and bytes that are not ASCII, not at every comma."""
    while True:
        while p < lim and CLASSES[buf[p]] & QUO == 0:
            p += 1
        if p >= lim:
            return -1
        c = buf[p]
        if c == QUOTE and buf[p - 1] == COMMA:
            p = _plain_quoted(buf, p + 1, lim)
            if p < 0:
                return -1
            c = buf[p]
            if c == COMMA:
                p += 1
                continue
            if (c != LF) & (c != CR):
                return -1  # a character after the closing quote: `_record` refuses it
        elif c == QUOTE:
            p += 1
            continue
        elif c >= 0x80:
            p = _plain_wide(buf, p, lim)
            if p < 0:
                return -1
            continue
        if c == LF:
            return p + 1
        if c == CR and p + 1 < lim and buf[p + 1] == LF:
            return p + 2
        return -1  # a lone CR (an LF may follow in the next buffer), or a NUL


@_inline
def _plain_record(buf: Any, i: int, end: int, column: int, max_line: int) -> tuple[bool, int, int, int]:
    """The common record, checked without the full state machine: one line of at most `max_line` bytes
    that ends (LF or CRLF) before `end`, its fields well formed, no NUL, valid UTF-8, no line break inside
    quotes, the number's field ASCII without doubled quotes and present. Returns (True, the next record,
    the reason, the key) for such a record, which is exactly what `_record` returns for it; (False, ...)
    for any other, which `_record` then scans from its start: this path decides nothing `_record` would
    decide otherwise, it only decides the plain case sooner."""
    lim = min(end, i + max_line)  # a record found within it is not too long, in bytes or characters
    c = buf[i]
    if (c == LF) | (c == CR):
        return False, i, 0, 0  # an empty line: BLANK, `_record`'s to say
    p = i
    for _ in range(column):
        plain, _a, _b, p = _plain_field(buf, p, lim, False)
        if not plain or buf[p] != COMMA or p + 1 >= lim:
            return False, i, 0, 0  # also a short row, without the number's field
        p += 1
    plain, reason, key, p = _plain_number(buf, p, lim)
    if not plain:
        return False, i, 0, 0
    c = buf[p]
    if c == COMMA:
        nxt = _plain_rest(buf, p + 1, lim)
        return nxt >= 0, nxt, reason, key
    if c == LF:
        return True, p + 1, reason, key
    if c == CR and p + 1 < lim and buf[p + 1] == LF:
        return True, p + 2, reason, key
    return False, i, 0, 0


@njit(cache=True, nogil=True, boundscheck=False)
def scan_csv(
    buf: Any,
    start: int,
    end: int,
    final: bool,
    column: int,
    bitmap: Any,
    out: Any,
    out_pos: int,
    writing: bool,
    inv_line: Any,
    inv_code: Any,
    inv_cap: int,
    line_no: int,
    max_line: int,
    field_limit: int,
) -> tuple[int, int, int, int, int, int, int, bool, int]:
    """Check the records in buf[start:end], as `kernels.scan_dat` does the lines of a `dat` request.

    Stops at a record that runs past `end` (MORE, unless `final`), at a record the request is refused
    for (its status), or when `inv_cap` invalid rows are recorded (the last value True). Returns
    (where it stopped, out_pos, rows, invalid, removed, invalid rows recorded, status, report full,
    line_no of the last line done). Records go in batches, looked up in a tight loop, as in scan_dat.
    """
    fast = field_limit >= max_line  # a field within a plain record is then never over the field limit
    starts = np.empty(BATCH, np.int64)
    keys = np.empty(BATCH, np.int64)
    hits = np.empty(BATCH, np.uint8)
    i = start
    rows = 0
    invalid = 0
    removed = 0
    n_inv = 0
    status = OK
    full = False
    while status == OK and not full and i < end:
        nb = 0
        batch_start = i
        while nb < BATCH and i < end:
            if inv_cap > 0 and n_inv >= inv_cap:
                full = True
                break
            plain, nxt, reason, key = _plain_record(buf, i, end, column, max_line) if fast else (False, i, 0, 0)
            lines = 1
            if not plain:
                status, nxt, reason, key, lines = _record(buf, i, end, final, column, max_line, field_limit)
                if status != OK:
                    break
            rows += 1
            if reason != 0:
                invalid += 1
                writing = False
                if inv_cap > 0:
                    inv_line[n_inv] = line_no + 1
                    inv_code[n_inv] = reason
                    n_inv += 1
            line_no += lines
            if writing:
                prefetch(bitmap, key >> 3)
            starts[nb] = i
            keys[nb] = key
            nb += 1
            i = nxt
        if writing:
            out_pos, removed = _copy_kept(buf, starts, keys, hits, nb, batch_start, i, bitmap, out, out_pos, removed)
    return i, out_pos, rows, invalid, removed, n_inv, status, full, line_no


@_inline
def _copy_kept(
    buf: Any,
    starts: Any,
    keys: Any,
    hits: Any,
    nb: int,
    batch_start: int,
    batch_end: int,
    bitmap: Any,
    out: Any,
    out_pos: int,
    removed: int,
) -> tuple[int, int]:
    """Look the batch's numbers up (in a loop of their own, so that the cache misses overlap), then
    copy the runs of kept records between removed ones, one memcpy each (`llvm_memory.copy_bytes`).
    `scan_csv` has prefetched each row's bitmap byte as its key was found, so the misses overlap the
    scan of the rows after it as well (ADR 0096)."""
    for r in range(nb):
        q = keys[r]
        hits[r] = (bitmap[q >> 3] >> (q & 7)) & 1
    run = batch_start
    for r in range(nb):
        if hits[r]:
            removed += 1
            a = starts[r]
            if a > run:
                copy_bytes(out, out_pos, buf, run, a - run)
                out_pos += a - run
            run = starts[r + 1] if r + 1 < nb else batch_end
    if batch_end > run:
        copy_bytes(out, out_pos, buf, run, batch_end - run)
        out_pos += batch_end - run
    return out_pos, removed


@njit(cache=True, nogil=True, boundscheck=False)
def scan_record(
    buf: Any, i: int, end: int, final: bool, column: int, max_line: int, field_limit: int
) -> tuple[int, int, int, int, int]:
    """One record, on its own (for the header)."""
    return _record(buf, i, end, final, column, max_line, field_limit)


@njit(cache=True, nogil=True, boundscheck=False)
def utf8_valid(buf: Any, start: int, end: int, final: bool) -> tuple[bool, int]:
    """Whether buf[start:end] is UTF-8; and where a sequence cut off at `end` starts (else `end`)."""
    i = start
    while i < end:
        if buf[i] < 0x80:
            i += 1
            continue
        n = utf8_length(buf, i, end)
        if n == 0 or (n < 0 and final):
            return False, i
        if n < 0:
            return True, i
        i += n
    return True, end
