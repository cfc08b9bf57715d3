"""Keys that make names sort and match ignoring case and accents, identically on every database."""

from __future__ import annotations

import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


def folded(text: str) -> str:
    """Lower-case, accent-free form of `text`: "Émond" and "EMOND" both give "emond".

    Stored beside each name and compared byte-wise (collation "C" on PostgreSQL, BINARY on
    SQLite), so ordering and prefix search agree on both databases and can use an index.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def storable(text: str) -> bool:
    """Whether every database accepts `text`: no NUL, no lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching values that start with `prefix` (escape character: backslash)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def like_substring(part: str) -> str:
    """A LIKE pattern matching values that contain `part` (escape character: backslash)."""
    return "%" + like_prefix(part)
