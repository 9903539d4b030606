"""Initial schema: programmes, waves, cohorts, participants, contacts, invitations, tokens,
responses and messages. Moments are stored as naive UTC."""
from peewee import *

def up(migrator, db):
    class Programme(Model):
        name = CharField(unique=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'programme'
    db.create_tables([Programme])

    class Cohort(Model):
        programme = ForeignKeyField(Programme, on_delete='CASCADE')
        name = CharField()
        class Meta:
            database = db
            table_name = 'cohort'
            indexes = ((('programme', 'name'), True),)
    db.create_tables([Cohort])

    class Participant(Model):
        programme = ForeignKeyField(Programme, on_delete='CASCADE')
        cohort = ForeignKeyField(Cohort, null=True, on_delete='SET NULL')
        code = CharField()
        exit_date = DateField()
        language = CharField(max_length=8, default='sv')
        exit_activity = CharField(null=True)
        exit_social_assistance = BooleanField(null=True)
        opted_out_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'participant'
            indexes = ((('programme', 'code'), True),)
    db.create_tables([Participant])

    class Contact(Model):
        participant = ForeignKeyField(Participant, unique=True, on_delete='CASCADE')
        email = CharField(null=True)
        phone = CharField(null=True, max_length=32)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'contact'
    db.create_tables([Contact])

    class Wave(Model):
        programme = ForeignKeyField(Programme, on_delete='CASCADE')
        offset_months = IntegerField()
        survey = CharField()
        window_days = IntegerField()
        class Meta:
            database = db
            table_name = 'wave'
            indexes = ((('programme', 'offset_months'), True),)
    db.create_tables([Wave])

    class Invitation(Model):
        participant = ForeignKeyField(Participant, on_delete='CASCADE')
        wave = ForeignKeyField(Wave, on_delete='CASCADE')
        due_at = DateTimeField()
        expires_at = DateTimeField()
        state = CharField(max_length=16, default='scheduled')
        sent_at = DateTimeField(null=True)
        answered_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'invitation'
            indexes = ((('participant', 'wave'), True), (('state', 'due_at'), False))
    db.create_tables([Invitation])

    class Message(Model):
        invitation = ForeignKeyField(Invitation, on_delete='CASCADE')
        key = CharField(unique=True)
        kind = CharField(max_length=16)
        channel = CharField(max_length=8)
        state = CharField(max_length=16, default='pending')
        created_at = DateTimeField()
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        provider_ref = CharField(null=True)
        error = TextField(null=True)
        class Meta:
            database = db
            table_name = 'message'
            indexes = ((('state', 'created_at'), False),)
    db.create_tables([Message])

    class Response(Model):
        invitation = ForeignKeyField(Invitation, unique=True, on_delete='CASCADE')
        survey = CharField()
        survey_version = IntegerField()
        submitted_at = DateTimeField()
        answers = TextField()
        class Meta:
            database = db
            table_name = 'response'
    db.create_tables([Response])

    class Token(Model):
        invitation = ForeignKeyField(Invitation, on_delete='CASCADE')
        token_hash = CharField(unique=True, max_length=64)
        issued_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'token'
    db.create_tables([Token])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('token'))
    migrator.migrate(migrator.drop_table('response'))
    migrator.migrate(migrator.drop_table('message'))
    migrator.migrate(migrator.drop_table('invitation'))
    migrator.migrate(migrator.drop_table('wave'))
    migrator.migrate(migrator.drop_table('contact'))
    migrator.migrate(migrator.drop_table('participant'))
    migrator.migrate(migrator.drop_table('cohort'))
    migrator.migrate(migrator.drop_table('programme'))

