"""Operation documents shared by the tests: one constant per operation, as a client sends it."""

from __future__ import annotations

USER_ERRORS = "userErrors { field message code }"
CONTACT = "id email isActive isPrimary hasAccess version organization { id }"
INVITATION = "id email status contact { id }"

ADD_CONTACT = f"""
mutation AddContact($input: AddContactInput!) {{
  addContact(input: $input) {{ contact {{ {CONTACT} }} invitation {{ {INVITATION} }} {USER_ERRORS} }}
}}
"""

UPDATE_CONTACT = f"""
mutation UpdateContact($input: UpdateContactInput!) {{
  updateContact(input: $input) {{ contact {{ {CONTACT} }} {USER_ERRORS} }}
}}
"""

INVITE_CONTACT = f"""
mutation InviteContact($input: InviteContactInput!) {{
  inviteContact(input: $input) {{ invitation {{ {INVITATION} }} {USER_ERRORS} }}
}}
"""

RESEND_INVITATION = f"""
mutation ResendInvitation($input: ResendInvitationInput!) {{
  resendInvitation(input: $input) {{ invitation {{ {INVITATION} }} {USER_ERRORS} }}
}}
"""

REVOKE_INVITATION = f"""
mutation RevokeInvitation($input: RevokeInvitationInput!) {{
  revokeInvitation(input: $input) {{ invitation {{ {INVITATION} }} {USER_ERRORS} }}
}}
"""

ACCEPT_INVITATION = f"""
mutation AcceptInvitation($input: AcceptInvitationInput!) {{
  acceptInvitation(input: $input) {{ contact {{ {CONTACT} }} {USER_ERRORS} }}
}}
"""

DEACTIVATE_CONTACT = f"""
mutation DeactivateContact($input: DeactivateContactInput!) {{
  deactivateContact(input: $input) {{ contact {{ {CONTACT} }} {USER_ERRORS} }}
}}
"""

REACTIVATE_CONTACT = f"""
mutation ReactivateContact($input: ReactivateContactInput!) {{
  reactivateContact(input: $input) {{ contact {{ {CONTACT} }} {USER_ERRORS} }}
}}
"""

SET_PRIMARY_CONTACT = f"""
mutation SetPrimaryContact($input: SetPrimaryContactInput!) {{
  setPrimaryContact(input: $input) {{
    contact {{ {CONTACT} }} previousPrimaryContact {{ id }} {USER_ERRORS}
  }}
}}
"""

CREATE_ORGANIZATION = f"""
mutation CreateOrganization($input: CreateOrganizationInput!) {{
  createOrganization(input: $input) {{ organization {{ id name }} {USER_ERRORS} }}
}}
"""

VIEWER = "query Viewer { viewer { account { id email name isStaff } } }"
