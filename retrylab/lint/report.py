"""The lint's findings for people (text), programs (JSON) and code-scanning tools (SARIF 2.1.0)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from retrylab import __version__
from retrylab.lint import Finding
from retrylab.lint.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def text(findings: Sequence[Finding], files: int) -> str:
    lines = []
    for f in findings:
        rule = f.about
        lines.append(f"{f.path}:{f.line}:{f.column + 1}: {f.rule} [{rule.severity}] {rule.name}: {rule.message}")
        lines.append(f"    fix: {rule.help}")
    counts = Counter(f.about.severity for f in findings)
    summary = ", ".join(f"{n} {s}{'s' if n > 1 else ''}" for s, n in sorted(counts.items())) or "no findings"
    lines.append(f"{files} file{'s' if files != 1 else ''} checked: {summary}.")
    if findings:
        lines.append("Silence a finding that is fine in context with `# retrylab: ignore[RULE] <why>` on its line.")
    return "\n".join(lines)


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=1)


def sarif(findings: Sequence[Finding]) -> str:
    used = sorted({f.rule for f in findings} | set(RULES))
    rules = [
        {
            "id": rid,
            "name": RULES[rid].name,
            "shortDescription": {"text": RULES[rid].message},
            "help": {"text": RULES[rid].help},
            "defaultConfiguration": {"level": RULES[rid].severity},
            "properties": {"module": RULES[rid].module},
        }
        for rid in used
    ]
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": used.index(f.rule),
            "level": f.about.severity,
            "message": {"text": f"{f.about.message}. Fix: {f.about.fix}."},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": Path(f.path).as_posix()},
                    "region": {"startLine": f.line, "startColumn": f.column + 1},
                }
            }],
        }
        for f in findings
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "retrylab lint", "version": __version__, "rules": rules,
                                "informationUri": "https://airflow.apache.org/docs/apache-airflow/stable/"}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=1)


def rule_table() -> str:
    width = max(len(r.name) for r in RULES.values())
    return "\n".join(f"{r.id}  {r.severity:<7}  {r.name:<{width}}  {r.module}" for r in RULES.values())
