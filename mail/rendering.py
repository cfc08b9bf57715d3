"""Invitation emails rendered from the templates beside this file, in the contact's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel.lists import format_list
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from contacts_api.models import Language
from contacts_api.models.locales import LOCALES

NOVA_SCOTIA = ZoneInfo("America/Halifax")
_environment = Environment(
    loader=PackageLoader("contacts_api.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class EmailContent:
    subject: str
    text: str
    html: str


def invitation_email(
    *,
    language: Language,
    first_name: str,
    organization: str,
    inviter: str,
    message: str | None,
    link: str,
    expires_at: datetime,
    profiles: Sequence[str],
) -> EmailContent:
    """The invitation in `language`, naming the security `profiles` it gives (their names in
    that language); user text is escaped in the HTML part by the templates."""
    suffix = "fr" if language is Language.FRENCH else "en"
    values = {
        "first_name": first_name,
        "organization": organization,
        "inviter": inviter,
        "message": message,
        "link": link,
        "expires": format_date(expires_at, language),
        "profiles": format_list(list(profiles), locale=LOCALES[language]),
    }
    subject = _environment.get_template(f"invitation.{suffix}.subject.txt").render(values)
    return EmailContent(
        subject=" ".join(subject.split()),
        text=_environment.get_template(f"invitation.{suffix}.txt").render(values),
        html=_environment.get_template(f"invitation.{suffix}.html").render(values),
    )


def format_date(moment: datetime, language: Language) -> str:
    """The date in Nova Scotia, as each language writes it out: "December 28, 2026" and
    "28 décembre 2026" ("1er décembre": Canadian French writes the first of the month so)."""
    local = moment.astimezone(NOVA_SCOTIA).date()
    if language is Language.FRENCH and local.day == 1:
        return babel_dates.format_date(local, "'1er' MMMM y", locale=LOCALES[language])
    return babel_dates.format_date(local, "long", locale=LOCALES[language])
