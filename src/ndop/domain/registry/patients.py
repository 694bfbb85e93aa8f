"""The patient index (a PDS-like demographic record) as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from ndop.domain.common.nhs_number import NhsNumber


class Gender(IntEnum):
    """PDS administrative gender codes."""

    NOT_KNOWN = 0
    MALE = 1
    FEMALE = 2
    NOT_SPECIFIED = 9


@dataclass(frozen=True, slots=True)
class Patient:
    nhs_number: NhsNumber
    given_name: str
    family_name: str
    date_of_birth: date
    gender: Gender
    postcode: str = ""
    lsoa_code: str = ""
    gp_practice_code: str = ""
    mobile: str = ""
    email: str = ""
    date_of_death: date | None = None
    superseded_by: NhsNumber | None = None
    sensitive: bool = False
    # The postal address (PDS holds up to five lines); letters go here. The postcode is above.
    address_line_1: str = ""
    address_line_2: str = ""
    address_line_3: str = ""
    town: str = ""

    @property
    def address_lines(self) -> tuple[str, ...]:
        lines = (self.address_line_1, self.address_line_2, self.address_line_3, self.town)
        return tuple(line for line in lines if line)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def age_on(self, day: date) -> int:
        """Completed years on `day` (a birthday on 29 February counts from 1 March in other years)."""
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    def is_deceased_on(self, day: date) -> bool:
        return self.date_of_death is not None and self.date_of_death <= day
