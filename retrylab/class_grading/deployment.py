"""Where the grading runs: the course's deployment with grading slots, on LocalExecutor or on Celery.

LocalExecutor: the scheduler's own worker processes, ``workers`` at once, one machine. Celery: the same DAG,
the scheduler hands each grading to a queue in Redis and ``airflow celery worker`` processes take them; here
the workers run on this machine (each with ``concurrency`` slots), started and stopped with the grading, which
is how the path is tested. Across machines, each machine runs ``airflow celery worker`` against the same broker,
metadata database and course folder (a shared file system).
"""

from __future__ import annotations

from retrylab import sandbox
from retrylab.class_grading import WORKER_ENV
from retrylab.class_grading.broker import Redis
from retrylab.stack import CELERY_WORKERS_ENV, Deployment


class GradingDeployment(Deployment):
    """A deployment whose executor runs ``workers`` gradings at once and notices a dead grader quickly."""

    log_name = "class-grading.log"

    def __init__(self, box: sandbox.Sandbox, workers: int, env: dict[str, str] | None = None) -> None:
        super().__init__(box)
        self.workers = workers
        self.extra_env = env or {}

    def env(self) -> dict[str, str]:
        return super().env() | {
            "AIRFLOW__CORE__PARALLELISM": str(self.workers),
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(self.workers),
            # A grader killed with its scheduler leaves its task instances "running": the next scheduler resets
            # them once the old one has missed its heartbeat for 10 s, and looks for such orphans every 5 s.
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "10",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
            # The one DAG file is parsed at start and never changes: no re-parsing every 2 s as in the lessons'
            # deployment (measured idle: the DAG processor took 8% of a core, CPU the gradings need).
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "300",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "300",
            WORKER_ENV: "local",
        } | self.extra_env


class CeleryGradingDeployment(GradingDeployment):
    """The same deployment on CeleryExecutor: a Redis broker (started first, stopped last) and
    ``celery_workers`` Celery workers sharing the ``workers`` slots (at least one each)."""

    def __init__(self, box: sandbox.Sandbox, workers: int, celery_workers: int = 2, env: dict[str, str] | None = None) -> None:
        super().__init__(box, workers, env)
        self.celery_workers = celery_workers
        self.redis: Redis | None = None

    def env(self) -> dict[str, str]:
        if self.redis is None:  # the broker starts first (a restart of the stack closes it with the rest)
            self.redis = Redis.start(self.box.root / "redis")
        return super().env() | {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url(0),
            "AIRFLOW__CELERY__RESULT_BACKEND": self.redis.url(1),
            # A grading runs for minutes: the broker must not hand it to a second worker meanwhile.
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "7200",
            CELERY_WORKERS_ENV: f"{self.celery_workers}x{max(1, self.workers // self.celery_workers)}",
        }

    def close(self) -> None:
        super().close()
        if self.redis is not None:
            self.redis.stop()
            self.redis = None
