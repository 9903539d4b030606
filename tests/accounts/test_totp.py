import io
import re
from datetime import timedelta
from xml.etree import ElementTree

import pyotp
import zxingcpp
from PIL import Image

from followup.accounts.totp import (
    check_second_factor,
    confirm_totp,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    qr_svg,
    remaining_recovery_codes,
)
from followup.accounts.users import create_user, set_active
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


def test_the_qr_code_on_a_screen_scans_back_to_the_otpauth_address_with_medium_error_correction(browser):
    uri = provisioning_uri(new_secret(), "a@example.org")
    page = browser.new_page()
    page.set_content(qr_svg(uri))
    shot = Image.open(io.BytesIO(page.locator("svg").screenshot()))
    page.close()
    [found] = zxingcpp.read_barcodes(shot)
    # M restores 15 % of a code: a smudged screen or a phone held at a slant still reads it.
    assert (found.format, found.text, found.ec_level) == (zxingcpp.BarcodeFormat.QRCode, uri, "M")


def switched_on(db, clock, email="a@example.org"):
    """A user with the second factor on since clock.now(); return the user, the secret and the codes."""
    user = create_user(db, clock.now(), email, email[0].upper(), Role.ADMIN)
    secret = new_secret()
    codes = confirm_totp(db, clock.now(), user, secret, pyotp.TOTP(secret).at(clock.now()))
    return User.get_by_id(user.id), secret, codes


def test_the_code_of_the_step_before_or_after_is_accepted_but_not_two_steps_away(db, clock):
    user, secret, _ = switched_on(db, clock)
    assert User.get_by_id(user.id).totp_confirmed_at == clock.now()
    later = clock.now() + timedelta(minutes=5)
    totp = pyotp.TOTP(secret)
    for refused in (-2, 2):
        assert not check_second_factor(
            db, later, User.get_by_id(user.id), totp.at(later, counter_offset=refused)
        )
    # A phone whose clock runs 30 seconds slow, then one that runs on time, then one 30 seconds fast.
    for accepted in (-1, 0, 1):
        assert check_second_factor(
            db, later, User.get_by_id(user.id), totp.at(later, counter_offset=accepted)
        )
    assert not check_second_factor(db, later, User.get_by_id(user.id), totp.at(later, counter_offset=1))


def test_a_code_typed_in_two_groups_is_accepted(db, clock):
    user, secret, _ = switched_on(db, clock)
    later = clock.now() + timedelta(minutes=1)
    code = pyotp.TOTP(secret).at(later)
    assert check_second_factor(db, later, user, f" {code[:3]} {code[3:]} ")


def test_digits_of_another_script_are_a_wrong_code_not_an_error(db, clock):
    user, secret, _ = switched_on(db, clock)
    later = clock.now() + timedelta(minutes=1)
    code = pyotp.TOTP(secret).at(later)
    full_width = code.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    arabic_indic = code.translate({ord(d): 0x0660 + int(d) for d in "0123456789"})
    for typed in (full_width, arabic_indic, "åäöåäö"):
        assert not check_second_factor(db, later, user, typed)
    assert check_second_factor(db, later, user, code)


def test_the_code_that_switched_the_second_factor_on_does_not_sign_in(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    secret = new_secret()
    code = pyotp.TOTP(secret).at(clock.now())
    confirm_totp(db, clock.now(), user, secret, code)
    assert not check_second_factor(db, clock.now(), User.get_by_id(user.id), code)


def test_an_account_stopped_while_its_owner_sets_up_the_second_factor_stays_stopped(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    set_active(db, User.get_by_id(user.id), False)  # an admin, in another request
    secret = new_secret()
    confirm_totp(db, clock.now(), user, secret, pyotp.TOTP(secret).at(clock.now()))
    assert not User.get_by_id(user.id).active


def test_two_people_sign_in_within_the_same_half_minute(db, clock):
    anna, annas_secret, _ = switched_on(db, clock, "anna@example.org")
    bo, bos_secret, _ = switched_on(db, clock, "bo@example.org")
    later = clock.now() + timedelta(minutes=1)
    assert check_second_factor(db, later, anna, pyotp.TOTP(annas_secret).at(later))
    assert check_second_factor(db, later, bo, pyotp.TOTP(bos_secret).at(later))


def test_recovery_codes_are_two_groups_of_eight_and_forgive_case_and_spaces(db, clock):
    user, _, codes = switched_on(db, clock)
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{8}", code) for code in codes)
    first, second = codes[0].split("-")
    assert check_second_factor(db, clock.now(), user, f" {first.upper()} - {second.upper()} ")


def test_recovery_codes_are_each_persons_own(db, clock):
    anna, _, annas_old = switched_on(db, clock, "anna@example.org")
    bo, _, bos = switched_on(db, clock, "bo@example.org")
    annas = new_recovery_codes(db, anna)
    assert not check_second_factor(db, clock.now(), anna, annas_old[0])
    assert not check_second_factor(db, clock.now(), anna, bos[0])
    assert check_second_factor(db, clock.now(), anna, annas[0])
    assert check_second_factor(db, clock.now(), bo, bos[0])
    assert (remaining_recovery_codes(anna), remaining_recovery_codes(bo)) == (9, 9)


def test_the_qr_code_is_dark_on_its_own_white_ground_and_large_enough_to_scan():
    svg = ElementTree.fromstring(qr_svg(provisioning_uri(new_secret(), "a@example.org")))  # noqa: S314 - our own SVG
    assert int(svg.get("width")) >= 200 and svg.get("width") == svg.get("height")
    paths = list(svg.iter("path"))
    # A page in a dark theme would leave a code without its own light ground unreadable.
    assert [p.get("fill") for p in paths if p.get("fill")] == ["#fff"]
    modules = [p.get("stroke") for p in paths if p.get("stroke")]
    assert len(modules) == 1 and int(modules[0][1:], 16) < 0x404040
