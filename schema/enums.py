"""Enumerations of the API: the models' own enums, under the contract's names."""

from __future__ import annotations

import strawberry

import models
from resolvers.user_errors import ErrorCode

Language = strawberry.enum(models.Language, name="Language")
SecurityArea = strawberry.enum(models.SecurityArea, name="SecurityArea")
PhoneKind = strawberry.enum(models.PhoneKind, name="PhoneKind")
InvitationStatus = strawberry.enum(models.InvitationStatus, name="InvitationStatus")
EmailDeliveryStatus = strawberry.enum(models.EmailDeliveryStatus, name="EmailDeliveryStatus")
AuditAction = strawberry.enum(models.AuditAction, name="AuditAction")
UserErrorCode = strawberry.enum(
    ErrorCode,
    name="UserErrorCode",
    description="What is wrong with a mutation's input or with the state it meets.",
)
