"""The results count the answers from their own rows: each outcome gets what the reports group it by
(its wave, and the participant's cohort, activity and social assistance at exit and language), with
an index covering that count; and answer_pair holds every two answers of one person in two waves,
the earlier wave first, with the WHO-5 change between them, so the people who answered two waves are
counted without pairing everyone's answers. Existing outcomes are carried over."""

from peewee import *

COVERING = (
    "wave_id",
    "cohort_id",
    "main_activity",
    "social_assistance",
    "who5",
    "next_step_start",
    "programme_helped",
    "exit_activity",
    "exit_social_assistance",
    "language",
)

# The rare answers to invitations never marked sent, which the results leave out.
UNSENT = ('CREATE INDEX "invitation_answered_unsent" ON "invitation" ("wave_id") '
          """WHERE (("state" = 'answered') AND ("sent_at" IS NULL))""")
ADDED = ("wave_id", "cohort_id", "exit_activity", "exit_social_assistance", "language")


def up(migrator, db):
    class Wave(Model):
        class Meta:
            database = db
            table_name = "wave"

    class Cohort(Model):
        class Meta:
            database = db
            table_name = "cohort"

    class Outcome(Model):
        class Meta:
            database = db
            table_name = "outcome"

    class AnswerPair(Model):
        earlier = ForeignKeyField(Outcome, on_delete="CASCADE")
        later = ForeignKeyField(Outcome, on_delete="CASCADE")
        first_wave = ForeignKeyField(Wave, on_delete="CASCADE", index=False)
        second_wave = ForeignKeyField(Wave, on_delete="CASCADE")
        cohort = ForeignKeyField(Cohort, null=True, on_delete="SET NULL")
        change = IntegerField(null=True)

        class Meta:
            database = db
            table_name = "answer_pair"
            indexes = ((("first_wave", "second_wave", "cohort", "change"), False),)

    migrator.migrate(
        migrator.add_column(
            "outcome",
            "wave_id",
            ForeignKeyField(Wave, null=True, on_delete="CASCADE", field=Wave.id, index=False),
        ),
        migrator.add_column(
            "outcome", "cohort_id", ForeignKeyField(Cohort, null=True, on_delete="SET NULL", field=Cohort.id)
        ),
        migrator.add_column("outcome", "exit_activity", CharField(null=True)),
        migrator.add_column("outcome", "exit_social_assistance", BooleanField(null=True)),
        migrator.add_column("outcome", "language", CharField(max_length=8, null=True)),
    )
    db.execute_sql(
        "UPDATE outcome SET wave_id = i.wave_id, cohort_id = p.cohort_id, exit_activity = p.exit_activity, "
        "exit_social_assistance = p.exit_social_assistance, language = p.language "
        "FROM invitation i JOIN participant p ON p.id = i.participant_id WHERE i.id = outcome.invitation_id"
    )
    migrator.migrate(
        migrator.add_not_null("outcome", "wave_id"),
        migrator.add_not_null("outcome", "language"),
    )
    migrator.migrate(migrator.add_index("outcome", COVERING, False))
    db.execute_sql(UNSENT)
    db.create_tables([AnswerPair])
    db.execute_sql(
        "INSERT INTO answer_pair (earlier_id, later_id, first_wave_id, second_wave_id, cohort_id, change) "
        "SELECT a.id, b.id, a.wave_id, b.wave_id, a.cohort_id, b.who5 - a.who5 "
        "FROM outcome a JOIN invitation ia ON ia.id = a.invitation_id "
        "JOIN invitation ib ON ib.participant_id = ia.participant_id "
        "JOIN outcome b ON b.invitation_id = ib.id "
        "JOIN wave wa ON wa.id = a.wave_id JOIN wave wb ON wb.id = b.wave_id "
        "WHERE wa.offset_months < wb.offset_months"
    )


def down(migrator, db):
    db.execute_sql('DROP INDEX "invitation_answered_unsent"')
    migrator.migrate(migrator.drop_table("answer_pair"))
    migrator.migrate(
        # Named by peewee (the covering one shortened with a hash): found by their columns.
        *[migrator.drop_index("outcome", i.name) for i in db.get_indexes("outcome")
          if set(i.columns) & set(ADDED)],
        *[migrator.drop_column("outcome", name) for name in ADDED],
    )
