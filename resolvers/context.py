"""What every resolver of one request shares: one session, one viewer, one clock reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import strawberry

from contacts_api.models import Language
from contacts_api.models.database import RequestSession
from contacts_api.resolvers import errors
from contacts_api.resolvers.loaders import Loaders
from contacts_api.rules.authorization import Viewer
from contacts_api.rules.catalogue import Catalogue
from contacts_api.runtime.settings import Settings


@dataclass
class Context:
    db: RequestSession
    settings: Settings
    catalogue: Catalogue
    now: datetime
    language: Language
    viewer: Viewer | None
    request_id: str
    loaders: Loaders = field(init=False)
    operation_name: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)

    def renew_loaders(self) -> None:
        """After a change, so that what follows reads the new state."""
        self.loaders = Loaders(self.db)

    def signed_in(self) -> Viewer:
        """The viewer, or the UNAUTHENTICATED error for an anonymous caller."""
        if self.viewer is None:
            raise errors.unauthenticated(self.language)
        return self.viewer


Info = strawberry.Info[Context, None]
