"""LLVM's memory intrinsics for compiled loops: memcpy, where numba's slice assignment copies byte by
byte, and a prefetch, which numba has no word for (ADR 0096).

`out[o:o + n] = buf[a:a + n]` in a numba function compiles to a generic element loop: about 1.7 GB/s on
the development VM for the runs of kept rows a check copies (about 1 KB each), against 10-20 GB/s for
`copy_bytes`. `prefetch` starts the cache miss of a bitmap look-up as soon as a row's key is known, so
that it overlaps the scan of the next rows. Both are numba intrinsics, so the functions that use them
still cache their machine code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def _copy_bytes(typingctx: Any, dst: Any, dst_at: Any, src: Any, src_at: Any, n: Any) -> Any:
    """dst[dst_at:dst_at + n] = src[src_at:src_at + n], for contiguous uint8 arrays that do not overlap;
    no bounds are checked (the callers' are, as with `boundscheck=False`)."""
    if not all(isinstance(a, types.Array) and a.layout == "C" and a.dtype == types.uint8 for a in (dst, src)):
        return None
    sig = types.void(dst, types.intp, src, types.intp, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> None:
        d, d_at, s, s_at, count = args
        target = context.make_array(signature.args[0])(context, builder, d)
        source = context.make_array(signature.args[2])(context, builder, s)
        dst_ptr, src_ptr = builder.gep(target.data, [d_at]), builder.gep(source.data, [s_at])
        cgutils.raw_memcpy(builder, dst_ptr, src_ptr, count, 1)  # type: ignore[no-untyped-call]

    return sig, codegen


# As its callers see it (the typing context is numba's to pass).
copy_bytes = cast("Callable[[Any, int, Any, int, int], None]", intrinsic(_copy_bytes))


def _prefetch(typingctx: Any, arr: Any, at: Any) -> Any:
    """A hint that arr[at] will be read soon (no effect on what is computed)."""
    if not (isinstance(arr, types.Array) and arr.layout == "C" and arr.dtype == types.uint8):
        return None
    sig = types.void(arr, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> None:
        a, i = args
        array = context.make_array(signature.args[0])(context, builder, a)
        ptr = builder.gep(array.data, [i])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")  # type: ignore[no-untyped-call]
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])  # read, keep in all cache levels, data

    return sig, codegen


prefetch = cast("Callable[[Any, int], None]", intrinsic(_prefetch))
