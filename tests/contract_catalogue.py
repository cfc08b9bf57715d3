"""The security profile catalogue as the contract's table gives it, built by hand."""

from __future__ import annotations

from contacts_api.models import SecurityArea
from contacts_api.rules.catalogue import Catalogue, Profile

# The contract's table: code, area, administrator, English, French.
CONTRACT_CATALOGUE = [
    (
        "ORG_ADMIN",
        SecurityArea.ORGANIZATION,
        True,
        "Organization Administrator",
        "Administrateur de l'organisme",
    ),
    (
        "FA_ADMIN",
        SecurityArea.FUNDING_AGREEMENTS,
        True,
        "Funding Agreements Administrator",
        "Administrateur des ententes de financement",
    ),
    (
        "FA_SUBMITTER",
        SecurityArea.FUNDING_AGREEMENTS,
        False,
        "Funding Agreements Submitter",
        "Soumission des ententes de financement",
    ),
    (
        "FA_SIGNER",
        SecurityArea.FUNDING_AGREEMENTS,
        False,
        "Funding Agreements Signing Authority",
        "Signataire des ententes de financement",
    ),
    (
        "FA_VIEWER",
        SecurityArea.FUNDING_AGREEMENTS,
        False,
        "Funding Agreements Read Only",
        "Ententes de financement, lecture seule",
    ),
    (
        "CM_ADMIN",
        SecurityArea.CASE_MANAGEMENT,
        True,
        "Case Management Administrator",
        "Administrateur de la gestion des dossiers",
    ),
    (
        "CM_PRACTITIONER",
        SecurityArea.CASE_MANAGEMENT,
        False,
        "Career Practitioner",
        "Praticien en développement de carrière",
    ),
    (
        "CM_VIEWER",
        SecurityArea.CASE_MANAGEMENT,
        False,
        "Case Management Read Only",
        "Gestion des dossiers, lecture seule",
    ),
]

CATALOGUE = Catalogue(
    Profile(
        code=code,
        area=area,
        is_administrator=administrator,
        name_en=english,
        name_fr=french,
        position=position,
    )
    for position, (code, area, administrator, english, french) in enumerate(
        CONTRACT_CATALOGUE, start=1
    )
)
