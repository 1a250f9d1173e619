"""Module 02's grader against the adversarial corpus (tests/adversarial/02-global-variables): each case gets its verdict."""

import pytest

from tests.adversarial_corpus import cases, judge

MODULE = "02-global-variables"


@pytest.mark.parametrize("case", cases(MODULE), ids=lambda c: c.id)
def test_the_grader_gives_each_submission_its_verdict(grade, case):
    judge(grade, MODULE, case)
