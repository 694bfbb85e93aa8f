"""MESH settings for the adapters: validated in `ndop.config` (`NDOP_MESH_*`), handed over by the container.

The sandbox's fixed credentials stay importable from here for `adapters/mesh/sandbox.py`.
"""

from __future__ import annotations

from ndop.config import SANDBOX_PASSWORD, SANDBOX_PORT, SANDBOX_SHARED_KEY
from ndop.config import MeshSettings as MeshConfig

__all__ = ["SANDBOX_PASSWORD", "SANDBOX_PORT", "SANDBOX_SHARED_KEY", "MeshConfig"]
