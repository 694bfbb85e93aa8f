"""API keys: made, shown once, recognised only whole; licence terms."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.check.clients import LICENCE_TERMS, new_api_key, secret_matches, split_token
from ndop.domain.check.mesh import response_filename


def test_api_key_new_key_round_trips_through_its_token() -> None:
    key = new_api_key()
    assert split_token(key.token) == (key.key_id, key.secret)
    assert secret_matches(key.secret, key.hash)
    assert key.secret not in key.hash


def test_api_key_two_new_keys_differ() -> None:
    assert new_api_key().token != new_api_key().token


def test_api_key_another_secret_does_not_match() -> None:
    key, other = new_api_key(), new_api_key()
    assert not secret_matches(other.secret, key.hash)


@given(st.text(max_size=80))
def test_api_key_parser_never_raises_and_accepts_only_the_exact_shape(text: str) -> None:
    parts = split_token(text)
    if parts is not None:
        key_id, secret = parts
        assert text.strip() == f"ndop_{key_id}_{secret}"
        assert len(key_id) == 8 and len(secret) == 43


def test_licence_terms_say_what_the_licence_requires() -> None:
    for words in ("only be used to apply national data opt-outs", "must not be added to any patient's record",
                  "must not be shared"):
        assert words in LICENCE_TERMS


@given(st.text(max_size=300))
def test_mesh_response_filename_is_safe_whatever_the_request_was_called(name: str) -> None:
    result = response_filename(name, "RESPONSE", "dat")
    assert result.endswith("_RESPONSE.dat")
    assert set(result) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
    assert len(result) <= 120


def test_mesh_response_filename_keeps_the_request_stem() -> None:
    assert response_filename("RX1OT001-231126-0001.dat", "ACK", "json") == "RX1OT001-231126-0001_ACK.json"
    assert response_filename("dir/x:y.csv", "RESPONSE", "csv") == "x_y_RESPONSE.csv"
