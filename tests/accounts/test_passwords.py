import pytest

from followup.accounts.passwords import (
    PasswordRejected,
    check_policy,
    common_passwords,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_a_long_uncommon_password_passes():
    check_policy("lingonberry harbour 41")


@pytest.mark.parametrize("password", ["short", "elevenchars", ""])
def test_a_password_under_twelve_characters_is_refused(password):
    with pytest.raises(PasswordRejected, match="12"):
        check_policy(password)


def test_twelve_characters_are_enough():
    check_policy("lingonberry4")


@pytest.mark.parametrize(
    ("password", "swedish"),
    [
        ("elevenchars", "Lösenordet måste vara minst 12 tecken långt."),
        ("qwertyuiop123", "Lösenordet finns på en lista över vanliga lösenord; välj ett annat."),
    ],
)
def test_refusals_are_in_swedish_by_default(app, password, swedish):
    with app.test_request_context(), pytest.raises(PasswordRejected) as caught:
        check_policy(password)
    assert str(caught.value) == swedish


def test_a_common_password_is_refused_whatever_its_case():
    long_common = sorted(p for p in common_passwords() if len(p) >= 12)[0]
    with pytest.raises(PasswordRejected, match="common"):
        check_policy(long_common.upper())


def test_no_composition_rules():
    check_policy("all lower case words here")


def test_the_list_shipped_is_the_twenty_thousand():
    assert len(common_passwords()) > 19_000
    assert "qwertyuiop123" in common_passwords() or "1q2w3e4r5t6y" in common_passwords()


def test_hashes_are_argon2id_and_verify():
    hashed = hash_password("lingonberry harbour 41")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "lingonberry harbour 41")
    assert not verify_password(hashed, "lingonberry harbour 42")
    assert not verify_password(None, "anything at all")
    assert not verify_password("not a hash", "anything at all")
    assert not needs_rehash(hashed)
