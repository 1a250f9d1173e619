# lint-expect: RS403 RS405
# why: VertexCustomJobOperator.is_job_active only accepts RUNNING_STATES (JOB_STATE_RUNNING, JOB_STATE_UPDATING), so a retry that finds its job still QUEUED or PENDING submits a second one (RS403); poll_until_complete leaves with a bare `return` on success, so the reconnect path yields None instead of the model resource name a clean run returns (RS405). durable is left at its default.
"""Fine-tunes the query-intent classifier on Vertex AI custom training."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

import pendulum
from google.cloud import aiplatform_v1

from airflow.sdk import BaseOperator, Context, ResumableJobMixin, dag

log = logging.getLogger(__name__)

PROJECT = "search-ml-prod"
LOCATION = "us-central1"
RUNNING_STATES = {"JOB_STATE_RUNNING", "JOB_STATE_UPDATING"}
FAILED_STATES = {"JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"}


class VertexCustomJobOperator(ResumableJobMixin, BaseOperator):
    template_fields: Sequence[str] = ("display_name", "args")

    def __init__(self, *, display_name: str, image_uri: str, args: list[str], machine_type: str = "a2-highgpu-1g",
                 accelerator_count: int = 1, poll_interval: int = 60, **kwargs):
        super().__init__(**kwargs)
        self.display_name = display_name
        self.image_uri = image_uri
        self.args = args
        self.machine_type = machine_type
        self.accelerator_count = accelerator_count
        self.poll_interval = poll_interval

    @property
    def _client(self) -> aiplatform_v1.JobServiceClient:
        return aiplatform_v1.JobServiceClient(client_options={"api_endpoint": f"{LOCATION}-aiplatform.googleapis.com"})

    def execute(self, context: Context):
        return self.execute_resumable(context)

    def submit_job(self, context: Context) -> str:
        job = aiplatform_v1.CustomJob(
            display_name=self.display_name,
            job_spec=aiplatform_v1.CustomJobSpec(
                worker_pool_specs=[
                    aiplatform_v1.WorkerPoolSpec(
                        machine_spec=aiplatform_v1.MachineSpec(
                            machine_type=self.machine_type,
                            accelerator_type=aiplatform_v1.AcceleratorType.NVIDIA_TESLA_A100,
                            accelerator_count=self.accelerator_count,
                        ),
                        replica_count=1,
                        container_spec=aiplatform_v1.ContainerSpec(image_uri=self.image_uri, args=self.args),
                    )
                ],
                base_output_directory=aiplatform_v1.GcsDestination(
                    output_uri_prefix=f"gs://search-ml-artifacts/intent/{context['ds_nodash']}/"
                ),
            ),
        )
        created = self._client.create_custom_job(parent=f"projects/{PROJECT}/locations/{LOCATION}", custom_job=job)
        log.info("created Vertex custom job %s", created.name)
        return created.name

    def get_job_status(self, external_id: str, context: Context) -> str:
        return self._client.get_custom_job(name=external_id).state.name

    def is_job_active(self, status: str) -> bool:
        return status in RUNNING_STATES

    def is_job_succeeded(self, status: str) -> bool:
        return status == "JOB_STATE_SUCCEEDED"

    def poll_until_complete(self, external_id: str, context: Context):
        while True:
            status = self.get_job_status(external_id, context)
            if status == "JOB_STATE_SUCCEEDED":
                log.info("%s succeeded", external_id)
                return
            if status in FAILED_STATES:
                raise RuntimeError(f"Vertex job {external_id} ended {status}")
            time.sleep(self.poll_interval)

    def get_job_result(self, external_id: str, context: Context) -> str:
        job = self._client.get_custom_job(name=external_id)
        return f"{job.job_spec.base_output_directory.output_uri_prefix}model/"


@dag(
    schedule="0 2 * * SUN",
    start_date=pendulum.datetime(2025, 1, 5, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=30)},
    tags=["ml", "vertex", "search"],
)
def vertex_intent_classifier():
    VertexCustomJobOperator(
        task_id="finetune_intent_classifier",
        display_name="intent-clf-{{ ds_nodash }}",
        image_uri="us-docker.pkg.dev/search-ml-prod/trainers/intent-clf:2025.05",
        args=["--train-date={{ ds }}", "--epochs=3", "--base-model=distilbert-base-multilingual-cased"],
    )


vertex_intent_classifier()
