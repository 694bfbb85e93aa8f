from __future__ import annotations

import pytest

from ndop.config import ConfigError, load
from tests.unit.test_config import PRODUCTION


def test_patient_rate_scale_defaults_to_one() -> None:
    assert load({}).patient_rate_scale == 1
    assert load({}).notify is None


def test_patient_rate_scale_is_refused_in_production() -> None:
    env = {**PRODUCTION, "NDOP_PATIENT_RATE_SCALE": "100"}
    with pytest.raises(ConfigError, match="NDOP_PATIENT_RATE_SCALE"):
        load(env)


def test_patient_rate_scale_must_be_a_whole_number() -> None:
    with pytest.raises(ConfigError):
        load({"NDOP_PATIENT_RATE_SCALE": "lots"})
