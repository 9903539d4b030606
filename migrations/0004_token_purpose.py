"""Each link token has one purpose: 'survey' opens the survey, 'optout' can only stop contact."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('token', 'purpose', CharField(max_length=8, default='survey')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('token', 'purpose'))
