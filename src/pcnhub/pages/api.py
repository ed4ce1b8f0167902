"""What every app's API router shares: the errors it answers with (:func:`responses`), integer parameters
with bounds in the schema, the list-size band of a query, and pages of results.

A number outside its bounds is answered 422 with the reason (never a database error, which an integer
beyond 64 bits would give), and the OpenAPI schema states every bound.
"""

from __future__ import annotations

from typing import Any, Final

from ninja import Field, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination

from pcnhub.domain import rules


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
