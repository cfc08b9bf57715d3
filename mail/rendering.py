"""Invitation emails rendered from the templates beside this file, in the contact's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from contacts_api.models import Language

NOVA_SCOTIA = ZoneInfo("America/Halifax")
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

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
) -> EmailContent:
    """The invitation in `language`; user text is escaped in the HTML part by the templates."""
    suffix = "fr" if language is Language.FRENCH else "en"
    values = {
        "first_name": first_name,
        "organization": organization,
        "inviter": inviter,
        "message": message,
        "link": link,
        "expires": format_date(expires_at, language),
    }
    subject = _environment.get_template(f"invitation.{suffix}.subject.txt").render(values)
    return EmailContent(
        subject=" ".join(subject.split()),
        text=_environment.get_template(f"invitation.{suffix}.txt").render(values),
        html=_environment.get_template(f"invitation.{suffix}.html").render(values),
    )


def format_date(moment: datetime, language: Language) -> str:
    """The date in Nova Scotia, written out: "28 December 2026" or "28 décembre 2026"."""
    local = moment.astimezone(NOVA_SCOTIA)
    if language is Language.FRENCH:
        day = "1er" if local.day == 1 else str(local.day)
        return f"{day} {FRENCH_MONTHS[local.month - 1]} {local.year}"
    return f"{ENGLISH_MONTHS[local.month - 1]} {local.day}, {local.year}"
