"""The locale each language of the service is formatted in: Canadian English and French."""

from __future__ import annotations

from babel import Locale

from contacts_api.models.enums import Language

LOCALES = {Language.ENGLISH: Locale.parse("en_CA"), Language.FRENCH: Locale.parse("fr_CA")}
