"""Quotes: comments whose authors agreed they may be quoted, with the coordinator's review."""
from peewee import *


def up(migrator, db):
    class Programme(Model):
        class Meta:
            database = db
            table_name = 'programme'

    class Wave(Model):
        class Meta:
            database = db
            table_name = 'wave'

    class Response(Model):
        class Meta:
            database = db
            table_name = 'response'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Quote(Model):
        response = ForeignKeyField(Response, unique=True, on_delete='CASCADE')
        programme = ForeignKeyField(Programme, on_delete='CASCADE')
        wave = ForeignKeyField(Wave, on_delete='CASCADE')
        submitted_text = TextField()
        approved_text = TextField(null=True)
        state = CharField(max_length=16, default='waiting')
        reviewed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        reviewed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'quote'
            indexes = ((('programme', 'state'), False),)

    db.create_tables([Quote])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('quote'))
