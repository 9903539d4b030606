from datetime import timedelta

import pyotp

from followup.accounts.totp import (
    check_second_factor,
    confirm_totp,
    new_secret,
    provisioning_uri,
    qr_svg,
    remaining_recovery_codes,
)
from followup.accounts.users import create_user
from followup.models import RecoveryCode, Role, User


def test_set_up_needs_a_right_code_and_gives_recovery_codes(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    secret = new_secret()
    wrong = "111111" if pyotp.TOTP(secret).at(clock.now()) != "111111" else "222222"
    assert confirm_totp(db, clock.now(), user, secret, wrong) is None
    assert User.get_by_id(user.id).totp_secret is None
    codes = confirm_totp(db, clock.now(), user, secret, pyotp.TOTP(secret).at(clock.now()))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert not RecoveryCode.select().where(RecoveryCode.code_hash.in_(codes)).exists()


def test_a_code_is_accepted_once_and_never_again(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    secret = new_secret()
    confirm_totp(db, clock.now(), user, secret, pyotp.TOTP(secret).at(clock.now()))
    later = clock.now() + timedelta(minutes=5)
    code = pyotp.TOTP(secret).at(later)
    user = User.get_by_id(user.id)
    assert check_second_factor(db, later, user, code)
    assert not check_second_factor(db, later, User.get_by_id(user.id), code)
    old = pyotp.TOTP(secret).at(later - timedelta(minutes=2))
    assert not check_second_factor(db, later, User.get_by_id(user.id), old)


def test_a_recovery_code_works_once(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    secret = new_secret()
    codes = confirm_totp(db, clock.now(), user, secret, pyotp.TOTP(secret).at(clock.now()))
    assert check_second_factor(db, clock.now(), user, codes[3].upper())
    assert not check_second_factor(db, clock.now(), user, codes[3])
    assert remaining_recovery_codes(user) == 9
    assert not check_second_factor(db, clock.now(), user, "")


def test_the_qr_code_is_an_svg_of_the_otpauth_address():
    uri = provisioning_uri(new_secret(), "a@example.org")
    assert uri.startswith("otpauth://totp/followup:a%40example.org?")
    svg = qr_svg(uri)
    assert svg.startswith("<svg") and "<script" not in svg
