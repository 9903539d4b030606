"""Answering in pages: drafts saved page by page, declined follow-ups, and the fingerprints of
survey versions that have answers (so an answered version is never changed in place)."""
from peewee import *


def up(migrator, db):
    class Invitation(Model):
        class Meta:
            database = db
            table_name = 'invitation'

    class Draft(Model):
        invitation = ForeignKeyField(Invitation, unique=True, on_delete='CASCADE')
        answers = TextField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'draft'

    class SurveyFingerprint(Model):
        survey = CharField()
        version = IntegerField()
        sha256 = CharField(max_length=64)
        class Meta:
            database = db
            table_name = 'survey_fingerprint'
            indexes = ((('survey', 'version'), True),)

    db.create_tables([Draft, SurveyFingerprint])
    migrator.migrate(migrator.add_column('invitation', 'declined_at', DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('invitation', 'declined_at'),
        migrator.drop_table('survey_fingerprint'),
        migrator.drop_table('draft'),
    )
