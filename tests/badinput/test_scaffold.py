from tests.badinput.conftest import database_checksum
from tests.factories import make_programme


def test_the_checksum_sees_a_new_row(db, clock):
    before = database_checksum(db)
    make_programme(db, clock.now())
    after = database_checksum(db)
    assert before["programme"] != after["programme"]
    assert before["participant"] == after["participant"]
