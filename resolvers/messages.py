"""Every message a client can read, in English and in French.

Clients branch on codes; people read these. Keep both languages side by side so that a
missing translation shows in review, and format with named fields only.
"""

from __future__ import annotations

import enum
import re

from models.enums import Language


class Message(enum.StrEnum):
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    INTERNAL_ERROR = "internal_error"
    MALFORMED_ID = "malformed_id"
    MALFORMED_CURSOR = "malformed_cursor"
    PAGE_SIZE = "page_size"
    FIRST_AND_LAST = "first_and_last"
    TOO_MANY_IDS = "too_many_ids"
    TOKEN_TOO_LONG = "token_too_long"  # noqa: S105 - a message key, not a secret


CATALOGUE: dict[Message, tuple[str, str]] = {
    Message.UNAUTHENTICATED: (
        "Sign in first: this request carries no valid credentials.",
        "Connectez-vous d'abord : cette requête ne porte aucun jeton valide.",
    ),
    Message.FORBIDDEN: (
        "You are not allowed to do this.",
        "Vous n'êtes pas autorisé à faire ceci.",
    ),
    Message.INTERNAL_ERROR: (
        "Something went wrong on our side (request {request_id}). Please try again.",
        "Une erreur s'est produite de notre côté (requête {request_id}). Veuillez réessayer.",
    ),
    Message.MALFORMED_ID: (
        "{value!r} is not a valid id.",
        "{value!r} n'est pas un identifiant valide.",
    ),
    Message.MALFORMED_CURSOR: (
        "{value!r} is not a valid cursor for this list.",
        "{value!r} n'est pas un curseur valide pour cette liste.",
    ),
    Message.PAGE_SIZE: (
        "{argument} must be between 0 and {maximum}.",
        "{argument} doit être entre 0 et {maximum}.",
    ),
    Message.FIRST_AND_LAST: (
        "Give first or last, not both.",
        "Indiquez first ou last, pas les deux.",
    ),
    Message.TOO_MANY_IDS: (
        "Ask for at most {maximum} ids at once.",
        "Demandez au plus {maximum} identifiants à la fois.",
    ),
    Message.TOKEN_TOO_LONG: (
        "The invitation token is too long.",
        "Le jeton d'invitation est trop long.",
    ),
}

_QUALITY = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")


def translate(message: Message, language: Language, **fields: object) -> str:
    english, french = CATALOGUE[message]
    template = french if language is Language.FRENCH else english
    return template.format(**fields)


def language_from_header(accept_language: str | None) -> Language:
    """French when the client prefers it to English, English otherwise (RFC 9110 weights)."""
    best: tuple[float, Language] = (0.0, Language.ENGLISH)
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, parameters = item.partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in {"en", "fr"}:
            continue
        quality = 1.0
        if match := _QUALITY.match(parameters):
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        # Earlier entries win ties, so "fr, en" is French.
        score = quality - position * 1e-6
        if score > best[0]:
            best = (score, Language.FRENCH if primary == "fr" else Language.ENGLISH)
    return best[1]
