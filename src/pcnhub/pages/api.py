"""What every app's API router shares: the errors it answers with (:func:`responses`), integer parameters
with bounds in the schema, organisation codes, dates and financial years with their form in the schema,
the list-size band of a query, and pages of results.

A number outside its bounds, or a code, date or year not of its form, is answered 422 with the reason
(never a database error, which an integer beyond 64 bits would give), and the OpenAPI schema states every
bound and pattern.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from ninja import Field, Path, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination
from pydantic import Field as PydanticField

from pcnhub.domain import rules
from pcnhub.domain.money import years


class Detail(Schema):
    """An error: 400 (a value the call cannot use), 401 (not signed in), 403 (outside the role's scope), 404 (an
    unknown code)."""

    detail: str = Field(description="What is wrong, in a sentence.")


class Invalid(Schema):
    """422: parameters of the wrong type or outside their bounds, each as pydantic reports it."""

    detail: list[dict[str, Any]] = Field(description="One entry per parameter: where (loc), why (msg), type.")


_ERRORS: Final = {400: Detail, 401: Detail, 403: Detail, 404: Detail, 422: Invalid}


def responses(ok: Any, *errors: int) -> dict[int, Any]:
    """The responses of an operation: ``ok`` with 200, 401 for every call, and the other ``errors`` it may give."""
    return {200: ok, **{code: _ERRORS[code] for code in sorted({401, *errors})}}


#: The most results one page gives (the register holds about 10,000 organisations), and the furthest it starts.
MAX_PAGE: Final = 10_000
MAX_OFFSET: Final = 1_000_000


def list_size_parameter(description: str) -> Any:
    """A query parameter of registered patients, 0 to :data:`pcnhub.domain.rules.MAX_LIST_SIZE` (blank: the
    default band's)."""
    return Query(None, ge=0, le=rules.MAX_LIST_SIZE, description=description)


#: What a band left blank means, in the band parameters' descriptions.
_BAND_DEFAULT = "with lower, upper and upper_binds all blank, each network is held to its area's recorded band policy"


def lower_parameter() -> Any:
    """``?lower=``: the smallest list size of a network's band (default the DES's 30,000)."""
    return list_size_parameter(
        f"smallest network list size (blank: {rules.DEFAULT_BAND.lower:,}; {_BAND_DEFAULT}, else the DES band)"
    )


def upper_parameter() -> Any:
    """``?upper=``: the largest list size of a network's band (default 50,000)."""
    return list_size_parameter(
        f"largest network list size (blank: {rules.DEFAULT_BAND.upper:,}; {_BAND_DEFAULT}, else the DES band)"
    )


def upper_binds_parameter() -> Any:
    """``?upper_binds=true``: a network above the upper limit breaks the rule (else it is a warning)."""
    return Query(None, description=f"true: a network above the upper limit is an error, not a warning ({_BAND_DEFAULT})")


def count_parameter(description: str, maximum: int) -> Any:
    """A query parameter counting something, 1 to ``maximum`` (blank: chosen for you)."""
    return Query(None, ge=1, le=maximum, description=description)


#: The longest code the register stores (``Organisation.code``; tests/pages/test_api.py ties the two).
MAX_CODE: Final = 16
#: An organisation's code: an ODS code or a local one (``L-NAME-1A2B3``), letters, digits and dashes in
#: either case (the register looks it up in capitals too).
CODE_PATTERN: Final = rf"^[A-Za-z0-9-]{{1,{MAX_CODE}}}$"
#: A date as the API reads it: YYYY-MM-DD (one that is not in the calendar, like 2025-02-30, is a 400).
DATE_PATTERN: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: A financial year as :meth:`pcnhub.domain.money.years.FinancialYear.parse` reads it: 2023/24, 2023-24, 2023/2024.
YEAR_PATTERN: Final = rf"^{years.YEAR_PATTERN}$"


def code_path(what: str) -> Any:
    """A path parameter naming an organisation (``what``: "PCN", "practice", ...) by its code."""
    return Path(..., pattern=CODE_PATTERN, description=f"the {what}'s ODS code (or local code), e.g. U12345")


def area_parameter() -> Any:
    """``?area=``: the code of an area (region, ICB, sub-ICB location or place)."""
    return Query(..., pattern=CODE_PATTERN, description="the area's ODS code (or local code), e.g. QH8")


#: The type of a ``?date=`` parameter: text of the form YYYY-MM-DD, documented as an OpenAPI date.
DateText = Annotated[str, PydanticField(pattern=DATE_PATTERN, json_schema_extra={"format": "date"})]


def date_parameter(description: str) -> Any:
    """``?date=YYYY-MM-DD`` (blank: ``description`` says what it defaults to), of type ``DateText | None``."""
    return Query(None, description=description)


def year_parameter() -> Any:
    """``?year=2023/24``: a financial year the rates catalogue covers (blank: the current one)."""
    return Query(None, pattern=YEAR_PATTERN, description="financial year, e.g. 2023/24 (default: the current one)")


def band_of(lower: int | None, upper: int | None, upper_binds: bool | None = None) -> rules.Band | None:
    """The list-size band a query asks for (a blank limit takes the DES band's), or None when it asks for none (each
    network is held to its band policy); 400 if the limits are inconsistent."""
    if lower is None and upper is None and upper_binds is None:
        return None
    try:
        return rules.Band.of(lower, upper, bool(upper_binds))
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None


class Pages(LimitOffsetPagination):
    """``?limit=&offset=``, bounded: up to :data:`MAX_PAGE` results from up to :data:`MAX_OFFSET`."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"results a page, 1 to {MAX_PAGE:,}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="results to skip")
