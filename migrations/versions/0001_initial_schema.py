"""Initial schema and the security profile catalogue.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SortKey = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")

SECURITY_PROFILES = [
    # code, area, administrator, English, French
    ("ORG_ADMIN", "ORGANIZATION", True, "Organization Administrator",
     "Administrateur de l'organisme"),
    ("FA_ADMIN", "FUNDING_AGREEMENTS", True, "Funding Agreements Administrator",
     "Administrateur des ententes de financement"),
    ("FA_SUBMITTER", "FUNDING_AGREEMENTS", False, "Funding Agreements Submitter",
     "Soumission des ententes de financement"),
    ("FA_SIGNER", "FUNDING_AGREEMENTS", False, "Funding Agreements Signing Authority",
     "Signataire des ententes de financement"),
    ("FA_VIEWER", "FUNDING_AGREEMENTS", False, "Funding Agreements Read Only",
     "Ententes de financement, lecture seule"),
    ("CM_ADMIN", "CASE_MANAGEMENT", True, "Case Management Administrator",
     "Administrateur de la gestion des dossiers"),
    ("CM_PRACTITIONER", "CASE_MANAGEMENT", False, "Career Practitioner",
     "Praticien en développement de carrière"),
    ("CM_VIEWER", "CASE_MANAGEMENT", False, "Case Management Read Only",
     "Gestion des dossiers, lecture seule"),
]  # fmt: skip


def _enum(name: str, *values: str) -> sa.Enum:
    length = 40 if name in {"securityarea", "auditaction"} else 20
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("is_staff", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("subject", name="uq_accounts_subject"),
    )
    op.create_index("ix_accounts_email", "accounts", ["email"])

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("provides_case_management", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
    )

    op.create_table(
        "outbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column(
            "status", _enum("emaildeliverystatus", "QUEUED", "SENT", "FAILED"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_emails"),
    )
    op.create_index(
        "ix_outbound_emails_status_next_attempt_at",
        "outbound_emails",
        ["status", "next_attempt_at"],
    )

    profiles = op.create_table(
        "security_profiles",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column(
            "area",
            _enum("securityarea", "ORGANIZATION", "FUNDING_AGREEMENTS", "CASE_MANAGEMENT"),
            nullable=False,
        ),
        sa.Column("is_administrator", sa.Boolean(), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("name_fr", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_security_profiles"),
    )
    op.bulk_insert(
        profiles,
        [
            {
                "code": code,
                "area": area,
                "is_administrator": administrator,
                "name_en": english,
                "name_fr": french,
                "position": position,
            }
            for position, (code, area, administrator, english, french) in enumerate(
                SECURITY_PROFILES, start=1
            )
        ],
    )

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(150), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("account_email", sa.String(254), nullable=True),
        sa.Column("phone_numbers", Json, nullable=False),
        sa.Column("preferred_language", _enum("language", "ENGLISH", "FRENCH"), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("office_location", sa.String(150), nullable=True),
        sa.Column("position_type", sa.String(150), nullable=True),
        sa.Column("fte", sa.Numeric(3, 2), nullable=True),
        sa.Column("sort_last_name", SortKey, nullable=False),
        sa.Column("sort_first_name", SortKey, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_contacts_account_id"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_contacts_organization_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
    )
    op.create_index("ix_contacts_account_id", "contacts", ["account_id"])
    op.create_index(
        "uq_contacts_organization_id_account_id",
        "contacts",
        ["organization_id", "account_id"],
        unique=True,
    )
    op.create_index(
        "uq_contacts_organization_id_email_key",
        "contacts",
        ["organization_id", "email_key"],
        unique=True,
    )
    op.create_index(
        "uq_contacts_primary",
        "contacts",
        ["organization_id"],
        unique=True,
        sqlite_where=sa.text("is_primary"),
        postgresql_where=sa.text("is_primary"),
    )
    op.create_index(
        "ix_contacts_listing",
        "contacts",
        [
            "organization_id",
            "is_active",
            sa.text("is_primary DESC"),
            "sort_last_name",
            "sort_first_name",
            "id",
        ],
    )
    op.create_index(
        "ix_contacts_listing_all",
        "contacts",
        ["organization_id", sa.text("is_primary DESC"), "sort_last_name", "sort_first_name", "id"],
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            _enum(
                "auditaction",
                "ORGANIZATION_CREATED",
                "CONTACT_ADDED",
                "CONTACT_UPDATED",
                "CONTACT_DEACTIVATED",
                "CONTACT_REACTIVATED",
                "PRIMARY_CONTACT_CHANGED",
                "SECURITY_CHANGED",
                "INVITATION_SENT",
                "INVITATION_RESENT",
                "INVITATION_REVOKED",
                "INVITATION_ACCEPTED",
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", Timestamp, nullable=False),
        sa.Column("changes", Json, nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["accounts.id"], name="fk_audit_events_actor_id"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_audit_events_contact_id"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_audit_events_organization_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_contact_id_id", "audit_events", ["contact_id", "id"])
    op.create_index("ix_audit_events_organization_id_id", "audit_events", ["organization_id", "id"])

    op.create_table(
        "contact_security_profiles",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("security_profile_code", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name="fk_contact_security_profiles_contact_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["security_profile_code"],
            ["security_profiles.code"],
            name="fk_contact_security_profiles_security_profile_code",
        ),
        sa.PrimaryKeyConstraint(
            "contact_id", "security_profile_code", name="pk_contact_security_profiles"
        ),
    )
    op.create_index(
        "ix_contact_security_profiles_security_profile_code",
        "contact_security_profiles",
        ["security_profile_code"],
    )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("accepted_at", Timestamp, nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("outbound_email_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["accounts.id"], name="fk_invitations_accepted_by_id"
        ),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_invitations_contact_id"),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["accounts.id"], name="fk_invitations_invited_by_id"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_invitations_organization_id",
        ),
        sa.ForeignKeyConstraint(
            ["outbound_email_id"],
            ["outbound_emails.id"],
            name="fk_invitations_outbound_email_id",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["accounts.id"], name="fk_invitations_revoked_by_id"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_invitations_token_hash"),
    )
    op.create_index("ix_invitations_contact_id", "invitations", ["contact_id"])
    op.create_index("ix_invitations_organization_id", "invitations", ["organization_id"])

    op.create_table(
        "invitation_security_profiles",
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("security_profile_code", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name="fk_invitation_security_profiles_invitation_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["security_profile_code"],
            ["security_profiles.code"],
            name="fk_invitation_security_profiles_security_profile_code",
        ),
        sa.PrimaryKeyConstraint(
            "invitation_id", "security_profile_code", name="pk_invitation_security_profiles"
        ),
    )


def downgrade() -> None:
    for table in (
        "invitation_security_profiles",
        "invitations",
        "contact_security_profiles",
        "audit_events",
        "contacts",
        "security_profiles",
        "outbound_emails",
        "organizations",
        "accounts",
    ):
        op.drop_table(table)
