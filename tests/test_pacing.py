from followup.delivery.pacing import Pacer


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
    assert all(abs(gap - 0.5) < 1e-9 for gap in gaps)


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
