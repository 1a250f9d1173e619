"""An Airflow executor that runs every try in a fresh process, through Airflow's own task supervisor.

Why: on a real worker a retry is a new process, so nothing a try kept in a
module-level variable survives it. ``dag.test()`` runs every try inside the
calling process, where such a variable does survive, and a grader built on
it would pass the very mistake the course exists to prevent. This executor
hands each try to ``supervise_task`` (what LocalExecutor's workers call): it
forks a task process that parses the DAG file afresh, runs the task and
reports to the execution API. Here that API is Airflow's in-process one, so
no API server has to start and a try costs a fork, not a worker start-up.

Used as ``[core] executor = retrylab.tries.executor.ProcessPerTryExecutor``
with ``dag.test(use_executor=True)``, in the try runner's process only.
"""

from __future__ import annotations

from typing import Any

from airflow.executors.base_executor import BaseExecutor


class ProcessPerTryExecutor(BaseExecutor):
    """Run queued tries one after the other, each in its own forked task process."""

    is_local = True
    serve_logs = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client = None

    def _api_client(self):
        if self._client is None:
            from airflow.sdk.execution_time.supervisor import InProcessTestSupervisor

            # Any DAG stands for "serve DAG properties from the DB" (what dag.test() does).
            self._client = InProcessTestSupervisor._api_client(dag=object())
        return self._client

    def _process_workloads(self, workloads: list[Any]) -> None:
        from airflow.sdk.execution_time.supervisor import supervise_task

        for workload in workloads:
            self.queued_tasks.pop(workload.key, None)
            try:
                supervise_task(
                    ti=workload.ti,
                    bundle_info=workload.bundle_info,
                    dag_rel_path=workload.dag_rel_path,
                    token=workload.token,
                    client=self._api_client(),
                )
                self.change_state(workload.key, workload.success_state, None)
            except Exception as exc:  # noqa: BLE001 - the supervisor failed, not the task: report it as Airflow would
                self.log.exception("Supervising %s failed", workload.key)
                self.change_state(workload.key, workload.failure_state, exc)

    def sync(self) -> None:
        """Nothing to collect: every try has finished when ``_process_workloads`` returns."""

    def end(self) -> None:
        """No worker processes to wait for."""

    def terminate(self) -> None:
        """No worker processes to stop."""
