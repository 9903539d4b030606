"""The status page's counts, kept exact by the database itself: one row per wave and cohort (cohort 0
for participants without one) with what the page shows, changed by triggers in the same transaction
as every change to an invitation, its messages, its participant or the participant's contact,
whatever code makes it (the scheduler, answers, the import, erasure, a cascade). The counts are
filled from the rows already there.

Each trigger takes away, before the change, what the invitations it touches counted, and adds, after
it, what they count now: one definition of what an invitation counts (CONTRIBUTION), so no change
can be counted in a way another undoes differently. An invitation counts only while its participant
exists: whichever of the two goes first takes it away, and the other finds nothing to take."""
from peewee import *

COUNTS = ('invited', 'scheduled', 'sent', 'delivered', 'failed', 'bounced', 'opted_out', 'declined',
          'answered', 'expired')


FAILED = "'failed'"
WENT_OUT = "'sent', 'delivered'"


def contribution(sign, where, sources=None):
    """The statement adding (sign 1) or taking away (sign -1) what the invitations `where` count.

    `sources` names, per table, the rows to read instead of the table (its rows before a statement).
    """
    sources = {'message': 'message', 'invitation': 'invitation', 'participant': 'participant',
               'contact': 'contact', **(sources or {})}
    def when(condition):
        return f"{sign} * SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    def message(states):
        return (f"EXISTS (SELECT 1 FROM {sources['message']} m WHERE m.invitation_id = i.id "
                f"AND m.state IN ({states}))")

    values = (
        f"{sign} * COUNT(*)",
        when("i.state = 'scheduled'"),
        f"{sign} * COUNT(i.sent_at)",
        # Delivered if any message was; failed if one failed and none went out.
        when(message("'delivered'")),
        when(f"{message(FAILED)} AND NOT {message(WENT_OUT)}"),
        when(f"EXISTS (SELECT 1 FROM {sources['contact']} c WHERE c.participant_id = p.id "
             "AND (c.email_failed_at IS NOT NULL OR c.phone_failed_at IS NOT NULL))"),
        when("p.opted_out_at IS NOT NULL OR p.sms_opted_out_at IS NOT NULL"),
        when("i.state = 'declined'"),
        when("i.state = 'answered'"),
        when("i.state = 'expired'"),
    )
    updates = ', '.join(f'{c} = status_count.{c} + excluded.{c}' for c in COUNTS)
    return (f"INSERT INTO status_count (wave_id, cohort_id, {', '.join(COUNTS)}) "
            f"SELECT i.wave_id, COALESCE(p.cohort_id, 0), {', '.join(values)} "
            f"FROM {sources['invitation']} i JOIN {sources['participant']} p ON p.id = i.participant_id "
            f"WHERE {where} GROUP BY i.wave_id, COALESCE(p.cohort_id, 0) "
            f"ON CONFLICT (wave_id, cohort_id) DO UPDATE SET {updates}")


# Per table: which invitations a row touches (R is OLD or NEW), the columns that change what they
# count, and whether the invitations' contribution exists before an insert / after a delete.
TABLES = {
    'invitation': ('i.id = {R}.id', ('state', 'sent_at', 'wave_id', 'participant_id'), False),
    'message': ('i.id = {R}.invitation_id', ('state', 'invitation_id'), True),
    'participant': ('i.participant_id = {R}.id', ('cohort_id', 'opted_out_at', 'sms_opted_out_at'),
                    False),
    'contact': ('i.participant_id = {R}.participant_id',
                ('participant_id', 'email_failed_at', 'phone_failed_at'), True),
}


# On PostgreSQL, row triggers after a statement fire only once it is over, but those before each row
# as it goes: a statement changing two messages of one invitation would take its count away twice
# and add it back twice. And a row updated many times in one transaction gets slower to update each
# time (every update leaves a version behind): an import of 100,000 participants, or the scheduler
# marking thousands of invitations, would change the same few counts row by row. So there inserts
# and updates (and the deletions of messages and contacts) are counted once per statement: what the
# invitations counted with the table's rows as they were (without the statement's new rows, with
# its old ones) taken away, what they count now added. Deleting an invitation or a participant
# stays row by row, before the cascade takes their messages and contacts away.
BEFORE = '(SELECT * FROM {table} WHERE id NOT IN (SELECT id FROM new_rows) UNION ALL SELECT * FROM old_rows)'
STATEMENT_TRIGGERS = {
    'message': ('i.id IN (SELECT invitation_id FROM {rows})', ('INSERT', 'UPDATE', 'DELETE')),
    'contact': ('i.participant_id IN (SELECT participant_id FROM {rows})', ('INSERT', 'UPDATE', 'DELETE')),
    'invitation': ('i.id IN (SELECT id FROM {rows})', ('INSERT', 'UPDATE')),
    'participant': ('i.participant_id IN (SELECT id FROM {rows})', ('UPDATE',)),
}
TRANSITION = {'INSERT': ('new_rows',), 'UPDATE': ('old_rows', 'new_rows'), 'DELETE': ('old_rows',)}


def statement_triggers():
    """Yield (name, table, event, transition tables, statements) for PostgreSQL's statement triggers."""
    for table, (touches, events) in STATEMENT_TRIGGERS.items():
        for event in events:
            rows = TRANSITION[event]
            referencing = 'REFERENCING ' + ' '.join(
                f"{'OLD' if r == 'old_rows' else 'NEW'} TABLE AS {r}" for r in rows)
            touched = ' OR '.join(touches.format(rows=r) for r in rows)
            before = BEFORE.format(table=table)
            if event == 'INSERT':
                before = before.replace(' UNION ALL SELECT * FROM old_rows', '')
            elif event == 'DELETE':
                before = before.replace(' WHERE id NOT IN (SELECT id FROM new_rows)', '')
            statements = f'{contribution(-1, touched, {table: before})}; {contribution(1, touched)}'
            if table == 'invitation' and event == 'INSERT':
                statements = contribution(1, touched)  # nothing counted them before
            yield f'status_count_{table}_{event.lower()}', table, event, referencing, statements


def triggers(postgres):
    """Yield (name, table, timing, event, rows, columns, statement) for every row trigger."""
    for table, (touches, columns, around) in TABLES.items():
        for event, rows in (('INSERT', ('NEW',)), ('UPDATE', ('OLD', 'NEW')), ('DELETE', ('OLD',))):
            where = ' OR '.join(f'({touches.format(R=r)})' for r in rows)
            for timing, sign in (('BEFORE', -1), ('AFTER', 1)):
                if not around and ((event, timing) in (('INSERT', 'BEFORE'), ('DELETE', 'AFTER'))):
                    continue
                if postgres and event in STATEMENT_TRIGGERS.get(table, ('', ()))[1]:
                    continue
                if table == 'participant' and event == 'INSERT':
                    continue  # a new participant has no invitations yet
                name = f'status_count_{table}_{timing}_{event}'.lower()
                yield (name, table, timing, event, rows, columns if event == 'UPDATE' else (),
                       contribution(sign, where))


def up(migrator, db):
    class StatusCount(Model):
        wave_id = IntegerField()
        cohort_id = IntegerField()
        invited = IntegerField(default=0)
        scheduled = IntegerField(default=0)
        sent = IntegerField(default=0)
        delivered = IntegerField(default=0)
        failed = IntegerField(default=0)
        bounced = IntegerField(default=0)
        opted_out = IntegerField(default=0)
        declined = IntegerField(default=0)
        answered = IntegerField(default=0)
        expired = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'status_count'
            primary_key = CompositeKey('wave_id', 'cohort_id')

    db.create_tables([StatusCount])
    postgres = isinstance(db, PostgresqlDatabase)
    if postgres:
        for name, table, event, referencing, statements in statement_triggers():
            db.execute_sql(f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ '
                           f'BEGIN {statements}; RETURN NULL; END $$')
            db.execute_sql(f'CREATE TRIGGER {name} AFTER {event} ON "{table}" {referencing} '
                           f'FOR EACH STATEMENT EXECUTE FUNCTION {name}()')
    for name, table, timing, event, rows, columns, statement in triggers(postgres):
        if postgres:
            result = 'NULL' if timing == 'AFTER' else ('OLD' if event == 'DELETE' else 'NEW')
            db.execute_sql(f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ '
                           f'BEGIN {statement}; RETURN {result}; END $$')
            changed = ' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in columns)
            db.execute_sql(f'CREATE TRIGGER {name} {timing} {event} ON "{table}" FOR EACH ROW '
                           + (f'WHEN ({changed}) ' if changed else '')
                           + f'EXECUTE FUNCTION {name}()')
        else:
            changed = ' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in columns)
            db.execute_sql(f'CREATE TRIGGER {name} {timing} {event} ON "{table}" FOR EACH ROW '
                           + (f'WHEN {changed} ' if changed else '')
                           + f'BEGIN {statement}; END')
    db.execute_sql(contribution(1, 'TRUE'))


def down(migrator, db):
    postgres = isinstance(db, PostgresqlDatabase)
    if postgres:
        for name, table, *_ in statement_triggers():
            db.execute_sql(f'DROP TRIGGER {name} ON "{table}"')
            db.execute_sql(f'DROP FUNCTION {name}()')
    for name, table, *_ in triggers(postgres):
        if postgres:
            db.execute_sql(f'DROP TRIGGER {name} ON "{table}"')
            db.execute_sql(f'DROP FUNCTION {name}()')
        else:
            db.execute_sql(f'DROP TRIGGER {name}')
    migrator.migrate(migrator.drop_table('status_count'))
