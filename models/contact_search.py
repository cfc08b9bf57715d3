"""The contacts of an organization: filters and the contract's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select

from contacts_api.models import Contact, ContactSecurityProfile
from contacts_api.models.emails import fold_ascii
from contacts_api.models.pagination import Ordering, SortKey
from contacts_api.models.text import folded, like_substring, prefix_bounds

CONTACT_ORDER = Ordering(
    "contacts",
    [
        SortKey(Contact.is_primary, "is_primary", bool, descending=True),
        SortKey(Contact.sort_last_name, "sort_last_name", str),
        SortKey(Contact.sort_first_name, "sort_first_name", str),
        SortKey(Contact.id, "id", int),
    ],
)


@dataclass(frozen=True, slots=True)
class ContactSearch:
    last_name: str | None = None
    first_name: str | None = None
    email: str | None = None
    profile_codes: Sequence[str] | None = None
    active_only: bool = True
    has_access: bool | None = None
    # With access and reviewed (or granted) at or before `reviewed_by` (true: its review is
    # due), or after it (false).
    review_due: bool | None = None
    reviewed_by: datetime | None = None

    @property
    def last_name_prefix(self) -> bool:
        """A last-name filter: an index range on the key after the list's leading one."""
        return bool(self.last_name and folded(self.last_name))

    @property
    def whole_list(self) -> bool:
        """No filter but `active_only`: the organization's maintained counts say how many."""
        return (
            self.last_name is None
            and self.first_name is None
            and self.email is None
            and self.profile_codes is None
            and self.has_access is None
            and self.review_due is None
        )


def contacts_statement(organization_id: int, search: ContactSearch) -> Select[Any]:
    """The organization's contacts matching every part of `search` (profiles: any of them)."""
    statement = select(Contact).where(Contact.organization_id == organization_id)
    if search.active_only:
        statement = statement.where(Contact.is_active)
    for text, column in (
        (search.last_name, Contact.sort_last_name),
        (search.first_name, Contact.sort_first_name),
    ):
        if text and (prefix := folded(text)):
            low, high = prefix_bounds(prefix)
            statement = statement.where(column >= low, column < high)
    if search.email and (part := fold_ascii(search.email.strip())):
        pattern = like_substring(part)
        statement = statement.where(
            or_(
                Contact.email_key.like(pattern, escape="\\"),
                Contact.account_email_key.like(pattern, escape="\\"),
            )
        )
    if search.profile_codes is not None:
        statement = statement.where(
            exists().where(
                ContactSecurityProfile.contact_id == Contact.id,
                ContactSecurityProfile.security_profile_code.in_(search.profile_codes),
            )
        )
    if search.has_access is True:
        statement = statement.where(Contact.account_id.is_not(None), Contact.is_active)
    elif search.has_access is False:
        statement = statement.where(or_(Contact.account_id.is_(None), ~Contact.is_active))
    if search.review_due is not None and search.reviewed_by is not None:
        reviewed = func.coalesce(Contact.access_reviewed_at, Contact.access_granted_at)
        statement = statement.where(
            Contact.account_id.is_not(None),
            Contact.is_active,
            reviewed <= search.reviewed_by if search.review_due else reviewed > search.reviewed_by,
        )
    return statement
