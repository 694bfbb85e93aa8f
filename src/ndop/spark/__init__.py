"""The national data opt-out applied inside Apache Spark (`pip install ndop[spark]`).

    from ndop.spark import load_snapshot, remove_opted_out
    snapshot = load_snapshot("ndop-snapshot.bin", public_key="ndop-snapshot.pub")
    usable = remove_opted_out(spark.read.parquet("s3://lake/events"), snapshot, column="nhs_number")

The snapshot (13.6 MB for 3.4 million opt-outs) is broadcast to the executors once and applied by one
numpy pass over the number column's Arrow buffers (an Arrow UDF on pyspark 4.1+, `mapInArrow` on 4.0):
no shuffle, no join against a table of opt-outs, and the plan has the same shape on 2 executors or 2,000.
Rows keep their order within each partition.

NHS numbers may be text (`"9434765919"`, leading zeros kept) or integers (`434765919` is
`0434765919`). Invalid numbers — null, not ten digits, or a wrong Modulus 11 check digit — are treated as
the national check service treats them, by default: `invalid="reject"` fails the whole job with the
service's message and the count. `"drop"` removes them; `"flag"` keeps them (and `flag_opted_out`
marks them null).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ndop.spark.apply import InvalidNhsNumbers, flag_opted_out, remove_opted_out
    from ndop.spark.snapshot import Snapshot, load_snapshot

# Loaded on first use (PEP 562): a Python worker imports `ndop.spark.kernel` through this package, and needs
# neither the driver's API (pyarrow.compute) nor the snapshot's signature check (cryptography). ADR 97.
_WHERE = {"InvalidNhsNumbers": "apply", "flag_opted_out": "apply", "remove_opted_out": "apply",
          "Snapshot": "snapshot", "load_snapshot": "snapshot"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'ndop.spark' has no attribute {name!r}")
    return getattr(import_module(f"ndop.spark.{_WHERE[name]}"), name)


__all__ = ["InvalidNhsNumbers", "Snapshot", "flag_opted_out", "load_snapshot", "remove_opted_out"]
