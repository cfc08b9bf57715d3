"""The security profile catalogue: reference data, read once per process.

Only a migration changes the catalogue, and a migration is followed by a restart, so one
read per process is exact. Entries are plain frozen values, safe to share between requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from contacts_api.models import Language, SecurityArea, SecurityProfile
from contacts_api.models.database import RequestSession
from contacts_api.rules.messages import Localized


@dataclass(frozen=True, slots=True)
class Profile:
    code: str
    area: SecurityArea
    is_administrator: bool
    name_en: str
    name_fr: str
    position: int

    def name_in(self, language: Language) -> str:
        return self.name_fr if language is Language.FRENCH else self.name_en


class Catalogue:
    def __init__(self, profiles: Iterable[Profile]) -> None:
        self.profiles = tuple(sorted(profiles, key=lambda profile: profile.position))
        self._by_code = {profile.code: profile for profile in self.profiles}

    def __getitem__(self, code: str) -> Profile:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def localized(self, code: str) -> Localized:
        """The profile's name in each language (its code, for a code the catalogue lacks)."""
        profile = self._by_code.get(code)
        return Localized(profile.name_en, profile.name_fr) if profile else Localized(code, code)

    def get(self, code: str) -> Profile | None:
        return self._by_code.get(code)

    def ordered(self, codes: Iterable[str]) -> list[Profile]:
        """The profiles named by `codes`, in catalogue order."""
        wanted = set(codes)
        return [profile for profile in self.profiles if profile.code in wanted]

    def codes(self, codes: Iterable[str]) -> list[str]:
        """`codes` in catalogue order."""
        return [profile.code for profile in self.ordered(codes)]


class CatalogueCache:
    def __init__(self) -> None:
        self._catalogue: Catalogue | None = None
        self._loading = asyncio.Lock()

    async def get(self, db: RequestSession) -> Catalogue:
        if self._catalogue is None:
            async with self._loading:
                if self._catalogue is None:
                    rows = await db.scalars(select(SecurityProfile))
                    self._catalogue = Catalogue(
                        Profile(
                            code=row.code,
                            area=row.area,
                            is_administrator=row.is_administrator,
                            name_en=row.name_en,
                            name_fr=row.name_fr,
                            position=row.position,
                        )
                        for row in rows
                    )
        return self._catalogue

    @property
    def loaded(self) -> Catalogue | None:
        """The catalogue, once a request has read it (None before)."""
        return self._catalogue
