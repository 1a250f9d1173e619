import pytest

from retrylab import faults


@pytest.mark.parametrize(
    ("name", "kind", "page", "record"),
    [("between_pages:3", "between_pages", 3, 0), ("mid_page:2:17", "mid_page", 2, 17), ("after_load:5", "after_load", 5, 0)],
)
def test_crash_points_round_trip_their_names(name, kind, page, record):
    point = faults.CrashPoint.parse(name)
    assert (point.kind, point.page, point.record) == (kind, page, record)
    assert point.name == name
    assert str(page) in point.describe()


@pytest.mark.parametrize("bad", ["after_page:3", "between_pages:0", "mid_page:1:0", "mid_page:2", "", "between_pages:x"])
def test_unknown_crash_points_say_which_names_exist(bad):
    with pytest.raises(faults.FaultPlanError, match="between_pages:K"):
        faults.CrashPoint.parse(bad)


def test_plan_reads_the_try_suffix():
    plan = faults.plan("between_pages:3", "mid_page:1:2@2", {"point": "after_load:1", "on_try": 3})
    assert [(f.point, f.on_try) for f in plan] == [("between_pages:3", 1), ("mid_page:1:2", 2), ("after_load:1", 3)]


def test_bad_mode_and_try_are_refused():
    with pytest.raises(faults.FaultPlanError, match="mode"):
        faults.Fault("after_load:1", mode="explode")
    with pytest.raises(faults.FaultPlanError, match="on_try"):
        faults.Fault("after_load:1", on_try=0)


def test_kill_mode_refuses_to_kill_a_process_that_is_not_a_worker(monkeypatch):
    monkeypatch.delenv(faults.KILL_ALLOWED_ENV, raising=False)
    with pytest.raises(faults.FaultPlanError, match="kill the notebook kernel"):
        faults.fire(faults.Fault("after_load:1", mode="kill"))


def test_exception_mode_raises_injected_crash_naming_the_point():
    with pytest.raises(faults.InjectedCrash, match="mid_page:2:3 on try 1"):
        faults.fire(faults.Fault("mid_page:2:3"))
