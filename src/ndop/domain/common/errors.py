"""Domain errors. Messages say what was wrong and what to do, and never carry patient data."""

from __future__ import annotations


class DomainError(Exception):
    """A request the registry refuses. `code` is stable for programs; the message is for people."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0])


class PatientNotFound(DomainError):
    code = "patient_not_found"


class ChoiceMadeInFuture(DomainError):
    code = "choice_made_in_future"


class NotEligible(DomainError):
    code = "not_eligible"


class SupersededNumber(DomainError):
    """The number was replaced. Naming the replacement is allowed: the caller already knows the old one."""

    code = "superseded"

    def __init__(self, replaced_by: str) -> None:
        # str(self) stays free of NHS numbers so that it is safe to log; `message` names it for people.
        super().__init__("This NHS number has been replaced by another. Record the choice against that one.")
        self.replaced_by = replaced_by

    @property
    def message(self) -> str:
        return (
            f"This NHS number has been replaced by {self.replaced_by}. "
            "Record the choice against that number."
        )
