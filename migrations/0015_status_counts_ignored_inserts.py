"""The kept status counts (migration 0013) on SQLite, when an insert is ignored: `INSERT OR IGNORE` of
a message that exists already (the scheduler queueing a message twice) fired the BEFORE INSERT
trigger, which took the invitation's counts away, and no AFTER INSERT trigger gave them back, so the
invitation dropped out of the status page.

On SQLite an insert into `message` or `contact` is now counted by its AFTER INSERT trigger alone:
what the invitations counted without the new row taken away, what they count with it added, as
PostgreSQL's statement triggers do. An ignored insert fires nothing. The counts are then made again
from the rows, since a database may already hold counts the old triggers lost. PostgreSQL is
unchanged: it counts once per statement from the rows actually inserted."""
from peewee import *

ROW_OF = {'message': 'i.id = NEW.invitation_id', 'contact': 'i.participant_id = NEW.participant_id'}
WITHOUT_NEW = '(SELECT * FROM {table} WHERE id != NEW.id)'


# As in migration 0013 (a migration is a snapshot: it keeps the definition it was written with).
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


def _recount(db):
    db.execute_sql('DELETE FROM status_count')
    db.execute_sql(contribution(1, 'TRUE'))


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        return
    for table, where in ROW_OF.items():
        db.execute_sql(f'DROP TRIGGER status_count_{table}_before_insert')
        db.execute_sql(f'DROP TRIGGER status_count_{table}_after_insert')
        before = contribution(-1, where, {table: WITHOUT_NEW.format(table=table)})
        db.execute_sql(f'CREATE TRIGGER status_count_{table}_after_insert AFTER INSERT ON "{table}" '
                       f'FOR EACH ROW BEGIN {before}; {contribution(1, where)}; END')
    _recount(db)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        return
    for table, where in ROW_OF.items():
        db.execute_sql(f'DROP TRIGGER status_count_{table}_after_insert')
        for timing, sign in (('BEFORE', -1), ('AFTER', 1)):
            db.execute_sql(f'CREATE TRIGGER status_count_{table}_{timing.lower()}_insert {timing} INSERT '
                           f'ON "{table}" FOR EACH ROW BEGIN {contribution(sign, where)}; END')
    _recount(db)
