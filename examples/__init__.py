"""Example operations, one per task of the seed, shipped with the service: their names are the
operation names the metrics know (any other counts as "other")."""

from __future__ import annotations

from importlib.resources import files


def documents() -> list[str]:
    """The source of every example operation, by file name."""
    return [
        entry.read_text(encoding="utf-8")
        for entry in sorted(files(__name__).iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith(".graphql")
    ]
