from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.masking import mask_email, mask_mobile


def test_mask_mobile_keeps_first_two_and_last_three_digits() -> None:
    assert mask_mobile("07700900123") == "07*** ***123"
    assert mask_mobile("07700 900 123") == "07*** ***123"
    assert mask_mobile("+44 7700 900123") == "07*** ***123"


def test_mask_mobile_hides_a_short_number_completely() -> None:
    assert mask_mobile("12345") == "*** ***"


def test_mask_email_keeps_first_letters_and_the_last_domain_part() -> None:
    assert mask_email("jane.smith@example.com") == "j***@e***.com"
    assert mask_email("x@nhs.net") == "x***@n***.net"
    assert mask_email("a.b@mail.example.co.uk") == "a***@m***.uk"


def test_mask_email_without_a_domain_is_hidden() -> None:
    assert mask_email("not-an-email") == "***"


@given(st.text(alphabet="0123456789", min_size=10, max_size=11))
def test_mask_mobile_never_shows_more_than_five_digits(number: str) -> None:
    masked = mask_mobile(number)
    assert sum(c.isdigit() for c in masked) <= 5


@given(st.from_regex(r"[a-z]{2,12}\.[a-z]{2,12}@[a-z]{3,12}\.(com|org|net)", fullmatch=True))
def test_mask_email_never_shows_the_name_or_the_domain(email: str) -> None:
    masked = mask_email(email)
    local, domain = email.split("@")
    assert local not in masked and domain.split(".")[0] not in masked
    assert masked.endswith("." + email.rsplit(".", 1)[1])
