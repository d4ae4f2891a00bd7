"""GCRA limits: a burst, then one per interval; refused actions take nothing."""

import time

import pytest

from nexus_live import ratelimit


@pytest.fixture(params=["redis", "local"])
def store(request, settings):
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (CI always sets it)")
    if request.param == "local":
        settings.REDIS_URL = ""
    return request.param


def test_a_burst_then_one_per_interval(store):
    waits = [ratelimit.wait_for("t:burst", burst=3, interval=60) for _ in range(4)]
    assert waits[:3] == [0, 0, 0]
    assert 59 < waits[3] <= 60


def test_a_refused_action_takes_nothing_and_time_gives_back(store):
    for _ in range(2):
        assert ratelimit.wait_for("t:refill", burst=2, interval=0.2) == 0
    assert ratelimit.wait_for("t:refill", burst=2, interval=0.2) > 0
    assert ratelimit.wait_for("t:refill", burst=2, interval=0.2) > 0  # still one slot short
    time.sleep(0.25)
    assert ratelimit.wait_for("t:refill", burst=2, interval=0.2) == 0
    assert ratelimit.wait_for("t:refill", burst=2, interval=0.2) > 0


def test_limits_are_per_name(store):
    assert ratelimit.wait_for("t:a", burst=1, interval=60) == 0
    assert ratelimit.wait_for("t:a", burst=1, interval=60) > 0
    assert ratelimit.wait_for("t:b", burst=1, interval=60) == 0


@pytest.mark.parametrize(
    ("wait", "said"), [(0.001, "1 s"), (0.4, "1 s"), (1.0, "1 s"), (1.01, "2 s"), (59.2, "60 s")]
)
def test_the_refusal_says_the_real_wait_never_zero(wait, said):
    assert ratelimit.RateLimited(wait).messages == [
        f"You are sending too fast. Try again in {said}."
    ]


def test_a_refused_check_says_at_least_a_second(store):
    ratelimit.check("t:said", burst=1, interval=0.3)
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.check("t:said", burst=1, interval=0.3)
    assert 0 < refused.value.retry_after <= 0.3
    assert "Try again in 1 s." in refused.value.messages[0]


def test_each_take_says_what_is_left_and_when_the_burst_is_whole(store):
    taken = [ratelimit.take("t:left", burst=3, interval=10) for _ in range(4)]
    assert [a.remaining for a in taken] == [2, 1, 0, 0]
    assert [a.wait == 0 for a in taken] == [True, True, True, False]
    assert 9 < taken[0].reset <= 10
    assert 29 < taken[2].reset <= 30
    assert 29 < taken[3].reset <= 30  # the refusal took nothing
    assert 9 < taken[3].wait <= 10  # wait: until the next one; reset: until all of them


def test_only_looking_takes_nothing(store):
    fresh = ratelimit.take("t:look", burst=2, interval=10, only_look=True)
    assert (fresh.wait, fresh.remaining, fresh.reset) == (0.0, 2, 0.0)
    ratelimit.take("t:look", burst=2, interval=10)
    for _ in range(3):
        looked = ratelimit.take("t:look", burst=2, interval=10, only_look=True)
        assert looked.remaining == 1 and 9 < looked.reset <= 10


def test_time_gives_the_allowance_back_one_by_one(store):
    for _ in range(3):
        ratelimit.take("t:back", burst=3, interval=0.2)
    assert ratelimit.take("t:back", burst=3, interval=0.2, only_look=True).remaining == 0
    time.sleep(0.25)
    assert ratelimit.take("t:back", burst=3, interval=0.2, only_look=True).remaining == 1
