"""Unique values typed into a page's fields, so that their departure can be traced.

A canary must pass the page's own validation (a phone field wants digits,
an email field wants an address), be unique to this audit, and be long
enough that finding it (or its hash) elsewhere cannot be a coincidence.
"""

from __future__ import annotations

import secrets
import string

from aivet.web_session import FieldKind

_ALPHABET = string.ascii_lowercase + string.digits


def canary_token(length: int = 10) -> str:
    # Starts with a letter so that no field strips it as a number.
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(_ALPHABET) for _ in range(length - 1)
    )


def canary_value(kind: FieldKind, token: str) -> str:
    """The value typed into a field of this kind, built around the audit's token."""
    if kind == "phone":
        # A mainland-China mobile number shape (1[3-9]x xxxx xxxx) that also passes
        # generic digit-only checks; the 9 digits after the prefix come from the token.
        digits = "".join(str(int(c, 36) % 10) for c in token)[:9].ljust(9, "7")
        return "13" + digits
    if kind == "email":
        return f"{token}@example.com"
    if kind == "password":
        return f"Pw!{token}7"
    if kind == "username":
        return f"aivet_{token}"
    if kind == "prompt":
        return f"Summarise the news for Ada {token}"
    return f"aivet {token}"
