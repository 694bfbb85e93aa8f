"""Reading a request into a reused buffer, whatever kind of binary stream it is."""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
import numpy.typing as npt


def fill(stream: BinaryIO, buffer: npt.NDArray[np.uint8], start: int) -> int:
    """Read into buffer[start:] until it is full or the stream ends; return the bytes read."""
    view = buffer.data[start:]
    total = 0
    readinto = getattr(stream, "readinto", None)
    while total < len(view):
        if readinto is not None:
            got = readinto(view[total:])
        else:
            data = stream.read(len(view) - total)
            got = len(data)
            view[total : total + got] = data
        if not got:
            break
        total += got
    return total
