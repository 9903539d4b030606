"""Research grants: the agreements under which an admin hands pseudonymised microdata to researchers,
one file per grant (the files themselves are recorded in the audit log)."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ResearchGrant(Model):
        reference = CharField(unique=True)
        recipient = CharField()
        agreed_on = DateField()
        recorded_at = DateTimeField()
        recorded_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        files = IntegerField(default=0)
        last_file_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'research_grant'

    db.create_tables([ResearchGrant])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('research_grant'))
