"""The one rule for clean-up: delete what carries the ownership tag *and* a name the workshop
gives; keep everything else.

A tag alone is not proof: a changed ``owner_tag`` may be a tag other teams also use. So bulk
clean-up also asks for the workshop's name (a profile config.json creates, a budget or alarm
named ``workshop-...``); anything else is deleted only when named explicitly.

Profiles, budgets and alarms each list their own resources and make their own delete call;
the decision, its reason and the "already gone" handling are the same for all and live here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import InputError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

NOT_OURS = "kept: not ours"  # what a table says of a resource the workshop leaves alone
NAME_PREFIX = "workshop-"  # the start of every budget and alarm name the workshop gives


def owns(tags: dict[str, str], owner_tag: tuple[str, str]) -> bool:
    """Whether a resource's tags carry the workshop's ownership tag: the one test of ownership."""
    key, value = owner_tag
    return tags.get(key) == value


def require_workshop_name(name: str, what: str, example: str) -> None:
    """Refuse a name 99_cleanup would not recognise as the workshop's (no ``NAME_PREFIX``)."""
    if not name.startswith(NAME_PREFIX):
        raise InputError(
            _(
                "The {what} {name!r} does not start with {name_prefix!r}, so 99_cleanup would "
                "not recognise it as the workshop's."
            ).format(what=what, name=name, name_prefix=NAME_PREFIX),
            _("name it {name_prefix}..., e.g. {example}.").format(
                name_prefix=NAME_PREFIX, example=example
            ),
        )


def text_list(value: object, what: str, example: str) -> list[str]:
    """A list of strings from a list, tuple or set of them, or from one string.

    One string is a list of one (iterating it would split it into characters); anything else
    is refused, so a wrong type never silently matches nothing.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)) and all(
        isinstance(item, str) for item in value
    ):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise InputError(
        _("{what} must be a string or a list of strings, not {name} {value!r}.").format(
            what=what, name=type(value).__name__, value=value
        ),
        _("pass for example {example}.").format(example=example),
    )


def decision(
    owned: bool, owner_tag: tuple[str, str], named: bool = True, naming: str = ""
) -> tuple[str, str]:
    """``("delete", why)`` for a resource with the ownership tag and a name the workshop gives
    (``named``; ``naming`` says which names those are), ``("keep", why)`` otherwise."""
    key, value = owner_tag
    if owned and named:
        return "delete", _("carries {key}={value}").format(key=key, value=value)
    if owned:
        return "keep", (
            _(
                "carries {key}={value}, but {naming}: not deleted in bulk, in case another "
                "team uses that tag too; name it explicitly to delete it"
            ).format(key=key, value=value, naming=naming)
        )
    return "keep", _("not created by the workshop (no {key}={value} tag)").format(
        key=key, value=value
    )


def delete_planned(
    plan: pd.DataFrame,
    delete_one: Callable[[Any], object],
    missing_code: str | tuple[str, ...],
    doing: Callable[[Any], str],
) -> pd.DataFrame:
    """Carry out a delete plan one row at a time; returns it with a ``result`` column.

    ``delete_one(row)`` makes the delete call for a row marked "delete". A resource that is
    already gone (error ``missing_code``, or one of several) counts as done, so a rerun after an
    interruption finishes the job; any other error is explained with ``doing(row)``.
    """
    missing = (missing_code,) if isinstance(missing_code, str) else tuple(missing_code)
    results = []
    for row in plan.itertuples():
        if row.decision != "delete":
            results.append("kept")
            continue
        with explained(doing(row), tolerate=missing) as gone:
            delete_one(row)
        results.append("already gone" if gone else "deleted")
    return plan.assign(result=results)
