"""Answered survey versions per wave: kept when a response is stored, so the results name the
survey versions of a programme without reading every response. Existing responses are carried over."""
from peewee import *


def up(migrator, db):
    class Wave(Model):
        class Meta:
            database = db
            table_name = 'wave'

    class AnsweredSurvey(Model):
        wave = ForeignKeyField(Wave, on_delete='CASCADE')
        survey = CharField()
        version = IntegerField()
        class Meta:
            database = db
            table_name = 'answered_survey'
            indexes = ((('wave', 'survey', 'version'), True),)

    db.create_tables([AnsweredSurvey])
    db.execute_sql(
        'INSERT INTO answered_survey (wave_id, survey, version) '
        'SELECT DISTINCT i.wave_id, r.survey, r.survey_version '
        'FROM response r JOIN invitation i ON i.id = r.invitation_id'
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_table('answered_survey'))
