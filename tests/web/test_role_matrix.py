"""Every route decides who may use it: each rule of app.url_map, for each kind of visitor and each
method, answers with the status this table expects. A route missing from the table fails the test,
so a new page cannot go out without a decision.
"""

import json
import re

import pytest

from followup.accounts.roles import grant_role
from followup.accounts.sessions import start_session
from followup.models import Invitation, Participant, Quote, Response, Role, User
from followup.web.roles import PUBLIC
from tests.factories import csrf_of, make_participant, make_programme, make_user, sign_in

VISITORS = ("anonymous", "admin", "coordinator", "other_coordinator", "evaluator")
SIGNED_IN = VISITORS[1:]


def every(status):
    return dict.fromkeys(VISITORS, status)


def signed_in(status, anonymous=303):
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, status)}


def only(allowed: dict, others=403):
    """Statuses for a page some roles may use: the rest get `others`, anonymous visitors the sign-in."""
    return {"anonymous": 303, **dict.fromkeys(SIGNED_IN, others), **allowed}


COORDINATORS = {"admin": 200, "coordinator": 200, "other_coordinator": 200}


def of_programme_a(status):
    """Statuses for a page of programme A: its coordinator and admins; anyone else finds nothing."""
    return {
        "anonymous": 303,
        "admin": status,
        "coordinator": status,
        "other_coordinator": 404,
        "evaluator": 404,
    }


def results_of_programme_a(status):
    """Statuses for A's results: its evaluators (other_coordinator is one too), coordinators, admins."""
    return {"anonymous": 303, **dict.fromkeys(SIGNED_IN, status)}


RESULTS = {"results.programmes", "results.overview", "results.chart_image", "results.download"}

# endpoint -> method -> visitor -> status. PUBLIC: the participant's and the webhooks' own routes,
# which answer anyone (their tests are in tests/web/test_participant.py and test_webhooks.py).
EXPECTED = {
    "static": PUBLIC,
    "participant.index": PUBLIC,
    "participant.favicon": PUBLIC,
    "participant.accessibility": PUBLIC,
    "participant.switch_language": PUBLIC,
    "participant.arrive": PUBLIC,
    "participant.intro": PUBLIC,
    "participant.page": PUBLIC,
    "participant.review": PUBLIC,
    "participant.submit": PUBLIC,
    "participant.skip": PUBLIC,
    "participant.stop": PUBLIC,
    "participant.stop_all": PUBLIC,
    "participant.thanks": PUBLIC,
    "participant.privacy": PUBLIC,
    "webhooks.status": PUBLIC,
    "webhooks.inbound": PUBLIC,
    "staff_doors.door": {"GET": every(303)},
    "staff.switch_language": {"GET": every(303)},
    "staff.sign_in": {"GET": every(200), "POST": every(200)},
    "staff.second_factor": {"GET": every(303), "POST": every(303)},
    "staff.set_up_second_factor": {"GET": signed_in(200), "POST": signed_in(200)},
    "staff.sign_out": {"POST": every(303)},
    "staff.set_password": {"GET": every(404), "POST": every(404)},
    "staff.forgot_password": {"GET": every(200), "POST": every(200)},
    "staff.dashboard": {"GET": only(COORDINATORS)},
    "staff.users": {"GET": only({"admin": 200})},
    "staff.invite": {"POST": only({"admin": 400})},
    "staff.change_active": {"POST": only({"admin": 303})},
    "staff.audit_log": {"GET": only(COORDINATORS)},
    "staff.programmes": {"GET": only(COORDINATORS)},
    "staff.edit_details": {"GET": of_programme_a(200), "POST": of_programme_a(400)},
    "staff.new_programme": {"GET": only(COORDINATORS), "POST": only(dict.fromkeys(COORDINATORS, 400))},
    "staff.programme": {"GET": of_programme_a(200)},
    "staff.edit_plan": {"GET": of_programme_a(200), "POST": of_programme_a(400)},
    "staff.status": {"GET": of_programme_a(200)},
    "staff.participants": {"GET": of_programme_a(200)},
    "staff.participant": {"GET": of_programme_a(200)},
    "staff.reveal_contact": {"POST": of_programme_a(200)},
    "staff.change_contact_page": {"POST": of_programme_a(400)},
    "staff.record_opt_out": {"POST": of_programme_a(303)},
    "staff.erase": {"POST": of_programme_a(400)},
    "staff.change_language_page": {"POST": of_programme_a(400)},
    "staff.resend_link_page": {"POST": of_programme_a(400)},
    "staff.import_participants_page": {"GET": of_programme_a(200), "POST": of_programme_a(400)},
    "staff.confirm_import": {"POST": of_programme_a(303)},
    "staff.audit_csv": {"GET": only(COORDINATORS)},
    "staff.quotes": {"GET": of_programme_a(200)},
    "staff.approve": {"POST": of_programme_a(400)},
    "staff.reject": {"POST": of_programme_a(303)},
    "results.programmes": {"GET": signed_in(200)},
    "results.overview": {"GET": results_of_programme_a(200)},
    "results.chart_image": {"GET": results_of_programme_a(200)},
    "results.download": {"GET": results_of_programme_a(200)},
    "microdata.page": {"GET": only({"admin": 200}), "POST": only({"admin": 400})},
}


@pytest.fixture
def world(app, db, clock):
    """Programme A with a participant, programme B, and one user of each kind."""
    a = make_programme(db, clock.now(), "A")
    b = make_programme(db, clock.now(), "B")
    make_participant(db, clock.now(), a, code="P-SECRET1", email="secret.person@example.org")
    invitation = Invitation.select().join(Participant).where(Participant.code == "P-SECRET1").first()
    Response.create(
        invitation=invitation,
        survey="standard",
        survey_version=1,
        submitted_at=clock.now(),
        answers=json.dumps({"comment": "SECRET-ANSWER-TEXT"}),
    )
    Invitation.update(state=Invitation.ANSWERED, answered_at=clock.now()).where(
        Invitation.id == invitation.id
    ).execute()
    # A comment its author agreed may be quoted: its coordinators see it for review, nobody else.
    quote = Quote.create(
        response=Response.get(Response.invitation == invitation),
        programme=a,
        wave=invitation.wave_id,
        submitted_text="CONSENTED-QUOTE-TEXT",
    )
    users = {
        "admin": make_user(db, clock.now(), "admin@example.org", Role.ADMIN, password=""),
        "coordinator": make_user(db, clock.now(), "coord@example.org", Role.COORDINATOR, a, password=""),
        "other_coordinator": make_user(
            db, clock.now(), "other@example.org", Role.COORDINATOR, b, password=""
        ),
        "evaluator": make_user(db, clock.now(), "eval@example.org", Role.EVALUATOR, a, password=""),
    }
    grant_role(db, users["other_coordinator"], Role.EVALUATOR, a)
    target = make_user(db, clock.now(), "target@example.org", Role.COORDINATOR, a, password="")
    return {"a": a, "b": b, "users": users, "target": target, "quote": quote}


def url_for_rule(rule, world) -> str:
    """Fill in the rule's arguments with ids from programme A (the coordinator's, not the other's)."""
    values = {
        "programme_id": world["a"].id,
        "user_id": world["target"].id,
        "token": "not-a-real-token",
        "language": "en",
        "filename": "followup.css",
        "code": "P-SECRET1",
        "table_id": "self_sufficiency",
        "fmt": "csv",
        "quote_id": world["quote"].id,
    }
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), path)
    return path


def visitor_client(app, db, clock, world, visitor):
    client = app.test_client()
    if visitor != "anonymous":
        token = start_session(db, clock.now(), world["users"][visitor], verified=True)
        with client.session_transaction("/staff/") as session:
            session["staff"] = token
    return client


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if EXPECTED.get(r.endpoint) is not PUBLIC]


def test_every_route_is_in_the_table(app):
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(EXPECTED))
    assert not missing, f"routes without a decision in the role matrix: {missing}"


def test_every_staff_view_names_its_requirement(app):
    for rule in staff_rules(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "requirement", None), f"{rule.endpoint} has no @requires(...) under its route"


def test_the_matrix(app, db, clock, world):
    app.config["LANGUAGE"] = "en"
    wrong = []
    # One address may have several rules (GET and POST to different views): go by address.
    by_path: dict[str, dict[str, str]] = {}
    for rule in staff_rules(app):
        for method in rule.methods & {"GET", "POST"}:
            by_path.setdefault(url_for_rule(rule, world), {})[method] = rule.endpoint
    for path, endpoints in sorted(by_path.items()):
        for method in ("GET", "POST"):
            for visitor in VISITORS:
                endpoint = endpoints.get(method)
                expected = EXPECTED[endpoint][method][visitor] if endpoint else 405
                client = visitor_client(app, db, clock, world, visitor)
                if method == "GET":
                    response = client.get(path)
                else:
                    token = csrf_of(client.get("/staff/sign-in"))
                    response = client.post(path, data={"csrf_token": token})
                body = response.get_data(as_text=True)
                if response.status_code != expected:
                    wrong.append(f"{method} {path} as {visitor}: {response.status_code}, expected {expected}")
                if visitor == "evaluator":
                    body = body.replace(path, "")  # the address they typed, echoed in the language links
                    assert "P-SECRET1" not in body and "secret.person" not in body, f"{method} {path}"
                assert "SECRET-ANSWER-TEXT" not in body, f"an answer on {method} {path}"
                if "CONSENTED-QUOTE-TEXT" in body:  # only on the review page, for its coordinators
                    assert endpoints.get(method) in ("staff.quotes", "staff.approve"), f"{method} {path}"
                    assert visitor in ("admin", "coordinator") and "P-SECRET1" not in body, visitor
    assert not wrong, "\n".join(wrong)


def test_a_coordinator_of_another_programme_gets_404_for_its_ids(app, db, clock, world):
    programme_rules = [
        r for r in staff_rules(app) if "programme_id" in r.arguments and r.endpoint not in RESULTS
    ]
    for rule in programme_rules:
        client = visitor_client(app, db, clock, world, "other_coordinator")
        if "GET" in rule.methods:
            assert client.get(url_for_rule(rule, world)).status_code == 404, rule.rule


def test_an_evaluator_is_refused_every_staff_page(app, db, clock, world):
    client = visitor_client(app, db, clock, world, "evaluator")
    own_account = {"staff.set_up_second_factor", "staff.sign_in", "staff.forgot_password"}
    for rule in staff_rules(app):
        if "GET" not in rule.methods or rule.endpoint in own_account | RESULTS:
            continue
        assert client.get(url_for_rule(rule, world)).status_code in (303, 403, 404), rule.rule
    assert User.select().count() == 5


def test_results_of_another_programme_are_404_even_for_its_evaluators(app, db, clock, world):
    # Programme B's coordinator and evaluator find nothing under A's id, in every results route.
    outsider = make_user(db, clock.now(), "b-only@example.org", Role.COORDINATOR, world["b"], password="")
    grant_role(db, outsider, Role.EVALUATOR, world["b"])
    world["users"]["b_only"] = outsider
    client = visitor_client(app, db, clock, world, "b_only")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint in RESULTS and "programme_id" in r.arguments]
    assert len(rules) == 3
    for rule in rules:
        assert client.get(url_for_rule(rule, world)).status_code == 404, rule.rule
    assert client.get(f"/staff/results/{world['b'].id}/").status_code == 200


def test_an_evaluator_lands_on_the_results_after_signing_in(app, db, clock):
    programme = make_programme(db, clock.now(), "Steget")
    make_user(db, clock.now(), "eva@example.org", Role.EVALUATOR, programme)
    client = app.test_client()
    signed = sign_in(client, "eva@example.org")
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/staff/results/")
    listing = client.get("/staff/results/").get_data(as_text=True)
    assert f'href="/staff/results/{programme.id}/"' in listing
    assert 'href="/staff/audit"' not in listing  # no link to pages the evaluator may not use


def test_a_refused_evaluator_is_led_to_the_results(app, db, clock, world):
    client = visitor_client(app, db, clock, world, "evaluator")
    refused = client.get("/staff/")
    assert refused.status_code == 403
    assert 'href="/staff/results/">' in refused.get_data(as_text=True)
    assert 'href="/staff/"' not in refused.get_data(as_text=True)
