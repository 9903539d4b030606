"""Delivery: channel policy and reminders per programme, opt-out per channel, contact problems,
message attempts, retries and delivery status."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('programme', 'channel_policy', CharField(max_length=16, default='email_then_sms')),
        migrator.add_column('programme', 'reminder_days', CharField(max_length=64, default='7,14')),
        migrator.add_column('participant', 'opted_out_channel', CharField(max_length=16, null=True)),
        migrator.add_column('participant', 'sms_opted_out_at', DateTimeField(null=True)),
        migrator.add_column('contact', 'email_failed_at', DateTimeField(null=True)),
        migrator.add_column('contact', 'email_problem', CharField(null=True)),
        migrator.add_column('contact', 'phone_failed_at', DateTimeField(null=True)),
        migrator.add_column('contact', 'phone_problem', CharField(null=True)),
        migrator.add_column('message', 'sequence', IntegerField(default=0)),
        migrator.add_column('message', 'attempts', IntegerField(default=0)),
        migrator.add_column('message', 'next_attempt_at', DateTimeField(null=True)),
        migrator.add_column('message', 'delivery_status', CharField(max_length=16, null=True)),
        migrator.add_column('message', 'status_at', DateTimeField(null=True)),
        migrator.add_index('message', ('provider_ref',), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('message', 'message_provider_ref'),
        *[migrator.drop_column('message', c) for c in ('sequence', 'attempts', 'next_attempt_at', 'delivery_status', 'status_at')],
        *[migrator.drop_column('contact', c) for c in ('email_failed_at', 'email_problem', 'phone_failed_at', 'phone_problem')],
        *[migrator.drop_column('participant', c) for c in ('opted_out_channel', 'sms_opted_out_at')],
        *[migrator.drop_column('programme', c) for c in ('channel_policy', 'reminder_days')],
    )
