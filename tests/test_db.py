import pytest
from peewee import SqliteDatabase
from playhouse.schema_diff import diff_models

from followup.db import migrate, pending_migrations
from followup.models import MODELS
from followup.results.tables import NO_COHORT


def test_migrations_alone_build_the_schema_the_models_describe(db):
    assert not diff_models(db, MODELS)
    for model in MODELS:
        columns = {c.name: c for c in db.get_columns(model._meta.table_name)}
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        assert set(columns) == set(fields), model.__name__
        for name, field in fields.items():
            assert columns[name].null == field.null, f"{model.__name__}.{name} nullability"
        indexes = {tuple(i.columns): i.unique for i in db.get_indexes(model._meta.table_name)}
        # Partial indexes (ModelIndex) are compared by name by diff_models above.
        for columns_, unique in (i for i in model._meta.indexes if isinstance(i, tuple)):
            names = tuple(model._meta.fields[c].column_name for c in columns_)
            assert indexes.get(names) == unique, f"{model.__name__} index {names}"


def test_migrating_again_changes_nothing(db):
    assert pending_migrations(db) == []
    assert migrate(db) == []


def test_a_new_database_lists_its_pending_migrations(tmp_path):
    fresh = SqliteDatabase(str(tmp_path / "fresh.sqlite3"))
    assert pending_migrations(fresh)[:2] == ["0001_initial", "0002_delivery"]


@pytest.mark.empty_database
def test_migration_0005_carries_existing_responses_over_as_countable_answers(database_url):
    from followup.db import bind, migration_runner, open_database
    from followup.models import Outcome

    database = bind(open_database(database_url))
    database.connect()
    try:
        migration_runner(database).up(target="0003_answering")
        now = "2026-01-15 12:00:00"
        database.execute_sql(
            f"INSERT INTO programme (name, created_at, channel_policy, reminder_days) "
            f"VALUES ('Steget', '{now}', 'email_only', '7')"
        )
        database.execute_sql(
            "INSERT INTO wave (programme_id, offset_months, survey, window_days) "
            "VALUES (1, 6, 'standard', 60)"
        )
        answers = [
            '{"main_activity": "studies", "social_assistance": "no", "who5_1": 5, "who5_2": 4, '
            '"who5_3": 3, "who5_4": 2, "who5_5": 1, "next_step_start": "not_yet", "comment": "x"}',
            '{"main_activity": "work", "who5_1": 5}',
        ]
        for n, text in enumerate(answers, start=1):
            database.execute_sql(
                "INSERT INTO participant (programme_id, code, exit_date, language, created_at) "
                f"VALUES (1, 'P{n}', '2025-06-01', 'sv', '{now}')"
            )
            database.execute_sql(
                "INSERT INTO invitation (participant_id, wave_id, due_at, expires_at, state) "
                f"VALUES ({n}, 1, '{now}', '{now}', 'answered')"
            )
            database.execute_sql(
                "INSERT INTO response (invitation_id, survey, survey_version, submitted_at, answers) "
                f"VALUES ({n}, 'standard', 1, '{now}', %s)".replace("%s", database.param),
                (text,),
            )
        migrate(database)
        rows = {o.invitation_id: o for o in Outcome.select()}
        assert rows[1].main_activity == "studies" and rows[1].social_assistance == "no"
        assert rows[1].who5 == 4 * 15 and rows[1].next_step_start == "not_yet"
        assert rows[1].programme_helped is None
        assert rows[2].main_activity == "work" and rows[2].who5 is None
        assert len(rows) == 2
    finally:
        database.close()
        database.close_all()


@pytest.mark.empty_database
def test_migration_0007_leaves_existing_programmes_with_the_instance_s_organiser(database_url):
    from followup.db import bind, migration_runner, open_database
    from followup.models import Programme
    from followup.plan.organiser import Organisation, organiser_for

    database = bind(open_database(database_url))
    database.connect()
    try:
        migration_runner(database).up(target="0006_staff_accounts")
        database.execute_sql(
            "INSERT INTO programme (name, created_at, channel_policy, reminder_days, self_sufficiency) "
            "VALUES ('Steget', '2026-01-15 12:00:00', 'email_only', '7', '')"
        )
        migrate(database)
        programme = Programme.get()
        assert (programme.organisation, programme.contact_phone, programme.privacy_controller) == ("", "", "")
        instance = Organisation("Förbundet", "info@example.org", "08-12 34 56", "https://example.org/pu")
        assert organiser_for(programme.id, instance, "https://f.example.org") == instance
    finally:
        database.close()
        database.close_all()


@pytest.mark.empty_database
def test_migration_0014_carries_existing_outcomes_over_and_pairs_their_waves_earlier_first(database_url):
    from followup.db import bind, migration_runner, open_database
    from followup.models import Outcome
    from followup.results.measures.counting import collect

    database = bind(open_database(database_url))
    database.connect()
    try:
        migration_runner(database).up(target="0013_status_counts")
        now = "2026-01-15 12:00:00"
        texts = ("self_sufficiency", "organisation", "contact_email", "contact_phone", "sender_name")
        texts += tuple(
            f"privacy_{n}" for n in ("controller", "purpose", "legal_basis", "retention", "rights", "dpo")
        )
        empty = ", ''" * len(texts)
        database.execute_sql(
            f"INSERT INTO programme (name, created_at, channel_policy, reminder_days, {', '.join(texts)}) "
            f"VALUES ('Steget', '{now}', 'email_only', '7'{empty})"
        )
        # The 12-month wave was planned first: wave ids are not in the order of the months.
        for months in (12, 6):
            database.execute_sql(
                "INSERT INTO wave (programme_id, offset_months, survey, window_days) "
                f"VALUES (1, {months}, 'standard', 60)"
            )
        database.execute_sql("INSERT INTO cohort (programme_id, name) VALUES (1, 'Vår 2025')")
        people = (("P1", 1, "'studies'", True, "en"), ("P2", "NULL", "NULL", "NULL", "sv"))
        for code, cohort, activity, assistance, language in people:
            exit_assistance = "NULL" if assistance == "NULL" else str(assistance).upper()
            database.execute_sql(
                "INSERT INTO participant (programme_id, cohort_id, code, exit_date, language, exit_activity, "
                f"exit_social_assistance, created_at) VALUES (1, {cohort}, '{code}', '2025-06-01', "
                f"'{language}', {activity}, {exit_assistance}, '{now}')"
            )
        # (participant, wave, WHO-5): P1 answered both waves, P2 the 12-month wave only.
        for invitation, (person, wave, who5) in enumerate(((1, 1, 76), (1, 2, 40), (2, 1, "NULL")), start=1):
            database.execute_sql(
                "INSERT INTO invitation (participant_id, wave_id, due_at, expires_at, state, sent_at) "
                f"VALUES ({person}, {wave}, '{now}', '{now}', 'answered', '{now}')"
            )
            database.execute_sql(
                "INSERT INTO outcome (invitation_id, main_activity, who5) "
                f"VALUES ({invitation}, 'work', {who5})"
            )
        migrate(database)
        rows = {o.invitation_id: o for o in Outcome.select()}
        assert (rows[1].wave_id, rows[1].cohort_id, rows[1].exit_activity) == (1, 1, "studies")
        assert (rows[1].exit_social_assistance, rows[1].language) == (True, "en")
        assert (rows[2].wave_id, rows[3].wave_id, rows[3].cohort_id, rows[3].language) == (2, 1, None, "sv")
        counts = collect(database, 1)
        # P1 from 40 at 6 months to 76 at 12: one pair, 36 points better.
        assert counts.pairs == [("Vår 2025", 6, 12, 1, 1, 36, 36 * 36, 1, 0)]
        answered = {(c[0], c[1]) for c in counts.cells if c[2]}
        assert answered == {(6, "Vår 2025"), (12, "Vår 2025"), (12, NO_COHORT)}
    finally:
        database.close()
        database.close_all()
