"""GraphiQL, served from the project's own files: a pinned npm build (checked by
`fetch_assets.py`) and a page that starts it with the service's example operation."""

from __future__ import annotations

import json
from importlib.resources import files

PACKAGE = __name__
ASSETS = "assets"
EXAMPLE_OPERATION = """# Your organizations' contacts: primary first,
# then by last name. Run it with Ctrl-Enter;
# the Headers tab below says who you are.
query MyContacts {
  viewer {
    account { name email }
    organizations(first: 5) {
      nodes {
        name
        viewerIsAdministrator
        contacts(first: 10) {
          totalCount
          nodes {
            firstName
            lastName
            isPrimary
            isAdministrator
            hasAccess
            emails
            securityProfiles { name }
            invitation { status expiresAt }
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
}
"""
_PAGE = (files(PACKAGE) / "index.html").read_text(encoding="utf-8")


def page(headers: str) -> str:
    """The GraphiQL page, its editor holding the example and `headers` (JSON text)."""
    settings = {"endpoint": "/graphql", "query": EXAMPLE_OPERATION, "headers": headers}
    # "</" cannot end the script element that holds the settings.
    return _PAGE.replace("__SETTINGS__", json.dumps(settings).replace("</", "<\\/"))
