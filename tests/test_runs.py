"""Runs against real Airflow: what the course claims about 3.3 is asserted here too."""

import pytest

from retrylab import DagFileError
from retrylab.world import WorldConfig

WORLD = WorldConfig(seed=7, records=2400, page_size=400)

TASK = '''
from datetime import datetime, timedelta
from airflow.sdk import DAG, task
from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="{dag_id}", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):
    @task({decorator})
    def work(task_state_store=None):
{body}
    work()
'''


def make(dag_id="probe", decorator="retries=2, retry_delay=timedelta(seconds=0)", body="        return 1"):
    return TASK.format(dag_id=dag_id, decorator=decorator, body=body)


def test_the_antipattern_loads_three_pages_twice_after_a_crash_after_page_3(lab, dag_file, antipattern):
    report = lab.run(dag_file("anti.py", antipattern), world=WORLD, crash="between_pages:3")
    assert report.succeeded and [t.state for t in report.tries] == ["failed", "success"]
    assert report.ledger_summary()["duplicate rows"] == 1200
    assert report.duplicates == report.source_ids[:1200]
    assert report.fetches_by_try()[2][0] == 0, "try 2 must have started from the beginning"
    assert report.crashes[0]["detail"] == "between_pages:3"
    # a notebook saves the plain-text repr beside the Markdown table: one line, not every field
    assert repr(report) == f"<RunReport antipattern_xcom_checkpoint: success in 2 tries, {report.seconds:.1f} s>"
    assert len(report._repr_markdown_()) > 200


def test_the_fix_resumes_where_try_1_stopped(lab, dag_file, checkpoint_fix):
    report = lab.run(dag_file("fix.py", checkpoint_fix), world=WORLD, crash="between_pages:3")
    assert report.succeeded and not report.duplicates and not report.missing
    assert report.fetches_by_try()[2][0] == report.source_ids[1199]
    assert report.task_state() == {"cursor": report.source_ids[-1]}
    assert report.return_value() == {"last_id": report.source_ids[-1]}


def test_xcom_is_cleared_at_each_try_and_task_state_is_not(lab, dag_file):
    body = '''        from airflow.sdk import get_current_context
        from retrylab.world import note
        ti = get_current_context()["ti"]
        note("xcom", ti.xcom_pull(task_ids="work", key="k"))
        note("state", task_state_store.get("k"))
        ti.xcom_push(key="k", value=ti.try_number)
        task_state_store.set("k", ti.try_number)
        for record in fetch_page(after_id=0, limit=10):
            transform_and_upsert(record)'''
    report = lab.run(dag_file("xcom.py", make(body=body)), crash="mid_page:1:5")
    assert report.notes() == [(1, "xcom=None"), (1, "state=None"), (2, "xcom=None"), (2, "state=1")]


def test_each_dag_test_is_a_new_run_with_an_empty_store(lab, dag_file):
    body = '''        seen = task_state_store.get("runs", 0)
        task_state_store.set("runs", seen + 1)
        return seen'''
    path = dag_file("runs.py", make(body=body))
    assert lab.run(path).return_value() == 0
    assert lab.run(path).return_value() == 0


def test_a_failed_try_is_explained_with_the_line_of_the_dag_file(lab, dag_file):
    report = lab.run(dag_file("none.py", make(decorator="retries=0", body='        task_state_store.set("cursor", None)')))
    assert report.state == "failed"
    assert "ValueError: Cannot set value as None" in report.tries[0].error
    assert 'line 9 in work: task_state_store.set("cursor", None)' in report.tries[0].error


def test_an_endless_loop_is_stopped_and_later_tries_fail_at_once(lab, dag_file):
    report = lab.run(dag_file("loop.py", make(body="        while True:\n            pass")), time_limit=1)
    assert report.state == "failed" and len(report.tries) == 3
    assert all("time limit" in t.error for t in report.tries)
    # The limit is CPU seconds, so on a busy machine the first try takes longer on the clock; the later ones
    # do not spend a second each.
    assert all(t.seconds < 2 for t in report.tries[1:]), [t.seconds for t in report.tries]


def test_a_slow_try_that_keeps_working_is_not_stopped_by_a_loaded_machine(lab, dag_file):
    # The time limit is CPU seconds of the try: a try that waits (on a busy machine, on a job) but keeps calling
    # the world runs on. Module 02's seed DAG once ran past a 20-s wall-clock limit in CI beside three other suites.
    body = (
        "        import time\n"
        "        for record in fetch_page(after_id=0)[:15]:\n"
        "            transform_and_upsert(record)\n"
        "            time.sleep(0.1)"
    )
    report = lab.run(dag_file("slow.py", make(decorator="retries=0", body=body)), time_limit=0.5)
    assert report.succeeded, report.tries
    assert report.tries[0].seconds > 1.5


def test_a_try_that_makes_no_progress_is_stopped_and_said_so(lab, dag_file):
    report = lab.run(dag_file("stuck.py", make(body="        import time\n        time.sleep(3600)")))
    assert report.state == "failed" and len(report.tries) == 3
    assert all(t.error.startswith("made no progress for 10 s") for t in report.tries), report.tries
    assert "(it was in work, line 10)" in report.tries[0].error
    assert report.tries[0].seconds < 14 and all(t.seconds < 2 for t in report.tries[1:]), report.tries


def test_a_fetch_loop_that_never_ends_is_named(lab, dag_file):
    body = "        while True:\n            fetch_page(after_id=0)"
    report = lab.run(dag_file("runaway.py", make(decorator="retries=0", body=body)), world=WorldConfig(records=300, page_size=400))
    assert "fetch_page was called 21 times in one try, but the source has only 1 page:" in report.tries[0].error


def test_airflow_logs_go_to_the_sandbox_log_not_the_output(lab, dag_file, capsys):
    lab.run(dag_file("quiet.py", make()))
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert "DAG TEST" in lab.logs()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (make(body="        return (1"), "syntax error"),
        ("raise NotImplementedError()\n", "not done yet"),
        (make(dag_id="other"), "no DAG with dag_id 'probe'"),
        ("import nonexistent_module_xyz\n", "could not import"),
    ],
)
def test_dag_files_that_cannot_run_are_explained(lab, dag_file, source, message):
    with pytest.raises(DagFileError, match=message):
        lab.run(dag_file("bad.py", source), dag_id="probe")


def test_a_missing_file_is_explained(lab):
    with pytest.raises(DagFileError, match="Run the cell that writes it first"):
        lab.run("dags/does_not_exist.py")


def test_airflows_default_retry_delay_is_refused_before_it_hangs(lab, dag_file):
    with pytest.raises(DagFileError, match="retry_delay=0:05:00"):
        lab.run(dag_file("slow.py", make(decorator="retries=1")))


def test_settings_flip_airflow_config_for_a_block(lab, dag_file):
    path = dag_file("clear.py", make(body='        task_state_store.set("k", 1)'))
    assert lab.run(path).task_state() == {"k": 1}
    with lab.settings(state_store__clear_on_success=True):
        assert lab.run(path).task_state() == {}
    assert lab.run(path).task_state() == {"k": 1}


def test_one_interrupt_stops_the_whole_run(lab, dag_file):
    import os
    import signal
    import threading
    import time

    path = dag_file("interrupted.py", make(decorator="retries=5, retry_delay=timedelta(seconds=0)", body="        while True:\n            pass"))
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt, match="was interrupted"):
        lab.run(path)
    assert time.monotonic() - started < 5
