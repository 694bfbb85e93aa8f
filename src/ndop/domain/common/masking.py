"""Masked contact details: enough for a person to recognise their own, too little for anyone else.

`07700900123` -> `07*** ***123`; `jane.smith@example.com` -> `j***@e***.com`.
"""

from __future__ import annotations

import re


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits


def mask_mobile(phone: str) -> str:
    """The first two and the last three digits. Too short a number is masked completely."""
    digits = _digits(phone)
    if len(digits) < 8:
        return "*** ***"
    return f"{digits[:2]}*** ***{digits[-3:]}"


def mask_email(email: str) -> str:
    """The first letter of the name and of the domain, and the last part of the domain."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return "***"
    host, dot, suffix = domain.rpartition(".")
    if not dot or not host:
        return f"{local[0]}***@***"
    return f"{local[0]}***@{host[0]}***.{suffix}"
