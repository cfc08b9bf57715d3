"""What the client selected below a field, so that a list can load its rows' details at once.

A page of contacts that reads each contact's profiles and latest invitation loads them for the
whole page before its fields resolve; the fields then answer from memory, without one
coroutine per contact and field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from strawberry import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def selected_names(info: Info, *paths: tuple[str, ...]) -> frozenset[str]:
    """The names of the fields selected at any of `paths` below the field resolving, through
    fragments.

    Conservative: a field under `@skip` or `@include` counts as selected, which can only cost
    a load that was not needed.
    """
    below: list[Selection] = [
        selection for field in _fields(info.selected_fields) for selection in field.selections
    ]
    names: set[str] = set()
    for path in paths:
        level = below
        for name in path:
            level = [
                child
                for field in _fields(level)
                if field.name == name
                for child in field.selections
            ]
        names.update(field.name for field in _fields(level))
    return frozenset(names)


def _fields(selections: Sequence[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)
