"""The one configuration: typed settings, and production refusing each unsafe one in one line."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.config import (
    DEV_SECRET_KEY,
    SANDBOX_PASSWORD,
    SANDBOX_SHARED_KEY,
    SECRET_KEY_MIN_BITS,
    ConfigError,
    Environment,
    load,
    secret_bits,
)

GOOD_KEY = "k7Qv2-XbN9pLw_e4RtYs8ZmA1cDfGhJ3uVo6iKnB0qWxE5yTzH"  # 50 characters, none repeated much

# A production configuration that is safe: each test below changes one thing.
PRODUCTION = {
    "NDOP_ENV": "production",
    "NDOP_SECRET_KEY": GOOD_KEY,
    "NDOP_MESH_URL": "https://mesh.example.nhs.uk",
    "NDOP_MESH_PASSWORD": "the-mailbox-s-own-password",
    "NDOP_MESH_SHARED_KEY": "the-environment-s-shared-key",
    # Production needs a real notifier (security codes): GOV.UK Notify with every template.
    "NDOP_NOTIFY_API_KEY": "live-key",
    **{f"NDOP_NOTIFY_TEMPLATE_{name}": f"template-{name.lower()}" for name in (
        "SMS_CODE", "EMAIL_CODE", "SMS_CONFIRMATION", "EMAIL_CONFIRMATION", "SMS_LOCKED", "EMAIL_LOCKED")},
}


def refusal(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load(environ)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_safe_production_configuration_loads() -> None:
    config = load(PRODUCTION)
    assert config.env is Environment.PRODUCTION and config.is_production and not config.demo_mode
    assert config.secret_key.get_secret_value() == GOOD_KEY
    assert config.mesh.url == "https://mesh.example.nhs.uk"


def test_development_defaults_are_the_sandbox_and_the_dev_key() -> None:
    config = load({})
    assert config.env is Environment.DEV and config.demo_mode
    assert config.secret_key.get_secret_value() == DEV_SECRET_KEY
    assert config.mesh.password.get_secret_value() == SANDBOX_PASSWORD
    assert config.mesh.url.startswith("http://127.0.0.1:")
    assert config.database_url.startswith("sqlite:///") and config.allowed_hosts == ("127.0.0.1", "localhost")


def test_settings_are_typed() -> None:
    config = load({"NDOP_ENV": "test", "NDOP_MESH_POLL_SECONDS": "2.5", "NDOP_MESH_MAX_CHUNK_BYTES": "1000",
                   "NDOP_MESH_MAILBOX": "x26hc065", "NDOP_ALLOWED_HOSTS": "a.example, b.example",
                   "NDOP_VAR_DIR": "relative/var"})
    assert config.env is Environment.TEST
    assert config.mesh.poll_seconds == 2.5 and config.mesh.max_chunk_bytes == 1000
    assert config.mesh.mailbox == "X26HC065"
    assert config.allowed_hosts == ("a.example", "b.example")
    assert config.var_dir.is_absolute() and config.var_dir == Path("relative/var").resolve()


def test_secrets_do_not_show_in_the_configuration_s_text() -> None:
    config = load(PRODUCTION)
    assert GOOD_KEY not in repr(config) and "the-mailbox-s-own-password" not in repr(config)


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        pytest.param({"NDOP_SECRET_KEY": ""}, "NDOP_SECRET_KEY", id="secret-key-missing"),
        pytest.param({"NDOP_NOTIFY_API_KEY": ""}, "NDOP_NOTIFY_API_KEY", id="no-real-notifier"),
        pytest.param({"NDOP_SECRET_KEY": DEV_SECRET_KEY}, "NDOP_SECRET_KEY", id="secret-key-the-dev-default"),
        pytest.param({"NDOP_SECRET_KEY": "a" * 32}, "NDOP_SECRET_KEY", id="secret-key-32-as"),
        pytest.param({"NDOP_SECRET_KEY": "abcd" * 25}, "NDOP_SECRET_KEY", id="secret-key-a-repeated-pattern"),
        pytest.param({"NDOP_SECRET_KEY": secrets.token_urlsafe(12)}, "NDOP_SECRET_KEY", id="secret-key-too-short"),
        pytest.param({"NDOP_MESH_PASSWORD": SANDBOX_PASSWORD}, "NDOP_MESH_PASSWORD", id="mesh-sandbox-password"),
        pytest.param({"NDOP_MESH_PASSWORD": ""}, "NDOP_MESH_PASSWORD", id="mesh-password-missing"),
        pytest.param({"NDOP_MESH_SHARED_KEY": SANDBOX_SHARED_KEY}, "NDOP_MESH_SHARED_KEY",
                     id="mesh-sandbox-shared-key"),
        pytest.param({"NDOP_MESH_SHARED_KEY": ""}, "NDOP_MESH_SHARED_KEY", id="mesh-shared-key-missing"),
        pytest.param({"NDOP_MESH_URL": "http://mesh.example.nhs.uk"}, "NDOP_MESH_URL", id="mesh-over-plain-http"),
        pytest.param({"NDOP_MESH_URL": ""}, "NDOP_MESH_URL", id="mesh-url-missing-means-the-sandbox"),
        pytest.param({"NDOP_PATIENT_RATE_SCALE": "100"}, "NDOP_PATIENT_RATE_SCALE", id="rate-scale-raised"),
        pytest.param({"NDOP_STATISTICS_INCLUDE_TEST_RANGE": "1"}, "NDOP_STATISTICS_INCLUDE_TEST_RANGE",
                     id="statistics-test-range"),
        pytest.param(
            {"NDOP_NOTIFY_API_KEY": "k" * 80, "NDOP_NOTIFY_BASE_URL": "http://notify.example",
             "NDOP_NOTIFY_TEMPLATE_SMS_CODE": "a", "NDOP_NOTIFY_TEMPLATE_EMAIL_CODE": "b",
             "NDOP_NOTIFY_TEMPLATE_SMS_CONFIRMATION": "c", "NDOP_NOTIFY_TEMPLATE_EMAIL_CONFIRMATION": "d",
             "NDOP_NOTIFY_TEMPLATE_SMS_LOCKED": "e", "NDOP_NOTIFY_TEMPLATE_EMAIL_LOCKED": "f"},
            "NDOP_NOTIFY_BASE_URL", id="notify-over-plain-http"),
    ],
)
def test_production_refuses_an_unsafe_setting_in_one_line_naming_it(change: dict[str, str], setting: str) -> None:
    message = refusal({**PRODUCTION, **change})
    assert message.startswith(setting)
    for value in change.values():
        if len(value) > 8:  # the value itself (perhaps a secret) is never repeated back
            assert value not in message


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        pytest.param({"NDOP_ENV": "prod"}, "NDOP_ENV", id="environment-misspelt"),
        pytest.param({"NDOP_PATIENT_RATE_SCALE": "lots"}, "NDOP_PATIENT_RATE_SCALE", id="not-a-number"),
        pytest.param({"NDOP_PATIENT_RATE_SCALE": "0"}, "NDOP_PATIENT_RATE_SCALE", id="not-positive"),
        pytest.param({"NDOP_MESH_POLL_SECONDS": "soon"}, "NDOP_MESH_POLL_SECONDS", id="mesh-not-a-number"),
        pytest.param({"NDOP_MESH_MAX_CHUNK_BYTES": "-1"}, "NDOP_MESH_MAX_CHUNK_BYTES", id="mesh-negative"),
        pytest.param({"NDOP_MESH_URL": "mesh.example"}, "NDOP_MESH_URL", id="mesh-url-not-a-url"),
        pytest.param({"NDOP_MESH_CERT": "client.pem"}, "NDOP_MESH_CERT", id="certificate-without-its-key"),
        pytest.param({"DATABASE_URL": "mysql://db/ndop"}, "DATABASE_URL", id="database-not-supported"),
        pytest.param({"NDOP_NOTIFY_API_KEY": "k" * 80}, "NDOP_NOTIFY_API_KEY", id="notify-without-templates"),
    ],
)
def test_a_configuration_mistake_is_one_line_naming_the_setting(environ: dict[str, str], setting: str) -> None:
    assert refusal(environ).startswith(setting)


def test_several_mistakes_are_named_on_the_same_line() -> None:
    message = refusal({"NDOP_ENV": "prod", "NDOP_PATIENT_RATE_SCALE": "lots"})
    assert "NDOP_ENV" in message and "NDOP_PATIENT_RATE_SCALE" in message


@given(st.text(alphabet="abc", min_size=1, max_size=500))
def test_a_key_of_three_letters_is_never_random_enough(key: str) -> None:
    assert secret_bits(key) < SECRET_KEY_MIN_BITS or len(key) > 80


@given(st.integers(min_value=24, max_value=96))
def test_keys_from_the_suggested_command_are_accepted(n: int) -> None:
    key = secrets.token_urlsafe(n)
    assert load({**PRODUCTION, "NDOP_SECRET_KEY": key}).secret_key.get_secret_value() == key


# -- NHS login (issue 12) ------------------------------------------------------------------------

_PEM = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"


@pytest.fixture
def nhs_login_key(tmp_path: Path) -> str:
    path = tmp_path / "nhs-login.pem"
    path.write_text(_PEM)
    return str(path)


def _nhs_login(key: str, **changes: str) -> dict[str, str]:
    return {"NDOP_NHS_LOGIN_CLIENT_ID": "ndop-client", "NDOP_NHS_LOGIN_ENVIRONMENT": "live",
            "NDOP_NHS_LOGIN_PRIVATE_KEY_FILE": key,
            "NDOP_NHS_LOGIN_REDIRECT_URL": "https://ndop.example.nhs.uk/your-data-matters/nhs-login/callback",
            **changes}


def test_nhs_login_is_off_unless_its_client_id_is_set() -> None:
    assert load({}).nhs_login is None and load(PRODUCTION).nhs_login is None


@pytest.mark.parametrize(("environment", "issuer"), [
    ("sandpit", "https://auth.sandpit.signin.nhs.uk"),
    ("integration", "https://auth.aos.signin.nhs.uk"),
    ("live", "https://auth.login.nhs.uk"),
])
def test_nhs_login_environments_name_their_issuers(nhs_login_key: str, environment: str, issuer: str) -> None:
    config = load(_nhs_login(nhs_login_key, NDOP_NHS_LOGIN_ENVIRONMENT=environment))
    assert config.nhs_login is not None and config.nhs_login.issuer == issuer
    assert '"P9.Cp.Cd"' in config.nhs_login.vtr and config.nhs_login.private_key_pem.startswith(b"-----BEGIN")
    assert _PEM not in repr(config.nhs_login)


def test_a_safe_production_configuration_with_nhs_login_loads(nhs_login_key: str) -> None:
    config = load({**PRODUCTION, **_nhs_login(nhs_login_key)})
    assert config.nhs_login is not None and config.nhs_login.issuer == "https://auth.login.nhs.uk"


@pytest.mark.parametrize(("change", "setting"), [
    pytest.param({"NDOP_NHS_LOGIN_PRIVATE_KEY_FILE": ""}, "NDOP_NHS_LOGIN_PRIVATE_KEY_FILE", id="key-missing"),
    pytest.param({"NDOP_NHS_LOGIN_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "NDOP_NHS_LOGIN_PRIVATE_KEY_FILE",
                 id="key-unreadable"),
    pytest.param({"NDOP_NHS_LOGIN_ENVIRONMENT": "sandpit"}, "NDOP_NHS_LOGIN_ENVIRONMENT", id="sandpit"),
    pytest.param({"NDOP_NHS_LOGIN_ENVIRONMENT": "local", "NDOP_NHS_LOGIN_ISSUER": "http://127.0.0.1:9"},
                 "NDOP_NHS_LOGIN_ENVIRONMENT", id="local-provider"),
    pytest.param({"NDOP_NHS_LOGIN_REDIRECT_URL": "http://ndop.example/cb"}, "NDOP_NHS_LOGIN_REDIRECT_URL",
                 id="redirect-over-plain-http"),
    pytest.param({"NDOP_NHS_LOGIN_REDIRECT_URL": ""}, "NDOP_NHS_LOGIN_REDIRECT_URL", id="redirect-missing"),
    pytest.param({"NDOP_NHS_LOGIN_VTR": '["P5.Cp.Cd"]'}, "NDOP_NHS_LOGIN_VTR", id="vtr-below-p9"),
])
def test_production_refuses_unsafe_nhs_login_settings(nhs_login_key: str, change: dict[str, str],
                                                      setting: str) -> None:
    assert refusal({**PRODUCTION, **_nhs_login(nhs_login_key, **change)}).startswith(setting)


def test_a_key_file_that_is_not_a_private_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "public.pem"
    path.write_text("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")
    assert refusal(_nhs_login(str(path))).startswith("NDOP_NHS_LOGIN_PRIVATE_KEY_FILE")


def test_a_misspelt_nhs_login_environment_is_one_line_naming_it(nhs_login_key: str) -> None:
    assert refusal(_nhs_login(nhs_login_key, NDOP_NHS_LOGIN_ENVIRONMENT="prod")).startswith(
        "NDOP_NHS_LOGIN_ENVIRONMENT")


def test_the_read_connections_default_to_the_cpus_and_are_a_setting() -> None:
    import os

    assert load({}).read_connection_count == min(8, len(os.sched_getaffinity(0)))
    assert load({"NDOP_READ_CONNECTIONS": "3"}).read_connection_count == 3
    for wrong in ("0", "65", "two"):
        assert refusal({"NDOP_READ_CONNECTIONS": wrong}).startswith("NDOP_READ_CONNECTIONS")
