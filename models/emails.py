"""The one canonical form of an email address, which decides when two addresses are the same.

Two addresses are the same exactly when their keys are equal. The key folds only what is
certain to name one mailbox, so that distinct mailboxes never compare equal:

- the domain is normalized as DNS resolves it (IDNA/UTS-46: `Example.COM`, `example.com`
  and their Unicode width or compatibility forms are one domain, reached by one server);
- in the local part, only the ASCII letters A-Z are lower-cased, as every mail system
  treats them. Nothing else is folded or normalized: no Unicode case folding, no NFC or NFKC,
  so the Kelvin sign (U+212A), the long s (U+017F) or a ligature (U+FB00) never stand for
  "k", "s" or "ff", and "É" and "é" stay apart.

The key is used for the TAKEN rule, for staff announcements and for the email search alike.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

_ASCII_LOWER = str.maketrans({chr(code): chr(code + 32) for code in range(ord("A"), ord("Z") + 1)})


def fold_ascii(text: str) -> str:
    """`text` with A-Z lower-cased, and nothing else changed."""
    return text.translate(_ASCII_LOWER)


def email_key(address: str) -> str:
    """The canonical form of `address` (see the module's docstring).

    A text that is not a valid address (a token's claim, say) keeps its domain as written,
    A-Z lower-cased, so that it can only equal the same text in another ASCII case.
    """
    local, at, domain = address.rpartition("@")
    if not at:
        return fold_ascii(address)
    try:
        domain = validate_email(address, check_deliverability=False).domain
    except EmailNotValidError:
        domain = fold_ascii(domain)
    return f"{fold_ascii(local)}@{domain}"
