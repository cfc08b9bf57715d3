"""Keys that make names sort and match ignoring case and accents, identically on every database."""

from __future__ import annotations

import unicodedata

# Ligatures spelled out; typographic apostrophes and dashes (as phones and Macs type them)
# are the keyboard's: "D’Amours" is "d'amours", "Smith–Jones" is "smith-jones".
_FOLDS = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        **dict.fromkeys("\u2019\u2018\u02bc\u2032\u201b\uff07", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
    }
)


SORT_KEY_LENGTH = 100
"""The sort keys' column length; folding lengthens some text ("ß" gives "ss")."""


def folded(text: str) -> str:
    """Lower-case, accent-free form of `text`: "Émond" and "EMOND" both give "emond".

    Stored beside each name and compared byte-wise (collation "C" on PostgreSQL, BINARY on
    SQLite), so ordering and prefix search agree on both databases and can use an index.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLDS))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())[:SORT_KEY_LENGTH]


def storable(text: str) -> bool:
    """Whether every database accepts `text`: no NUL, no lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def all_storable(value: object) -> bool:
    """Whether every text in `value` (a decoded JSON value: keys included, at any depth) is
    `storable`."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not storable(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def plain_text(text: str) -> bool:
    """Storable text on one line: no control character (line breaks included)."""
    return storable(text) and not any(unicodedata.category(char) == "Cc" for char in text)


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """Bounds that hold exactly the texts starting with `prefix`, compared byte-wise:
    `prefix <= text < prefix + U+10FFFF` (the largest code point). An index serves it on both
    databases, where a LIKE pattern would need each one's own conditions."""
    return prefix, prefix + "\U0010ffff"


def like_substring(part: str) -> str:
    """A LIKE pattern matching values that contain `part` (escape character: backslash)."""
    escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
