"""Invitation emails and notices to administrators, rendered from the templates beside this file, in the contact's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel.dates import format_timedelta
from babel.lists import format_list
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from contacts_api.models import Language
from contacts_api.models.locales import LOCALES

NOVA_SCOTIA = ZoneInfo("America/Halifax")
NAMES_LISTED = 10
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
    reminder_at: datetime | None = None,
) -> EmailContent:
    """The invitation in `language`, naming the security `profiles` it gives (their names in
    that language); user text is escaped in the HTML part by the templates. With
    `reminder_at`, the reminder sent then, saying how long is left."""
    suffix = _suffix(language)
    values = {
        "reminder": reminder_at is not None,
        "days_left": days(expires_at - reminder_at, language) if reminder_at else None,
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


NoticeKind = Literal["accepted", "expired", "failed", "review", "lapsed"]


def notice_email(
    kind: NoticeKind,
    *,
    language: Language,
    first_name: str,
    organization: str,
    link: str,
    contact: str | None = None,
    email: str | None = None,
    date: datetime | None = None,
    profiles: Sequence[str] = (),
    names: Sequence[str] = (),
    lapse_days: int | None = None,
) -> EmailContent:
    """A notice to an administrator, in their language: about one invitation (accepted,
    expired, failed) or about the organization's contacts whose access is due for review or
    has lapsed (`names`, the first ten of them listed)."""
    suffix = _suffix(language)
    shown = list(names[:NAMES_LISTED])
    values = {
        "kind": kind,
        "first_name": first_name,
        "organization": organization,
        "link": link,
        "contact": contact,
        "email": email,
        "date": format_date(date, language) if date else None,
        "profiles": format_list(list(profiles), locale=LOCALES[language]) if profiles else "",
        "count": len(names),
        "names": shown,
        "more": len(names) - len(shown),
        "lapse_days": lapse_days,
    }
    subject = _environment.get_template(f"notice.{suffix}.subject.txt").render(values)
    text = _environment.get_template(f"notice.{suffix}.txt").render(values)
    return EmailContent(subject=" ".join(subject.split()), text=text, html=_html(text, suffix))


def _html(text: str, lang: str) -> str:
    """The HTML part of a plain-text notice: its paragraphs, lists and link; every piece of
    text is escaped by the template."""
    blocks: list[tuple[str, object]] = []
    for paragraph in text.strip().split("\n\n"):
        lines = paragraph.strip().splitlines()
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append(("list", [line[2:] for line in lines]))
        elif len(lines) == 1 and lines[0].startswith(("http://", "https://")):
            blocks.append(("link", lines[0]))
        else:
            blocks.append(("text", " ".join(lines)))
    return _environment.get_template("notice.html").render(blocks=blocks, lang=lang)


def _suffix(language: Language) -> str:
    return "fr" if language is Language.FRENCH else "en"


def days(span: timedelta, language: Language) -> str:
    """A number of whole days as each language writes it: "7 days", "7 jours"."""
    return format_timedelta(
        timedelta(days=max(1, round(span / timedelta(days=1)))),
        granularity="day",
        threshold=1000,
        locale=LOCALES[language],
    )


def format_date(moment: datetime, language: Language) -> str:
    """The date in Nova Scotia, as each language writes it out: "December 28, 2026" and
    "28 décembre 2026" ("1er décembre": Canadian French writes the first of the month so)."""
    local = moment.astimezone(NOVA_SCOTIA).date()
    if language is Language.FRENCH and local.day == 1:
        return babel_dates.format_date(local, "'1er' MMMM y", locale=LOCALES[language])
    return babel_dates.format_date(local, "long", locale=LOCALES[language])
