"""Per-module graders built on the crash-equivalence oracle, registered from ``course.toml``."""

from importlib import import_module

from retrylab.checks.module import ModuleSpec, Suite
from retrylab.checks.results import CheckResult, Verdict
from retrylab.manifest import modules


def _registry() -> dict[str, ModuleSpec]:
    specs = {}
    for declared in modules():
        spec: ModuleSpec = import_module(f"retrylab.checks.{declared.grader}").SPEC
        if spec.id != declared.id:
            raise RuntimeError(f"course.toml declares {declared.id} with grader {declared.grader}, whose SPEC is {spec.id}")
        specs[spec.id] = spec
        for part in getattr(import_module(f"retrylab.checks.{declared.grader}"), "PARTS", ()):
            specs[part.id] = part  # graded on their own: module 06's DAGs, one spec each
    return specs


MODULES: dict[str, ModuleSpec] = _registry()


def module(name: str) -> ModuleSpec:
    """Look a module up by id ("01-checkpoints", "06-capstone/ingest") or number ("01", "1")."""
    if name in MODULES:
        return MODULES[name]
    for key, spec in MODULES.items():
        if name.isdigit() and key.startswith(f"{int(name):02d}-"):
            return spec
    raise KeyError(f"No module {name!r}. Modules with checks: {', '.join(MODULES)}.")


__all__ = ["MODULES", "CheckResult", "ModuleSpec", "Suite", "Verdict", "module"]
