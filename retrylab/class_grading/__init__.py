"""Grading a whole class as an Airflow DAG: every submission (student x module) a mapped task, in parallel.

Why Airflow: nbgrader's ``autograde`` grades one submission after another. Here each submission is
autograded by nbgrader itself in a course folder of its own (``submission.py``), its result copied into
the class's gradebook, which stays the system of record for formgrader, feedback and export. The DAG
(``dag.py``) keeps each submission's progress in ``task_state_store``, so a grader killed halfway resumes
without grading again what it finished. ``python -m retrylab.class_grading`` (``make grade-class``) starts
the deployment, follows the run with a progress line, and stops everything it started.
"""

from retrylab.stack import WORKER_NAME_ENV as WORKER_ENV  # noqa: F401 - which worker ran a grading (ledger)

DAG_ID = "grade_class"
CRASH_ENV = "RETRYLAB_GRADING_CRASH"  # "after_autograde:<student>/<module>": that grading's first try dies there
LEDGER = "ledger.jsonl"  # one line per autograde started and per submission recorded, in the work folder
