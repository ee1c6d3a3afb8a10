"""SIRET checks, delegated to python-stdnum.

``stdnum.fr.siret`` knows La Poste's special case: the establishments of
SIREN 356000000 do not follow the Luhn checksum (the sum of their digits is a
multiple of 5 instead), so a plain Luhn check would refuse real post offices.
"""

from __future__ import annotations

from functools import lru_cache

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siret as _siret

#: why a SIRET is refused, in English (a user interface translates by key)
PROBLEMS = {
    "missing": "is missing",
    "format": "must contain digits only",
    "length": "must have 14 digits",
    "checksum": "is invalid (wrong check digit)",
}


def compact_siret(value: str | None) -> str:
    """The SIRET without spaces, dots or dashes ("812 345 676 00017" → "81234567600017")."""
    return _siret.compact(value or "")


@lru_cache(maxsize=4096)  # every pre-flight checks the same few SIRETs (the company's, its buyers')
def siret_problem(value: str | None) -> str | None:
    """``None`` when the SIRET is valid, else a key of :data:`PROBLEMS`."""
    number = compact_siret(value)
    if not number:
        return "missing"
    try:
        _siret.validate(number)
    except InvalidLength:  # a subclass of InvalidFormat: test it first
        return "length"
    except InvalidFormat:
        return "format"
    except InvalidChecksum:
        return "checksum"
    except ValidationError:
        return "format"
    return None


def is_valid_siret(value: str | None) -> bool:
    return siret_problem(value) is None
