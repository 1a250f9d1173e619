"""The version gate: is the Airflow in this environment one the course runs on?

Why: below 3.3 none of the state-store APIs exist, and the failure a learner
would otherwise see (an ImportError deep inside a DAG run) says nothing about
the cause. This module reads package metadata only, so it answers in
milliseconds without importing Airflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from retrylab.errors import LabError

REQUIRED = (3, 3)
TESTED = "3.3.2"
FIX = (
    "Install the course's pinned environment: run `make lab` from the course folder "
    "(or `pip install -r requirements.lock`), then restart the kernel."
)


def installed_airflow() -> str | None:
    try:
        return metadata.version("apache-airflow")
    except metadata.PackageNotFoundError:
        return None


def _release(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if not piece.isdigit():
            break
    return tuple(parts)


@dataclass(frozen=True)
class Gate:
    """The verdict: ``ok`` or a message saying what is missing and how to fix it."""

    ok: bool
    version: str | None
    message: str

    def raise_if_closed(self) -> None:
        if not self.ok:
            raise AirflowVersionError(self.message)


class AirflowVersionError(LabError):
    """Airflow is missing or too old for the course."""


def check(version: str | None = None, *, installed: bool = True) -> Gate:
    """Judge ``version`` (default: the installed one)."""
    if version is None and installed:
        version = installed_airflow()
    if version is None:
        return Gate(False, None, f"Apache Airflow is not installed in this environment. {FIX}")
    if _release(version)[:2] < REQUIRED:
        return Gate(
            False,
            version,
            f"This course needs Apache Airflow 3.3 or newer; this environment has {version}. "
            "task_state_store, asset_state_store and ResumableJobMixin (AIP-103) first "
            f"shipped in 3.3.0, so nothing in the course can run here. {FIX}",
        )
    note = "" if version == TESTED else f" (the course is tested on {TESTED})"
    return Gate(True, version, f"Apache Airflow {version}: OK{note}.")
