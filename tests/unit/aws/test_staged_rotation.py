"""How often a secret rotates, read from its rotation rules (the Data Zoo renewal uses it)."""

import pytest

from idv.aws.staged_rotation import schedule_interval


@pytest.mark.parametrize(
    ("rules", "seconds"),
    [
        ({"ScheduleExpression": "rate(4 hours)"}, 4 * 3600),
        ({"ScheduleExpression": "rate(1 hour)"}, 3600),
        ({"ScheduleExpression": "rate(2 days)"}, 2 * 86_400),
        ({"ScheduleExpression": "rate(240 minutes)"}, 4 * 3600),
        ({"ScheduleExpression": "cron(0 */4 * * ? *)"}, None),
        ({"ScheduleExpression": "rate(0 hours)"}, None),
        ({"AutomaticallyAfterDays": 7}, 7 * 86_400),
        ({"AutomaticallyAfterDays": 0}, None),
        ({}, None),
    ],
)
def test_schedule_interval(rules, seconds):
    assert schedule_interval(rules) == seconds


def test_the_expression_wins_over_days():
    rules = {"ScheduleExpression": "rate(4 hours)", "AutomaticallyAfterDays": 7}
    assert schedule_interval(rules) == 4 * 3600
