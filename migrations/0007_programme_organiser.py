"""Each programme names its own organiser (organisation, contact e-mail and phone, the sender name
of its e-mails) and carries its own privacy notice. Existing programmes get empty values, which
mean: the instance-wide FOLLOWUP_ORGANISATION, _CONTACT_EMAIL, _CONTACT_PHONE and _PRIVACY_URL."""
from peewee import *

TEXTS = ('privacy_controller', 'privacy_purpose', 'privacy_legal_basis', 'privacy_retention',
         'privacy_rights', 'privacy_dpo')


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('programme', 'organisation', CharField(max_length=200, default='')),
        migrator.add_column('programme', 'contact_email', CharField(max_length=254, default='')),
        migrator.add_column('programme', 'contact_phone', CharField(max_length=32, default='')),
        migrator.add_column('programme', 'sender_name', CharField(max_length=100, default='')),
        *[migrator.add_column('programme', name, TextField(default='')) for name in TEXTS],
    )


def down(migrator, db):
    migrator.migrate(*[
        migrator.drop_column('programme', name)
        for name in ('organisation', 'contact_email', 'contact_phone', 'sender_name', *TEXTS)
    ])
