"""The GP codes that record Type 1 and Type 2 opt-outs, kept as data with their sources.

Sources (ndop-system.md §3.2): "confirmed" codes are named by more than one public source (GP system
suppliers, LMCs, the Ardens templates); "commonly used" codes were not found in a source and are to be
confirmed against the SNOMED CT UK release before production use. Read v2 codes are written with their
trailing dot (`9Nu0.`) or without it (`9Nu0`); both are the same code. Any other code is not an opt-out
code: an extract row holding one is counted and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class CodeSystem(StrEnum):
    SNOMED = "snomed"
    READ2 = "read2"
    CTV3 = "ctv3"


class OptOutType(StrEnum):
    TYPE1 = "type1"  # dissent from secondary use of GP patient identifiable data (9Nu0)
    TYPE2 = "type2"  # dissent from disclosure by NHS Digital (HSCIC) (9Nu4): converted in 2018


class Meaning(StrEnum):
    """What a code says, stored with each imported code."""

    TYPE1_SET = "type1_set"
    TYPE1_WITHDRAWN = "type1_withdrawn"
    TYPE2_SET = "type2_set"
    TYPE2_WITHDRAWN = "type2_withdrawn"

    @property
    def type(self) -> OptOutType:
        return OptOutType.TYPE1 if self.value.startswith("type1") else OptOutType.TYPE2

    @property
    def withdrawn(self) -> bool:
        return self.value.endswith("_withdrawn")


CONFIRMED: Final = "confirmed (ndop-system.md §3.2: GP system suppliers, LMCs, Ardens)"
COMMONLY: Final = "commonly used — to confirm against the SNOMED UK release"


@dataclass(frozen=True, slots=True)
class GpCode:
    system: CodeSystem
    code: str  # Read codes without the trailing dot
    meaning: Meaning
    source: str


CODES: Final = (
    GpCode(CodeSystem.READ2, "9Nu0", Meaning.TYPE1_SET, CONFIRMED),
    GpCode(CodeSystem.CTV3, "XaZ89", Meaning.TYPE1_SET, CONFIRMED),
    GpCode(CodeSystem.SNOMED, "827241000000103", Meaning.TYPE1_SET, CONFIRMED),
    GpCode(CodeSystem.READ2, "9Nu1", Meaning.TYPE1_WITHDRAWN, COMMONLY),
    GpCode(CodeSystem.CTV3, "XaZ8A", Meaning.TYPE1_WITHDRAWN, COMMONLY),
    GpCode(CodeSystem.SNOMED, "827261000000102", Meaning.TYPE1_WITHDRAWN, COMMONLY),
    GpCode(CodeSystem.READ2, "9Nu4", Meaning.TYPE2_SET, CONFIRMED),
    GpCode(CodeSystem.CTV3, "XaaVL", Meaning.TYPE2_SET, CONFIRMED),
    GpCode(CodeSystem.SNOMED, "881561000000100", Meaning.TYPE2_SET, CONFIRMED),
    GpCode(CodeSystem.READ2, "9Nu5", Meaning.TYPE2_WITHDRAWN, COMMONLY),
    GpCode(CodeSystem.CTV3, "XaaVM", Meaning.TYPE2_WITHDRAWN, "confirmed (ndop-system.md §3.2: Ardens)"),
    # No SNOMED CT code for "Type 2 withdrawn" was found; none is assumed.
)

_BY_KEY: Final = {(c.system, c.code): c for c in CODES}


def normalised(system: CodeSystem, code: str) -> str:
    """The code as the table holds it: Read v2 without its trailing dot; Read codes are case-sensitive."""
    code = code.strip()
    if system is CodeSystem.READ2:
        code = code.rstrip(".")
    return code


def meaning_of(system: CodeSystem, code: str) -> Meaning | None:
    """What `code` in `system` records, or None for a code that is not an opt-out code."""
    found = _BY_KEY.get((system, normalised(system, code)))
    return None if found is None else found.meaning


def written(gp_code: GpCode) -> str:
    """The code as people write it (Read v2 with its trailing dot)."""
    return gp_code.code + "." if gp_code.system is CodeSystem.READ2 else gp_code.code
