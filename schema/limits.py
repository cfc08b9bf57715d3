"""The caller's rate limit, as GitHub's API reports it: how much is left, and until when."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from contacts_api.resolvers.context import Info


@strawberry.type(
    description=(
        "Where the caller stands in its rate limit: requests a minute per account when signed "
        "in, per client address otherwise. Every response carries the same figures in its "
        "x-ratelimit-* headers."
    )
)
class RateLimit:
    limit: int = strawberry.field(description="Requests allowed in the current window.")
    used: int = strawberry.field(
        description="Requests made in the current window, this one included."
    )
    remaining: int = strawberry.field(description="Requests left in the current window.")
    reset_at: datetime = strawberry.field(description="When the current window ends.")
    cost: int = strawberry.field(
        description="The calculated cost of this operation (as in extensions.cost)."
    )


@strawberry.type
class RateLimitQueries:
    @strawberry.field(
        description=(
            "The caller's rate limit and this operation's cost; null when the service counts "
            "no limit for the caller."
        )
    )
    def rate_limit(self, info: Info) -> RateLimit | None:
        standing = info.context.rate_limit
        if standing is None:
            return None
        return RateLimit(
            limit=standing.limit,
            used=min(standing.used, standing.limit),
            remaining=standing.remaining,
            reset_at=datetime.fromtimestamp(standing.reset_at, UTC),
            cost=info.context.cost,
        )
