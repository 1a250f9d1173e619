"""Module 05's grader against the adversarial corpus (tests/adversarial/05-mapped-and-operations): each case gets its verdict."""

import pytest

from tests.adversarial_corpus import cases, judge

MODULE = "05-mapped-and-operations"


@pytest.mark.parametrize("case", cases(MODULE), ids=lambda c: c.id)
def test_the_grader_gives_each_submission_its_verdict(grade, case):
    judge(grade, MODULE, case)
