"""What every resolver of one request shares: one session, one viewer, one clock reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import strawberry

from contacts_api.models import Language
from contacts_api.models.database import RequestSession
from contacts_api.resolvers import errors
from contacts_api.resolvers.loaders import Loaders
from contacts_api.rules.authorization import Viewer
from contacts_api.rules.catalogue import Catalogue
from contacts_api.runtime.settings import Settings


class RateLimitStanding(Protocol):
    """Where the caller stands in its rate limit window (see edge.rate_limits)."""

    @property
    def limit(self) -> int: ...
    @property
    def used(self) -> int: ...
    @property
    def remaining(self) -> int: ...
    @property
    def reset_at(self) -> float: ...


@dataclass
class Context:
    db: RequestSession
    settings: Settings
    catalogue: Catalogue
    now: datetime
    language: Language
    viewer: Viewer | None
    request_id: str
    rate_limit: RateLimitStanding | None = None
    loaders: Loaders = field(init=False)
    operation_name: str | None = field(default=None, init=False)
    cost: int = field(default=0, init=False)
    user_errors: bool = field(default=False, init=False)

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
