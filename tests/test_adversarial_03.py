"""Module 03's grader against the adversarial corpus (tests/adversarial/03-resumable-jobs): each case gets its verdict."""

import pytest

from tests.adversarial_corpus import cases, judge

MODULE = "03-resumable-jobs"


@pytest.mark.parametrize("case", cases(MODULE), ids=lambda c: c.id)
def test_the_grader_gives_each_submission_its_verdict(grade, case):
    judge(grade, MODULE, case)
