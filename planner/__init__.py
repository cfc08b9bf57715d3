"""The compiled read path: the contacts page without graphql-core's executor.

Design note. A client asks for the contacts page all day with the same few documents.
Executing such a document field by field (a resolve-info object, an argument map, a
completion chain and a Strawberry resolver per field, ~250 fields a page) costs more than the
work itself. The planner instead compiles a validated operation once into a *plan*: for each
field of the response, which value answers it, read from the rows the page loaded. A request
then runs its plan: it loads the organization and the page through the same resolvers and
loaders as the standard path (so authorization, visibility, pagination and errors come from
their one home: `rules.authorization`, `resolvers.*`), and writes the response from the rows
straight into JSON.

What it covers (`plans.py`): query operations over `organization(id:)` with the
organization's plain fields and its `contacts` connection (edges, nodes, cursors, pageInfo,
totalCount) down to each contact's fields, its security profiles and its latest invitation;
fragments, aliases, `__typename`, variables and `@skip`/`@include` as graphql-core collects
them (its own `collect_fields`). Anything else, at compile time (another field, an argument
it does not know) or at run time (an error to report, a null where the schema forbids it, a
media type or limit it does not handle), is handed back: the request runs through graphql-core
exactly as without the planner, which the differential test (`tests/test_planner.py`) holds
it to, byte for byte. `QUERY_PLANNER=off` turns it off.
"""

from __future__ import annotations

from contacts_api.planner.engine import Planner

__all__ = ["Planner"]
