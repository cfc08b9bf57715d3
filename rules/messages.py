"""Every message a client can read, in English and in French.

Clients branch on codes; people read these. Keep both languages side by side so that a
missing translation shows in review, and format with named fields only.
"""

from __future__ import annotations

import enum
import re

from contacts_api.models.enums import Language


class Message(enum.StrEnum):
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    INTERNAL_ERROR = "internal_error"
    MALFORMED_ID = "malformed_id"
    MALFORMED_CURSOR = "malformed_cursor"
    PAGE_SIZE = "page_size"
    MALFORMED_FILTER = "malformed_filter"
    QUERY_TOO_COSTLY = "query_too_costly"
    RATE_LIMITED = "rate_limited"
    FIRST_AND_LAST = "first_and_last"
    TOO_MANY_IDS = "too_many_ids"
    LIST_TOO_LONG = "list_too_long"
    UNSTORABLE_TEXT = "unstorable_text"
    TOKEN_TOO_LONG = "token_too_long"  # noqa: S105 - a message key, not a secret
    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID_TEXT = "invalid_text"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    INVALID_EXTENSION = "invalid_extension"
    TOO_MANY_PHONES = "too_many_phones"
    FTE_RANGE = "fte_range"
    FTE_DECIMALS = "fte_decimals"
    EMAIL_TAKEN = "email_taken"
    INVALID_ID = "invalid_id"
    NOT_FOUND = "not_found"
    STALE = "stale"
    NOT_ASSIGNABLE = "not_assignable"
    PROFILE_REQUIRED = "profile_required"
    LAST_ADMINISTRATOR = "last_administrator"
    PRIMARY_CONTACT = "primary_contact"
    CONTACT_INACTIVE = "contact_inactive"
    ALREADY_HAS_ACCESS = "already_has_access"
    ALREADY_INVITED = "already_invited"
    INVITATION_NOT_PENDING = "invitation_not_pending"
    INVITATION_EXPIRED = "invitation_expired"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - a message key, not a secret
    ALREADY_LINKED = "already_linked"


CATALOGUE: dict[Message, tuple[str, str]] = {
    Message.UNAUTHENTICATED: (
        "Sign in first: this request carries no valid credentials.",
        "Connectez-vous d'abord : cette requête ne porte aucun jeton valide.",
    ),
    Message.FORBIDDEN: (
        "You are not allowed to do this.",
        "Vous n'êtes pas autorisé à faire ceci.",
    ),
    Message.INTERNAL_ERROR: (
        "Something went wrong on our side (request {request_id}). Please try again.",
        "Une erreur s'est produite de notre côté (requête {request_id}). Veuillez réessayer.",
    ),
    Message.MALFORMED_ID: (
        "{value!r} is not a valid id.",
        "{value!r} n'est pas un identifiant valide.",
    ),
    Message.MALFORMED_CURSOR: (
        "{value!r} is not a valid cursor for this list.",
        "{value!r} n'est pas un curseur valide pour cette liste.",
    ),
    Message.QUERY_TOO_COSTLY: (
        "This operation would cost {cost}, above the limit of {maximum}: ask for smaller "
        "pages or fewer nested lists.",
        "Cette opération coûterait {cost}, au-delà de la limite de {maximum} : demandez des "
        "pages plus petites ou moins de listes imbriquées.",
    ),
    Message.RATE_LIMITED: (
        "Too many requests: try again in {seconds} seconds.",
        "Trop de requêtes : réessayez dans {seconds} secondes.",
    ),
    Message.MALFORMED_FILTER: (
        "The filter {argument} is too long or holds characters that cannot be searched.",
        "Le filtre {argument} est trop long ou contient des caractères impossibles à chercher.",
    ),
    Message.PAGE_SIZE: (
        "{argument} must be between 0 and {maximum}.",
        "{argument} doit être entre 0 et {maximum}.",
    ),
    Message.FIRST_AND_LAST: (
        "Give first or last, not both.",
        "Indiquez first ou last, pas les deux.",
    ),
    Message.TOO_MANY_IDS: (
        "Ask for at most {maximum} ids at once.",
        "Demandez au plus {maximum} identifiants à la fois.",
    ),
    Message.LIST_TOO_LONG: (
        "A list in the arguments holds {length} items; at most {maximum} are accepted.",
        "Une liste des arguments compte {length} éléments; au plus {maximum} sont acceptés.",
    ),
    Message.UNSTORABLE_TEXT: (
        "The request holds text that is not valid: a NUL character or a lone surrogate.",
        "La requête contient du texte non valide : un caractère NUL ou un demi-code isolé.",
    ),
    Message.TOKEN_TOO_LONG: (
        "The invitation token is too long.",
        "Le jeton d'invitation est trop long.",
    ),
    Message.REQUIRED: ("{label} is required.", "{label} : ce champ est obligatoire."),
    Message.TOO_LONG: (
        "{label} must be at most {maximum} characters.",
        "{label} : au plus {maximum} caractères.",
    ),
    Message.INVALID_TEXT: (
        "{label} contains characters that are not allowed.",
        "{label} contient des caractères non permis.",
    ),
    Message.INVALID_EMAIL: (
        "Enter a valid email address.",
        "Entrez une adresse courriel valide.",
    ),
    Message.INVALID_PHONE: (
        "{value!r} is not a valid phone number.",
        "{value!r} n'est pas un numéro de téléphone valide.",
    ),
    Message.INVALID_EXTENSION: (
        "An extension holds digits only.",
        "Un poste ne contient que des chiffres.",
    ),
    Message.TOO_MANY_PHONES: (
        "Give at most {maximum} phone numbers.",
        "Indiquez au plus {maximum} numéros de téléphone.",
    ),
    Message.FTE_RANGE: (
        "The full-time equivalent must be above 0 and at most 1.",
        "L'équivalent temps plein doit être supérieur à 0 et d'au plus 1.",
    ),
    Message.FTE_DECIMALS: (
        "The full-time equivalent has at most two decimals.",
        "L'équivalent temps plein compte au plus deux décimales.",
    ),
    Message.EMAIL_TAKEN: (
        "Another contact of this organization already has this email.",
        "Une autre personne-ressource de cet organisme a déjà ce courriel.",
    ),
    Message.INVALID_ID: ("This id is not valid.", "Cet identifiant n'est pas valide."),
    Message.NOT_FOUND: (
        "Not found: it does not exist, or you cannot see it.",
        "Introuvable : il n'existe pas, ou vous ne pouvez pas le voir.",
    ),
    Message.STALE: (
        "Someone else changed this contact first; reload it and try again.",
        "Quelqu'un d'autre a modifié cette personne-ressource avant vous; rechargez-la et "
        "réessayez.",
    ),
    Message.NOT_ASSIGNABLE: (
        "You may not assign the security profile {code}.",
        "Vous ne pouvez pas attribuer le profil de sécurité {code}.",
    ),
    Message.PROFILE_REQUIRED: (
        "Choose at least one security profile.",
        "Choisissez au moins un profil de sécurité.",
    ),
    Message.LAST_ADMINISTRATOR: (
        "This would leave the organization without an active administrator with access.",
        "L'organisme n'aurait plus d'administrateur actif ayant accès.",
    ),
    Message.PRIMARY_CONTACT: (
        "The primary contact cannot be deactivated; choose another primary contact first.",
        "La personne-ressource principale ne peut pas être désactivée; choisissez d'abord "
        "une autre personne-ressource principale.",
    ),
    Message.CONTACT_INACTIVE: (
        "This contact is inactive.",
        "Cette personne-ressource est inactive.",
    ),
    Message.ALREADY_HAS_ACCESS: (
        "This contact already has access.",
        "Cette personne-ressource a déjà accès.",
    ),
    Message.ALREADY_INVITED: (
        "This contact already has a pending invitation.",
        "Cette personne-ressource a déjà une invitation en attente.",
    ),
    Message.INVITATION_NOT_PENDING: (
        "This invitation is no longer pending.",
        "Cette invitation n'est plus en attente.",
    ),
    Message.INVITATION_EXPIRED: (
        "This invitation has expired; ask for a new one.",
        "Cette invitation est expirée; demandez-en une nouvelle.",
    ),
    Message.INVALID_TOKEN: (
        "This invitation link is not valid.",
        "Ce lien d'invitation n'est pas valide.",
    ),
    Message.ALREADY_LINKED: (
        "Your account is already linked to another contact of this organization.",
        "Votre compte est déjà lié à une autre personne-ressource de cet organisme.",
    ),
}

# Names of input fields, as the messages show them.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Name", "Nom"),
    "firstName": ("First name", "Prénom"),
    "lastName": ("Last name", "Nom de famille"),
    "email": ("Email", "Courriel"),
    "title": ("Title", "Titre"),
    "officeLocation": ("Office location", "Lieu de travail"),
    "positionType": ("Position type", "Type de poste"),
    "fte": ("Full-time equivalent", "Équivalent temps plein"),
    "preferredLanguage": ("Preferred language", "Langue préférée"),
    "message": ("Invitation message", "Message d'invitation"),
    "number": ("Phone number", "Numéro de téléphone"),
    "extension": ("Extension", "Poste"),
}

_QUALITY = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")


def translate(message: Message, language: Language, **fields: object) -> str:
    english, french = CATALOGUE[message]
    template = french if language is Language.FRENCH else english
    if "label" in fields:
        english_label, french_label = FIELD_LABELS[str(fields["label"])]
        fields["label"] = french_label if language is Language.FRENCH else english_label
    return template.format(**fields)


def language_from_header(accept_language: str | None) -> Language:
    """French when the client prefers it to English, English otherwise (RFC 9110 weights)."""
    best: tuple[float, Language] = (0.0, Language.ENGLISH)
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, parameters = item.partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in {"en", "fr"}:
            continue
        quality = 1.0
        if match := _QUALITY.match(parameters):
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        # Earlier entries win ties, so "fr, en" is French.
        score = quality - position * 1e-6
        if score > best[0]:
            best = (score, Language.FRENCH if primary == "fr" else Language.ENGLISH)
    return best[1]
