"""The tries of a run as a picture, with the same facts as a text table.

Why both: the picture shows at a glance that try 2 went over ground try 1 had
already covered; the table (and the image's alt text) carry the same facts for
screen readers, terminals and graders.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrylab.report import RunReport

STATE_COLOURS = {
    "success": "#2e7d32",
    "failed": "#c62828",
    "up_for_retry": "#ef6c00",
    "running": "#1565c0",
}


def _ranges(positions: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] -> [(1, 3), (7, 8)]."""
    out: list[tuple[int, int]] = []
    for p in sorted(set(positions)):
        if out and p == out[-1][1] + 1:
            out[-1] = (out[-1][0], p)
        else:
            out.append((p, p))
    return out


def describe_ids(ids: list[int], source_ids: list[int] | None = None, limit: int = 3) -> str:
    """Record ids as short ranges: ``6696-7095, 7501-7530 (430 records)``.

    With ``source_ids`` a range runs over neighbours in the source, so gaps in
    the id sequence do not split it.
    """
    if not ids:
        return "none"
    if source_ids:
        index = {rid: i for i, rid in enumerate(source_ids)}
        spans = [(source_ids[a], source_ids[b]) for a, b in _ranges([index[r] for r in ids if r in index])]
    else:
        spans = _ranges(ids)
    shown = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans[:limit])
    more = f", and {len(spans) - limit} more ranges" if len(spans) > limit else ""
    count = len(set(ids))
    return f"{shown}{more} ({count} record{'s' if count != 1 else ''})"


def _task(t) -> str:
    return t.task_id if t.map_index < 0 else f"{t.task_id}[{t.map_index}]"


def _rows(report: RunReport) -> list[dict]:
    t0 = min((t.started for t in report.tries if t.started), default=0.0)
    pages = any(e["event"] in ("fetch", "append", "upsert") for e in report.events)
    jobs = bool(report.submits_by_try())
    rows = []
    for t in report.tries:
        task = _task(t)
        row = {
            "task": task,
            "try": t.try_number,
            "state": t.state,
            "start s": round(t.started - t0, 2) if t.started else 0.0,
            "seconds": round(t.seconds, 2),
        }
        if pages or not jobs:
            first_fetch = report.fetches_by_try(task).get(t.try_number, [None])[0]
            row["first fetch after id"] = "-" if first_fetch is None else first_fetch
            row["rows written"] = len(report.loads_by_try(task).get(t.try_number, []))
        if jobs:
            row["jobs submitted"] = ", ".join(report.submits_by_try(task).get(t.try_number, [])) or "-"
        row["note"] = _note(t, report.crash_by_try(task))
        rows.append(row)
    return rows


def _note(t, crashes: dict[int, str]) -> str:
    if t.try_number not in crashes or t.state == "success":
        return t.error
    how = "worker killed" if t.error.startswith("the worker was killed") else "crash"
    return f"{how} at {crashes[t.try_number]}"


def text_table(rows: list[dict], empty: str = "try") -> list[str]:
    """Rows of dicts (same keys) as aligned plain-text lines, headers first."""
    headers = list(rows[0]) if rows else [empty]
    cells = [[str(r[h]) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    return lines + ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]


def markdown_table(rows: list[dict], empty: str = "try") -> list[str]:
    """The same rows as a Markdown table."""
    headers = list(rows[0]) if rows else [empty]
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return out + ["| " + " | ".join(str(r[h]) for h in headers) + " |" for r in rows]


def table(report: RunReport) -> str:
    """Plain-text table of the tries plus the ledger summary."""
    summary = ", ".join(f"{k}: {v}" for k, v in report.ledger_summary().items())
    return "\n".join([*text_table(_rows(report)), "", f"run {report.state}. Ledger: {summary}"])


def markdown(report: RunReport) -> str:
    out = [
        f"**{report.dag_id}**: run {report.state} after {len(report.tries)} "
        + ("try" if len(report.tries) == 1 else "tries"),
        "",
        *markdown_table(_rows(report)),
    ]
    out += ["", "Ledger: " + ", ".join(f"{k}: **{v}**" for k, v in report.ledger_summary().items())]
    if report.duplicates:
        out.append(f"\nLoaded more than once: {describe_ids(report.duplicates, report.source_ids)}")
    return "\n".join(out)


def alt_text(report: RunReport) -> str:
    """One paragraph that says what the picture shows (the table's facts, in words)."""
    parts = []
    for t, row in zip(report.tries, _rows(report)):
        text = f"{_label(report, t)} {t.state} after {t.seconds:.1f} s"
        if row["note"] and t.state != "success":
            text += f" ({row['note']})"
        if "rows written" in row:
            text += f", wrote {row['rows written']} rows"
        if row.get("jobs submitted", "-") != "-":
            text += f", submitted {row['jobs submitted']}"
        parts.append(text)
    dup = report.duplicates
    tail = f"; records loaded more than once: {describe_ids(dup, report.source_ids)}" if dup else "; no record loaded twice"
    if report.jobs:
        tail += f"; {len(report.jobs)} batch job{'s' if len(report.jobs) != 1 else ''} billed"
    return f"Timeline of {report.dag_id}: " + "; ".join(parts) + tail + "."


def _label(report: RunReport, t) -> str:
    """``try 2``, or ``ingest_records try 2`` when the run has more than one task."""
    several = len({_task(x) for x in report.tries}) > 1
    return f"{_task(t)} try {t.try_number}" if several else f"try {t.try_number}"


def figure(report: RunReport):
    """Two panels: the tries over time, and which source records each try wrote."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    tries = report.tries
    fig, (ax_time, ax_rec) = plt.subplots(
        1, 2, figsize=(10, 1.2 + 0.45 * max(1, len(tries))), gridspec_kw={"width_ratios": [1, 1.4]}
    )
    t0 = min((t.started for t in tries if t.started), default=0.0)
    labels = [_label(report, t) for t in tries]
    for y, t in enumerate(tries):
        colour = STATE_COLOURS.get(t.state, "#757575")
        ax_time.barh(y, max(t.seconds, 0.01), left=t.started - t0, color=colour, height=0.5)
        crashes = report.crash_by_try(_task(t))
        note = _note(t, crashes) if t.try_number in crashes else t.state
        ax_time.text(t.ended - t0, y, f" {note}", va="center", fontsize=8)
    ax_time.set_yticks(range(len(tries)), labels)
    ax_time.invert_yaxis()
    ax_time.set_xlabel("seconds since the run started")
    ax_time.set_title("Tries over time", fontsize=10)
    ax_time.margins(x=0.6)

    if report.jobs and not report.loads_by_try():
        _jobs_panel(ax_rec, report, labels)
        fig.tight_layout()
        return fig
    position = {rid: i + 1 for i, rid in enumerate(report.source_ids)}
    for y, t in enumerate(tries):
        loaded = report.loads_by_try(_task(t)).get(t.try_number, [])
        spans = _ranges([position[r] for r in loaded if r in position])
        for a, b in spans:
            ax_rec.plot([a, b], [y, y], lw=8, solid_capstyle="butt", color=STATE_COLOURS.get(t.state, "#757575"))
    dup_spans = _ranges([position[r] for r in report.duplicates if r in position])
    y_dup = len(tries)
    for a, b in dup_spans:
        ax_rec.plot([a, b], [y_dup, y_dup], lw=8, solid_capstyle="butt", color="#6a1b9a")
    ax_rec.set_yticks(range(len(tries) + 1), [*labels, "loaded 2+ times"])
    ax_rec.invert_yaxis()
    ax_rec.set_xlim(0, max(1, len(report.source_ids)) + 1)
    ax_rec.set_xlabel("source record (position in the source)")
    ax_rec.set_title("Records written by each try", fontsize=10)
    fig.tight_layout()
    return fig


def _jobs_panel(ax, report: RunReport, labels: list[str]) -> None:
    """Which batch jobs each try submitted (each bar is a billed job)."""
    jobs = report.submits_by_try()
    for y, t in enumerate(report.tries):
        for x, job in enumerate(report.submits_by_try(_task(t)).get(t.try_number, [])):
            ax.barh(y, 1, left=x, color="#6a1b9a", height=0.5)
            ax.text(x + 0.5, y, job, ha="center", va="center", color="white", fontsize=8)
    ax.set_yticks(range(len(report.tries)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(2, max((len(v) for v in jobs.values()), default=1)))
    ax.set_xticks([])
    ax.set_title(f"Batch jobs submitted (billed: {len(report.jobs)})", fontsize=10)


def png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def show(report: RunReport) -> None:
    """In a notebook: the picture with alt text, then the table. Elsewhere: the table."""
    display_figure(lambda: figure(report), alt_text(report), table(report), markdown(report))


def display_figure(make_figure, alt: str, text: str, md: str) -> None:
    """A picture with alt text and the same facts as a table; the table alone outside a notebook."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, Markdown, display
    except ImportError:
        get_ipython = None  # noqa: N806
    if get_ipython is None or get_ipython() is None:
        print(text)
        return
    data = base64.b64encode(png(make_figure())).decode()
    alt = alt.replace('"', "&quot;")
    display(HTML(f'<img src="data:image/png;base64,{data}" alt="{alt}" title="{alt}"/>'))
    display(Markdown(md))
