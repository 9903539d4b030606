from followup.sending.delivery.pacing import MARGIN, Pacer


class FakeTime:
    """A monotonic clock that only moves when slept on."""

    def __init__(self):
        self.now = 100.0
        self.starts = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_no_more_than_the_rate_in_any_second():
    time = FakeTime()
    pacer = Pacer(2, monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(9):
        pacer.wait()
        time.starts.append(time.now)
    gaps = [b - a for a, b in zip(time.starts, time.starts[1:], strict=False)]
    # Never closer than the rate allows; the small margin is all that is given up.
    assert all(0.5 <= gap <= 0.5 * MARGIN + 1e-9 for gap in gaps)


def test_an_oversleeping_clock_does_not_shorten_the_next_gap():
    time = FakeTime()

    late = [0.2]

    def sleep(seconds):
        time.now += seconds + (late.pop() if late else 0)  # the system wakes us late, once

    pacer = Pacer(1, monotonic=time.monotonic, sleep=sleep)
    pacer.wait()
    first = time.now
    pacer.wait()
    second = time.now
    pacer.wait()
    assert second - first >= 1.0 and time.now - second >= 1.0


def test_pacing_holds_from_one_tick_to_the_next(app, db, clock):
    from datetime import timedelta

    from followup.models import Message
    from tests.factories import at, make_participants, make_programme, run_tick

    time = FakeTime()
    pacers = {"sms": Pacer(1, monotonic=time.monotonic, sleep=time.sleep), "email": Pacer(0)}
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["S1,2025-07-20,,0701740605,sv,G"])
    make_participants(db, clock.now(), programme, ["S2,2025-07-21,,0701740606,sv,G"])
    run_tick(app, db, at(2026, 1, 20, 12), pacers=pacers)
    run_tick(app, db, at(2026, 1, 21, 12) + timedelta(seconds=1), pacers=pacers)
    assert Message.select().where(Message.state == "sent").count() == 2
    assert time.now >= 100.0 + 1.0  # the second tick's SMS waited for the first one's second


def test_a_slow_sender_is_not_made_to_wait_more():
    time = FakeTime()
    pacer = Pacer(1, monotonic=time.monotonic, sleep=time.sleep)
    pacer.wait()
    time.now += 3  # the send itself took three seconds
    before = time.now
    pacer.wait()
    assert time.now == before


def test_zero_means_no_limit():
    time = FakeTime()
    pacer = Pacer(0, monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(100):
        pacer.wait()
    assert time.now == 100.0


def test_the_first_message_goes_at_once_even_on_a_clock_that_starts_at_zero():
    time = FakeTime()
    time.now = 0.0
    pacer = Pacer(1, monotonic=time.monotonic, sleep=time.sleep)
    pacer.wait()
    assert time.now == 0.0
