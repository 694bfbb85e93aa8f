"""Shared helpers for commands: who is acting, and how errors become exit codes."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from ndop.domain.common.actors import Actor
from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import InvalidNhsNumber, NhsNumber

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


def operator() -> Actor:
    """The person at the terminal (stored as `cli:LOGIN`)."""
    try:
        return Actor.operator(getpass.getuser())
    except (KeyError, OSError):
        return Actor.operator("unknown")


def refuse(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_FAILURE)


def nhs_number_argument(_ctx: click.Context, _param: click.Parameter, value: str | tuple[str, ...]) -> NhsNumber:
    """An NHS number, however it is written: `9434765919`, `"943 476 5919"`, or `943 476 5919` unquoted, which
    the shell splits into three words (an argument declared `nargs=-1`: its words are joined with spaces)."""
    text = value if isinstance(value, str) else " ".join(value)
    try:
        return NhsNumber.parse(text)
    except InvalidNhsNumber as exc:
        raise click.BadParameter(str(exc)) from None


@contextmanager
def domain_errors_refused() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        refuse(exc.message)


Callback = Callable[..., None]
