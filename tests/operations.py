"""Operation documents shared by the tests: one constant per operation, as a client sends it."""

from __future__ import annotations

USER_ERRORS = "userErrors { field message code }"
CONTACT = "id email isActive isPrimary hasAccess version organization { id }"
INVITATION = "id email status contact { id }"


def mutation(field: str, selection: str, *fragments: str) -> str:
    """The document of mutation `field`, given its `input`, selecting `selection` and the user
    errors; `fragments` are the fragments the selection spreads."""
    name = field[0].upper() + field[1:]
    document = f"""
mutation {name}($input: {name}Input!) {{
  {field}(input: $input) {{ {selection} {USER_ERRORS} }}
}}
"""
    return document + "".join(fragments)


ADD_CONTACT = mutation("addContact", f"contact {{ {CONTACT} }} invitation {{ {INVITATION} }}")
UPDATE_CONTACT = mutation("updateContact", f"contact {{ {CONTACT} }}")
INVITE_CONTACT = mutation("inviteContact", f"invitation {{ {INVITATION} }}")
RESEND_INVITATION = mutation("resendInvitation", f"invitation {{ {INVITATION} }}")
REVOKE_INVITATION = mutation("revokeInvitation", f"invitation {{ {INVITATION} }}")
ACCEPT_INVITATION = mutation("acceptInvitation", f"contact {{ {CONTACT} }}")
DEACTIVATE_CONTACT = mutation("deactivateContact", f"contact {{ {CONTACT} }}")
REACTIVATE_CONTACT = mutation("reactivateContact", f"contact {{ {CONTACT} }}")
SET_PRIMARY_CONTACT = mutation(
    "setPrimaryContact", f"contact {{ {CONTACT} }} previousPrimaryContact {{ id }}"
)
CREATE_ORGANIZATION = mutation("createOrganization", "organization { id name }")

VIEWER = "query Viewer { viewer { account { id email name isStaff } } }"
