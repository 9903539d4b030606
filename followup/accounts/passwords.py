"""Passwords: argon2id hashes, and the one policy we keep (long enough, not a common one).

The list of common passwords is the one Django ships (django/contrib/auth/common-passwords.txt.gz,
20,000 passwords compiled by Royce Williams, lowercased; Django's BSD-3-Clause licence), copied
unchanged into this folder.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from followup.i18n import _l

MINIMUM_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).resolve().parent / "common-passwords.txt.gz"

# argon2-cffi's defaults are argon2id with the parameters RFC 9106 recommends for constrained memory.
_hasher = PasswordHasher()


class PasswordRejected(ValueError):
    """A new password does not meet the policy; the message says why."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lowercased."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def check_policy(password: str) -> None:
    """Raise PasswordRejected unless `password` is at least 12 characters and not a common one."""
    if len(password) < MINIMUM_LENGTH:
        raise PasswordRejected(
            str(_l("The password must be at least %(count)d characters long.", count=MINIMUM_LENGTH))
        )
    if password.strip().lower() in common_passwords():
        raise PasswordRejected(str(_l("This password is on a list of common passwords; choose another.")))


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Tell whether `password` matches `password_hash` (False when there is no hash)."""
    if not password_hash:
        # Spend the same time as a real check, so a missing account cannot be told apart by timing.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with older parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
