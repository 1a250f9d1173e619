"""The seeded order events behind the simulated source API (``data/orders.csv``).

Why a committed file and a generator: the file is what the source serves, so a
learner can open it; the generator proves it is reproducible (a test
regenerates it and compares).
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "orders.csv"
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
    print(f"wrote {DATA_FILE}")
