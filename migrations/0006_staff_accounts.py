"""Staff accounts: users, roles per programme, recovery codes, one-time links, sessions held on the
server, and the append-only audit log."""
from peewee import *


def up(migrator, db):
    class Programme(Model):
        class Meta:
            database = db
            table_name = 'programme'

    class User(Model):
        email = CharField(unique=True)
        display_name = CharField()
        password_hash = CharField(null=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        last_sign_in_at = DateTimeField(null=True)
        totp_secret = CharField(null=True, max_length=64)
        totp_confirmed_at = DateTimeField(null=True)
        totp_last_step = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'user'

    class Role(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        name = CharField(max_length=16)
        programme = ForeignKeyField(Programme, null=True, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'role'
            indexes = ((('user', 'name', 'programme'), True),)

    class RecoveryCode(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        code_hash = CharField(max_length=64)
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'recovery_code'

    class OneTimeLink(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        purpose = CharField(max_length=16)
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'one_time_link'

    class StaffSession(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        verified_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'staff_session'

    class AuditEvent(Model):
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        action = CharField(max_length=48)
        programme = ForeignKeyField(Programme, null=True, on_delete='SET NULL')
        participant_code = CharField(null=True)
        details = TextField(default='{}')
        class Meta:
            database = db
            table_name = 'audit_event'

    db.create_tables([User, Role, RecoveryCode, OneTimeLink, StaffSession, AuditEvent])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_table(t) for t in (
        'audit_event', 'staff_session', 'one_time_link', 'recovery_code', 'role', 'user')])
