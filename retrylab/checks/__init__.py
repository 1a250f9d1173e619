"""Per-module graders built on the crash-equivalence oracle."""

from retrylab.checks import (
    m00_orientation,
    m01_checkpoints,
    m02_global_variables,
    m03_resumable_jobs,
    m04_asset_watermarks,
    m05_mapped_operations,
)
from retrylab.checks.module import ModuleSpec, Suite
from retrylab.checks.results import CheckResult, Verdict

MODULES: dict[str, ModuleSpec] = {
    spec.id: spec for spec in (m00_orientation.SPEC, m01_checkpoints.SPEC, m02_global_variables.SPEC, m03_resumable_jobs.SPEC, m04_asset_watermarks.SPEC, m05_mapped_operations.SPEC)
}


def module(name: str) -> ModuleSpec:
    """Look a module up by id ("01-checkpoints") or number ("01", "1")."""
    if name in MODULES:
        return MODULES[name]
    for key, spec in MODULES.items():
        if name.isdigit() and key.startswith(f"{int(name):02d}-"):
            return spec
    raise KeyError(f"No module {name!r}. Modules with checks: {', '.join(MODULES)}.")


__all__ = ["MODULES", "CheckResult", "ModuleSpec", "Suite", "Verdict", "module"]
