"""The compiled read path: the contacts page without graphql-core's executor or the ORM.

Design note. A client asks for the contacts page all day with the same few documents.
Executing such a document field by field (a resolve-info object, an argument map, a
completion chain and a Strawberry resolver per field, ~250 fields a page) and loading it
through the ORM (sessions, identity map, one object per row) costs several times the work
itself. The planner instead compiles a validated operation once into a *plan* (`plans.py`):
which fields say what to read (the organization asked for, its contacts pages, with their
arguments), and for each field of the response, which value answers it. Each selection of
the plan becomes one generated Python function that writes its object (`writers.py`). A
request then runs its plan (`engine.py`): it reads the viewer, its membership and the
organization in one statement and each page (each contact with its profiles, its latest
invitation and what that grants) in another, with SQLAlchemy Core statements built once,
rows as tuples, and no transaction (`reads.py`); it asks `rules.authorization` who sees the
organization and who manages each contact, as the standard path does; and it writes the
response from the rows straight into JSON.

What it covers: query operations whose root fields are `organization(id:)` (under one alias
or several, one organization) with the organization's plain fields and its `contacts`
connections (edges, nodes, cursors, pageInfo, totalCount; every filter and page argument)
down to each contact's fields, its security profiles and its latest invitation; fragments,
aliases, `__typename`, variables and `@skip`/`@include` as graphql-core collects them (its own
`collect_fields`). Anything else, at compile time (another field, an argument it does not
know) or at run time (an anonymous caller, an account to create or refresh from its token,
an error to report, a null where the schema forbids it), is handed back before anything was
written: the request runs through the standard path (Strawberry, DataLoaders, the ORM)
exactly as without the planner, which the differential test (`tests/test_planner.py`) holds
it to, byte for byte. `QUERY_PLANNER=off` turns it off.
"""

from __future__ import annotations

from contacts_api.planner.engine import Answer, Planner
from contacts_api.planner.reads import Reads

__all__ = ["Answer", "Planner", "Reads"]
