"""Indexes for the staff status page and participant list at 100,000 participants: counting a
programme's invitations by wave and state from an index alone, and finding the few delivered or
failed messages, contacts not working and opt-outs without reading every row. The last two are
partial indexes (SQLite and PostgreSQL alike): they hold only the rare rows they are for."""

INDEXES = (
    ('CREATE INDEX "contact_failed" ON "contact" ("participant_id") '
     'WHERE (("email_failed_at" IS NOT NULL) OR ("phone_failed_at" IS NOT NULL))'),
    ('CREATE INDEX "participant_opted_out" ON "participant" ("programme_id") '
     'WHERE (("opted_out_at" IS NOT NULL) OR ("sms_opted_out_at" IS NOT NULL))'),
    ('CREATE INDEX "invitation_wave_id_state_participant_id_sent_at" ON "invitation" '
     '("wave_id", "state", "participant_id", "sent_at")'),
    'CREATE INDEX "message_state_invitation_id" ON "message" ("state", "invitation_id")',
)


def up(migrator, db):
    for statement in INDEXES:
        db.execute_sql(statement)


def down(migrator, db):
    for statement in INDEXES:
        db.execute_sql('DROP INDEX "%s"' % statement.split('"')[1])
