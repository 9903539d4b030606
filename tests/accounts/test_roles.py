import pytest

from followup.accounts.roles import RoleError, grant_role, is_admin, may, programmes_for
from followup.accounts.users import create_user
from followup.models import Programme, Role
from tests.factories import make_programme


@pytest.fixture
def people(db, clock):
    steget = make_programme(db, clock.now(), "Steget")
    fram = make_programme(db, clock.now(), "Fram")
    admin = create_user(db, clock.now(), "admin@example.org", "Admin", Role.ADMIN)
    anna = create_user(db, clock.now(), "anna@example.org", "Anna", Role.COORDINATOR, steget)
    bo = create_user(db, clock.now(), "bo@example.org", "Bo", Role.EVALUATOR, fram)
    return steget, fram, admin, anna, bo


def test_another_persons_admin_role_makes_nobody_else_an_admin(people):
    _, _, admin, anna, bo = people
    assert is_admin(admin)
    assert not is_admin(anna) and not is_admin(bo)


def test_each_person_sees_the_programmes_of_their_own_roles(people):
    steget, fram, admin, anna, bo = people
    assert [p.name for p in programmes_for(anna, Role.COORDINATOR)] == ["Steget"]
    assert [p.name for p in programmes_for(bo, Role.COORDINATOR, Role.EVALUATOR)] == ["Fram"]
    assert [p.name for p in programmes_for(admin, Role.EVALUATOR)] == ["Fram", "Steget"]


def test_someone_without_the_role_sees_no_programme_whatever_its_id(people):
    _, _, _, _, bo = people
    assert Programme.get_or_none(Programme.id == 1) is not None
    assert programmes_for(bo, Role.COORDINATOR) == []


def test_holding_a_role_somewhere(people):
    _, _, _, anna, bo = people
    assert may(anna, Role.COORDINATOR) and not may(anna, Role.EVALUATOR)
    assert may(bo, Role.EVALUATOR) and not may(bo, Role.COORDINATOR)


def test_a_role_is_given_to_that_person_with_that_name_on_that_programme(db, people):
    steget, fram, _, anna, bo = people
    grant_role(db, bo, Role.COORDINATOR, steget)  # Anna coordinates Steget already
    grant_role(db, anna, Role.EVALUATOR, steget)  # Anna is its coordinator already
    grant_role(db, anna, Role.COORDINATOR, fram)  # Anna coordinates another programme already
    assert may(bo, Role.COORDINATOR, steget.id)
    assert may(anna, Role.EVALUATOR, steget.id)
    assert may(anna, Role.COORDINATOR, fram.id)


def test_making_an_admin_an_admin_again_changes_nothing(db, people):
    _, _, admin, _, _ = people
    grant_role(db, admin, Role.ADMIN)
    assert Role.select().where(Role.user == admin).count() == 1


@pytest.mark.parametrize(
    ("name", "swedish"),
    [
        ("owner", "Okänd roll; använd en av admin, coordinator, evaluator."),
        (Role.COORDINATOR, "En samordnare eller utvärderare behöver en insats."),
    ],
)
def test_refusals_are_in_swedish_by_default(app, db, people, name, swedish):
    _, _, _, anna, _ = people
    with app.test_request_context(), pytest.raises(RoleError) as caught:
        grant_role(db, anna, name)
    assert str(caught.value) == swedish
