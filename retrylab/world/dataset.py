"""The seeded order events behind the simulated sources (``data/*.csv``).

Why committed files and generators: a file is what a source serves, so a
learner can open it; its generator proves it is reproducible (a test
regenerates it and compares).

``orders.csv`` feeds the paginated source (modules 00-03). ``orders_landing.csv``
feeds the landing table of module 04: each order also has ``landed_at``, when
it became visible to readers. Most orders land minutes after they happened;
during an upstream outage they land hours late, and since the landing queue
is first in, first out, everything behind them waits too. So the landing
order is the event order, but the wall clock runs ahead of the data.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DATA_FILE = DATA_DIR / "orders.csv"
LANDING_FILE = DATA_DIR / "orders_landing.csv"
LANDING_FIELDS = (*("id", "customer", "amount_cents", "event_time"), "landed_at")
LANDING_SEED = 22
LANDING_START = datetime(2025, 3, 1)
LANDING_DAYS = 5
FIELDS = ("id", "customer", "amount_cents", "event_time")
SEED = 2025
COUNT = 12_000


def generate(seed: int = SEED, count: int = COUNT) -> str:
    """CSV text of ``count`` orders with increasing ids (a few gaps, as in a real table)."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    record_id = 1000
    clock = datetime(2025, 1, 1)
    for _ in range(count):
        record_id += 1 if rng.random() > 0.03 else rng.randint(2, 5)
        clock += timedelta(seconds=rng.randint(1, 90))
        writer.writerow(
            (record_id, f"C{rng.randint(1, 400):04d}", rng.randint(199, 49_999), clock.isoformat())
        )
    return out.getvalue()


def generate_landing(seed: int = LANDING_SEED, days: int = LANDING_DAYS) -> str:
    """CSV text of orders every 3-17 minutes over ``days``, each with when it landed."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LANDING_FIELDS)
    clock, end = LANDING_START, LANDING_START + timedelta(days=days)
    landed_before = LANDING_START
    record_id = 50_000
    while (clock := clock + timedelta(seconds=rng.randint(180, 1020))) < end:
        record_id += 1
        lag = rng.randint(60, 1800)
        if rng.random() < 0.008:  # an upstream outage: this order, and the queue behind it, lands hours late
            lag = rng.randint(3 * 3600, 7 * 3600)
        landed_before = max(landed_before, clock + timedelta(seconds=lag))
        writer.writerow(
            (record_id, f"C{rng.randint(1, 400):04d}", rng.randint(199, 49_999), clock.isoformat(), landed_before.isoformat())
        )
    return out.getvalue()


def load_landing(path: Path = LANDING_FILE) -> list[dict]:
    with open(path, newline="") as f:
        return [{**row, "id": int(row["id"]), "amount_cents": int(row["amount_cents"])} for row in csv.DictReader(f)]


def load(path: Path = DATA_FILE) -> list[dict]:
    with open(path, newline="") as f:
        return [
            {
                "id": int(row["id"]),
                "customer": row["customer"],
                "amount_cents": int(row["amount_cents"]),
                "event_time": row["event_time"],
            }
            for row in csv.DictReader(f)
        ]


if __name__ == "__main__":
    DATA_FILE.write_text(generate())
    LANDING_FILE.write_text(generate_landing())
    print(f"wrote {DATA_FILE} and {LANDING_FILE}")
