"""The message catalogue: every message in both languages, with the same placeholders, the
gettext catalogue in step with the code, and values formatted as each language writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from contacts_api.models import Language
from contacts_api.rules import messages
from contacts_api.rules.messages import (
    FRENCH,
    Choices,
    Localized,
    Message,
    Quoted,
    every_message,
    language_from_header,
    placeholders,
    translate,
)

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "rules" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize("english", list(every_message()))
def test_every_message_has_its_french_with_the_same_placeholders(english: str) -> None:
    french = FRENCH.get(english)

    assert french, f"no French for {english!r}"
    assert french != english
    assert placeholders(french) == placeholders(english)


def test_the_catalogue_holds_what_the_code_marks_and_nothing_else() -> None:
    marked = {
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", messages.__file__, keywords={"N_": None}
        )
    }
    with CATALOGUE.open("rb") as source:
        translated = {str(entry.id) for entry in read_po(source) if entry.id}

    assert marked == set(every_message())
    assert translated == marked, "run `make messages`, then translate what is new"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (Language.ENGLISH, "Invitation message must be at most 2,000 characters."),
        (Language.FRENCH, "Message d'invitation\u00a0: au plus 2\u00a0000 caractères."),
    ],
)
def test_numbers_and_labels_are_written_as_each_language_writes_them(
    language: Language, expected: str
) -> None:
    assert translate(Message.TOO_LONG, language, label="message", maximum=2000) == expected


def test_quotes_lists_and_names_in_each_language() -> None:
    profile = Localized("Case Management Read Only", "Gestion des dossiers, lecture seule")
    fields = {"node": Choices(("node", "nodes"), quoted=True)}

    assert translate(Message.NOT_ASSIGNABLE, Language.FRENCH, profile=profile) == (
        "Vous ne pouvez pas attribuer le profil de sécurité «\u00a0Gestion des dossiers, "
        "lecture seule\u00a0»."
    )
    assert translate(Message.DID_YOU_MEAN, Language.ENGLISH, suggestions=fields["node"]) == (
        "Did you mean “node” or “nodes”?"
    )
    assert translate(Message.DID_YOU_MEAN, Language.FRENCH, suggestions=fields["node"]) == (
        "Vouliez-vous dire «\u00a0node\u00a0» ou «\u00a0nodes\u00a0»?"
    )
    assert translate(Message.UNKNOWN_OPERATION, Language.FRENCH, name=Quoted("A")) == (
        "Le document ne contient aucune opération nommée «\u00a0A\u00a0»."
    )


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, Language.ENGLISH),
        ("fr", Language.FRENCH),
        ("fr-CA", Language.FRENCH),
        ("fr_CA", Language.FRENCH),
        ("FR", Language.FRENCH),
        ("en-CA,fr;q=0.9", Language.ENGLISH),
        ("fr-CA,fr;q=0.9,en;q=0.5", Language.FRENCH),
        ("de, fr;q=0.1", Language.FRENCH),
        ("es", Language.ENGLISH),
    ],
)
def test_the_language_of_a_request(header: str | None, language: Language) -> None:
    assert language_from_header(header) is language
