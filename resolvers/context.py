"""What every resolver of one request shares: one session, one viewer, one clock reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import strawberry

from models import Language
from models.database import RequestSession
from resolvers import errors
from resolvers.authorization import Viewer
from resolvers.catalogue import Catalogue
from resolvers.loaders import Loaders
from settings import Settings


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
