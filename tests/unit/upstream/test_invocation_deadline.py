"""deadlines: the invocation's end, less a reserve to answer, capped by API Gateway's limit."""

from __future__ import annotations

import pytest

from idv.upstream import deadline


class Context:
    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


@pytest.fixture(autouse=True)
def _cleared():
    yield
    deadline.clear()


def test_without_a_context_there_is_no_deadline():
    deadline.start(None)
    assert deadline.remaining() is None


@pytest.mark.parametrize(
    ("millis", "limit", "left"),
    [
        (29_000, None, 28.0),  # one second kept back to answer
        (10_000, None, 9.0),
        (2_000, None, 1.8),  # a tenth, for short invocations
        (60_000, 29.0, 28.0),  # API Gateway gives up at 29 s whatever the function's timeout
        (0, None, 0.0),
    ],
)
def test_the_deadline_keeps_a_reserve_to_answer(millis, limit, left):
    deadline.start(Context(millis), limit=limit)
    remaining = deadline.remaining()
    assert remaining is not None
    assert left - 0.05 < remaining <= left


def test_clear_removes_the_deadline():
    deadline.start(Context(5_000))
    deadline.clear()
    assert deadline.remaining() is None
