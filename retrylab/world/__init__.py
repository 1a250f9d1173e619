"""The simulated company the course's DAGs talk to (source API, warehouse, batch jobs, ledger)."""

from retrylab.world.batch import BatchClient, JobNotFinished, JobNotFound
from retrylab.world.calls import RunawayLoop, fetch_page, note, transform_and_load, transform_and_upsert
from retrylab.world.state import World, WorldConfig, WorldError

__all__ = [
    "BatchClient",
    "JobNotFinished",
    "JobNotFound",
    "RunawayLoop",
    "World",
    "WorldConfig",
    "WorldError",
    "fetch_page",
    "note",
    "transform_and_load",
    "transform_and_upsert",
]
