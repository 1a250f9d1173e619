"""A daily pipeline over several days: the producer's run, then the consumer's, day after day.

Why a series and not one run: a watermark only matters on the *next* run. A
crash between the load and the watermark, a wall clock that runs ahead of late
data, or two writers of one key, all show up days later, downstream. So module
04 runs a producer DAG and a consumer DAG once per day on the company's clock,
keeping the warehouse, the ledger, Airflow's Variables and asset state from
day to day, and reports what the downstream processed, per order.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrylab import faults
from retrylab.timeline import describe_ids
from retrylab.world import batch
from retrylab.world.state import WorldConfig, landed_by

if TYPE_CHECKING:
    from retrylab.report import RunReport
    from retrylab.runs import Lab

ASSET = "orders/daily"


def schedule(first: str, days: int = 4, rerun_on: int | None = 2) -> tuple[str, ...]:
    """One run a day from ``first``; with ``rerun_on``, that day's run is triggered again a minute later
    (someone re-ran the DAG by hand: a run that finds almost nothing new)."""
    start = datetime.fromisoformat(first)
    clocks = []
    for day in range(days):
        clocks.append(start + timedelta(days=day))
        if rerun_on == day + 1:
            clocks.append(clocks[-1] + timedelta(minutes=1))
    return tuple(c.isoformat() for c in clocks)


# Just after midnight on 2-5 March 2025 (when an @daily schedule runs), plus a re-run on 3 March.
MIDNIGHTS = schedule("2025-03-02T00:05:00")
# The grader's job clock: a job ages only while a try watches it, so what a retry finds (a job still RUNNING) is the
# same on a busy machine as on a quiet one (on the wall clock a short job could finish before a loaded try polled).
# It runs longer than one tick (POLL_TICK), so the first check after the submit always finds it RUNNING.
LANDING = WorldConfig(source="landing", clock=MIDNIGHTS[0], job_pending_s=0.0, job_running_s=0.15, job_clock="grader")


@dataclass
class Day:
    """One day of the series: the producer's run, the consumer's run, what state they left."""

    clock: str
    producer: RunReport
    consumer: RunReport | None
    variables: dict[str, str]
    asset_state: dict[str, Any]

    @property
    def label(self) -> str:
        return datetime.fromisoformat(self.clock).strftime("%d %b %H:%M")


@dataclass(repr=False)
class DailyReport:
    """Every day's runs plus, per order, what the warehouse holds and what the downstream did (repr: one line)."""

    days: list[Day]
    landed: list[dict]  # every order landed by the last day's clock, in event order
    warehouse: Counter
    processed: Counter
    jobs: list[batch.Job] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<DailyReport {len(self.days)} days, {len(self.runs)} runs: {self.state}, {len(self.landed)} orders landed>"

    # -- questions a lesson or a check asks --------------------------------
    @property
    def runs(self) -> list[RunReport]:
        return [r for d in self.days for r in (d.producer, d.consumer) if r is not None]

    @property
    def succeeded(self) -> bool:
        return all(r.succeeded for r in self.runs)

    @property
    def broken(self) -> str:
        """Why a run of the series could not finish at all (its process died or hung), if one could not."""
        return next((r.broken for r in self.runs if r.broken), "")

    @property
    def state(self) -> str:
        return "success" if self.succeeded else next(r.state for r in self.runs if not r.succeeded)

    @property
    def tries(self) -> list:
        return [t for r in self.runs for t in r.tries]

    @property
    def landed_ids(self) -> list[int]:
        return [r["id"] for r in self.landed]

    @property
    def skipped(self) -> list[int]:
        """Orders that landed but the downstream never processed."""
        return [i for i in self.landed_ids if not self.processed.get(i)]

    @property
    def processed_twice(self) -> list[int]:
        return sorted(i for i, n in self.processed.items() if n > 1)

    @property
    def duplicate_rows(self) -> int:
        return sum(n - 1 for n in self.warehouse.values() if n > 1)

    @property
    def billed_cents(self) -> int:
        return sum(r.billed_cents for r in self.runs)

    def needless_submissions(self) -> list[tuple[Day, batch.Job, batch.Job, str]]:
        return [(d, *n) for d in self.days for n in d.producer.needless_submissions()]

    def order(self, record_id: int) -> dict:
        return next(r for r in self.landed if r["id"] == record_id)

    def late_example(self, ids: Sequence[int]) -> str:
        """``50140 (happened 23:44, landed 00:31)``: why an order was missed, in its own times."""
        if not ids:
            return ""
        r = self.order(ids[0])
        when = lambda s: datetime.fromisoformat(s).strftime("%d %b %H:%M")  # noqa: E731
        return f"{r['id']} happened {when(r['event_time'])} and landed {when(r['landed_at'])}"

    def summary(self) -> dict[str, int | str]:
        return {
            "orders landed": len(self.landed),
            "rows in warehouse": sum(self.warehouse.values()),
            "duplicate rows": self.duplicate_rows,
            "orders processed downstream": sum(self.processed.values()),
            "processed more than once": len(self.processed_twice),
            "never processed (skipped)": len(self.skipped),
            "batch jobs billed": len(self.jobs),
            "cost": f"${self.billed_cents / 100:,.2f}",
        }

    # -- display ------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        out = []
        for d in self.days:
            p = d.producer
            fetched = sum(int(e["detail"].split("|")[1]) for e in p.events if e["event"] == "fetch")
            watermark = d.asset_state.get("watermark") or d.variables.get("orders_watermark") or "-"
            processed = sum(1 for e in (d.consumer.events if d.consumer else []) if e["event"] == "process")
            crashes = ", ".join(f"try {t}: {point}" for t, point in p.crash_by_try().items())
            out.append(
                {
                    "day": d.label,
                    "producer": f"{p.state} in {len(p.tries)} tr{'y' if len(p.tries) == 1 else 'ies'}",
                    "fetched": fetched,
                    "rows written": sum(len(v) for v in p.loads_by_try().values()),
                    "jobs": len(p.jobs),
                    "watermark after": str(watermark).replace("T", " "),
                    "processed downstream": processed if d.consumer else "-",
                    "crashes": crashes or "-",
                }
            )
        return out

    def table(self) -> str:
        from retrylab.timeline import text_table

        totals = ", ".join(f"{k}: {v}" for k, v in self.summary().items())
        return "\n".join(text_table(self.rows(), empty="day")) + "\n\n" + totals

    def _repr_markdown_(self) -> str:
        from retrylab.timeline import markdown_table

        totals = ", ".join(f"**{k}**: {v}" for k, v in self.summary().items())
        return "\n".join(markdown_table(self.rows(), empty="day")) + "\n\n" + totals

    def alt_text(self) -> str:
        late = [r for r in self.landed if r["id"] in set(self.skipped)]
        return (
            f"Each of the {len(self.landed)} orders that landed is a dot: across, when it happened; up, how many "
            f"minutes later it landed. {len(self.processed) - len(self.processed_twice)} were processed once (green), "
            f"{len(self.processed_twice)} more than once (orange), {len(late)} never (red). Vertical lines mark each "
            "day's run (grey, dashed) and the watermark it left (blue)."
        )

    def figure(self):
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(9, 3.2))
        groups = {"processed once": [], "processed more than once": [], "never processed": []}
        for r in self.landed:
            n = self.processed.get(r["id"], 0)
            key = "never processed" if n == 0 else "processed once" if n == 1 else "processed more than once"
            event, landed = datetime.fromisoformat(r["event_time"]), datetime.fromisoformat(r["landed_at"])
            groups[key].append((event, (landed - event).total_seconds() / 60))
        style = {"processed once": ("#2e7d32", "."), "processed more than once": ("#ef6c00", "o"), "never processed": ("#c62828", "x")}
        for key, points in groups.items():
            if points:
                colour, marker = style[key]
                ax.scatter([p[0] for p in points], [p[1] for p in points], s=14 if marker == "." else 26, c=colour, marker=marker, label=f"{key} ({len(points)})")
        for d in self.days:
            ax.axvline(datetime.fromisoformat(d.clock), color="#9e9e9e", linestyle="--", linewidth=0.8)
            mark = d.asset_state.get("watermark") or d.variables.get("orders_watermark")
            if isinstance(mark, str):
                ax.axvline(datetime.fromisoformat(mark), color="#1565c0", linewidth=0.8)
        ax.set_yscale("symlog", linthresh=60)
        ax.set_ylabel("minutes until it landed")
        ax.set_xlabel("when the order happened (dashed: a day's run, blue: the watermark it left)")
        ax.legend(loc="upper left", fontsize=8)
        fig.autofmt_xdate()
        fig.tight_layout()
        return fig

    def show(self) -> None:
        """In a notebook: the picture with alt text, then the table. Elsewhere: the table."""
        from retrylab import timeline

        timeline.display_figure(self.figure, self.alt_text(), self.table(), self._repr_markdown_())


def run_days(
    lab: Lab,
    dag_file: str | Path,
    producer: str,
    consumer: str | None = None,
    *,
    clocks: Sequence[str] = MIDNIGHTS,
    crashes: dict[int, str | Sequence[str]] | None = None,
    world: WorldConfig = LANDING,
    fresh_deployment: bool = True,
    progress: bool = False,
) -> DailyReport:
    """Run ``producer`` then ``consumer`` once per clock (day 1 is ``clocks[0]``).

    ``crashes`` maps a day (from 1) to crash points for that day's producer run
    (``{2: "after_commit"}``). ``fresh_deployment`` starts without Variables or
    asset state, like a new Airflow; the warehouse starts empty either way.
    """
    crashes = dict(crashes or {})
    unknown = set(crashes) - set(range(1, len(clocks) + 1))
    if unknown:
        raise faults.FaultPlanError(f"crashes name day {sorted(unknown)}, but the series has days 1-{len(clocks)}.")
    if fresh_deployment:
        lab.clear_variables()
        lab.clear_asset_state()
    days: list[Day] = []
    out = sys.stdout
    if progress:
        out.write(f"Running {len(clocks)} days ")
        out.flush()
    for number, clock in enumerate(clocks, start=1):
        config = replace(world, clock=clock, faults=())
        spec = crashes.get(number)
        made = lab.run(dag_file, dag_id=producer, world=config, crash=spec, fresh=number == 1)
        ran = lab.run(dag_file, dag_id=consumer, world=config, fresh=False) if consumer else None
        days.append(Day(config.clock, made, ran, lab.variables(), lab.asset_state(ASSET)))
        if progress:
            out.write(".")
            out.flush()
    if progress:
        out.write(" done\n")
    events = lab.world.ledger()
    return DailyReport(
        days=days,
        landed=landed_by(days[-1].clock) if days else [],
        warehouse=lab.world.loaded_ids(),
        processed=Counter(e["record_id"] for e in events if e["event"] == "process"),
        jobs=[j for d in days for j in d.producer.jobs],
    )


def describe(report: DailyReport, ids: Sequence[int]) -> str:
    return describe_ids(list(ids), report.landed_ids)
