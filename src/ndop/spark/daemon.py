"""pyspark's daemon, with what ndop's Python workers import loaded before it forks them (opt-in, ADR 97):

    spark.python.daemon.module=ndop.spark.daemon

Spark starts one daemon a executor, which forks a Python worker a task slot. pyspark's own daemon forks them
before they import numpy, pyarrow and `ndop.spark.kernel`, so each worker loads its own copy (about 40 MB of
private pages each); forked after those imports, the workers share them with the daemon until written to.
Nothing else changes: it runs `pyspark.daemon.manager`.
"""

from __future__ import annotations

import numpy  # noqa: F401
import pyarrow  # noqa: F401
import pyspark.worker  # noqa: F401
from pyspark.daemon import manager

import ndop.spark.kernel  # noqa: F401

if __name__ == "__main__":
    manager()
