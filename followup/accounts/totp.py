"""The second factor: a time-based code (TOTP, RFC 6238) from an app, or a one-time recovery code."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from peewee import Database

from followup.models import RecoveryCode, User

ISSUER = "followup"
RECOVERY_CODES = 10


def new_secret() -> str:
    """Return a fresh base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """Return the otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """Return the QR code for `uri` as an SVG element to put in a page."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#1a1a1a", light="#ffffff")


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """Return the time step `code` belongs to (now, or one step either side), or None."""
    code = "".join(code.split())
    # isdigit() alone lets full-width and other scripts' digits through, which compare_digest refuses.
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    for offset in (-1, 0, 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return totp.timecode(now) + offset
    return None


def confirm_totp(db: Database, now: datetime, user: User, secret: str, code: str) -> list[str] | None:
    """Switch the second factor on when `code` fits `secret`; return new recovery codes, else None."""
    step = matching_step(secret, code, now)
    if step is None:
        return None
    with db.atomic():
        user.totp_secret = secret
        user.totp_confirmed_at = now
        user.totp_last_step = step
        user.save(only=[User.totp_secret, User.totp_confirmed_at, User.totp_last_step])
        return new_recovery_codes(db, user)


def check_second_factor(db: Database, now: datetime, user: User, code: str) -> bool:
    """Tell whether `code` is the user's current TOTP code (not one used before) or a recovery code."""
    if user.totp_secret:
        step = matching_step(user.totp_secret, code, now)
        if step is not None:
            with db.atomic():
                # Conditional, so a code seen once (by a shoulder or a proxy) cannot sign in again.
                moved = (
                    User.update(totp_last_step=step)
                    .where(
                        User.id == user.id,
                        User.totp_last_step.is_null() | (User.totp_last_step < step),
                    )
                    .execute()
                )
            return moved == 1
    return use_recovery_code(db, now, user, code)


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.split()).lower().encode()).hexdigest()


def new_recovery_codes(db: Database, user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones; return them (shown once, stored hashed)."""
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    with db.atomic():
        RecoveryCode.delete().where(RecoveryCode.user == user).execute()
        RecoveryCode.insert_many([{"user": user, "code_hash": _digest(c)} for c in codes]).execute()
    return codes


def use_recovery_code(db: Database, now: datetime, user: User, code: str) -> bool:
    """Spend one unused recovery code of `user`; tell whether it was one."""
    if not code.strip():
        return False
    with db.atomic():
        spent = (
            RecoveryCode.update(used_at=now)
            .where(
                RecoveryCode.user == user,
                RecoveryCode.code_hash == _digest(code),
                RecoveryCode.used_at.is_null(),
            )
            .execute()
        )
    return spent == 1


def remaining_recovery_codes(user: User) -> int:
    """Count the recovery codes `user` has not used yet."""
    return RecoveryCode.select().where(RecoveryCode.user == user, RecoveryCode.used_at.is_null()).count()
