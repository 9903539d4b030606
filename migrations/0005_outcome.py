"""Countable answers: the outcome table holds, typed, the answers that reports count (one row per
response), so the database counts them instead of Python decoding each response. Existing
responses are carried over. Programmes gain their own definition of self-sufficiency."""
import json

from peewee import *

WHO5_ITEMS = ('who5_1', 'who5_2', 'who5_3', 'who5_4', 'who5_5')
CHOICES = ('main_activity', 'social_assistance', 'next_step_start', 'programme_helped')


def outcome_row(invitation_id, answers_json):
    # Frozen here on purpose: a migration never follows today's code.
    answers = json.loads(answers_json)
    values = [answers.get(name) if isinstance(answers.get(name), str) else None for name in CHOICES]
    items = [answers.get(item) for item in WHO5_ITEMS]
    valid = all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 5 for v in items)
    who5 = 4 * sum(items) if valid else None
    return (invitation_id, values[0], values[1], who5, values[2], values[3])


def up(migrator, db):
    class Invitation(Model):
        class Meta:
            database = db
            table_name = 'invitation'

    class Outcome(Model):
        invitation = ForeignKeyField(Invitation, unique=True, on_delete='CASCADE')
        main_activity = CharField(max_length=32, null=True)
        social_assistance = CharField(max_length=32, null=True)
        who5 = IntegerField(null=True)
        next_step_start = CharField(max_length=32, null=True)
        programme_helped = CharField(max_length=32, null=True)
        class Meta:
            database = db
            table_name = 'outcome'

    db.create_tables([Outcome])
    migrator.migrate(
        migrator.add_column('programme', 'self_sufficiency', CharField(max_length=255, default=''))
    )
    fields = [Outcome.invitation, Outcome.main_activity, Outcome.social_assistance, Outcome.who5,
              Outcome.next_step_start, Outcome.programme_helped]
    last = 0
    while True:
        batch = db.execute_sql(
            'SELECT id, invitation_id, answers FROM response WHERE id > %s ORDER BY id LIMIT 1000'
            % int(last)
        ).fetchall()
        if not batch:
            break
        rows = [outcome_row(invitation_id, answers) for _id, invitation_id, answers in batch]
        Outcome.insert_many(rows, fields=fields).execute()
        last = batch[-1][0]


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('programme', 'self_sufficiency'),
        migrator.drop_table('outcome'),
    )
