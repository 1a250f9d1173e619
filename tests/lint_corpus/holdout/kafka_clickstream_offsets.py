# lint-expect: RS501
# why: the next offset per partition lives in the module-level collections.Counter _NEXT_OFFSET and the dedup set _SEEN_EVENT_IDS; each try is a new worker process, so a retry starts at offset 0 with an empty dedup set and re-ships the whole topic. The S3 sink (one object per partition and offset range) is idempotent; the problem is only where progress is kept.
"""Drains the clickstream topic into the raw zone of the web-analytics lake, partition by partition."""

from __future__ import annotations

import collections
import gzip
import json
import logging
from datetime import timedelta

import boto3
import pendulum
from confluent_kafka import Consumer, TopicPartition

from airflow.sdk import BaseHook, dag, task

log = logging.getLogger(__name__)

TOPIC = "web.clickstream.v3"
PARTITIONS = range(24)
BATCH = 50_000
BUCKET = "web-analytics-raw"

# offsets we have already shipped, and event ids already written (the producer retries and duplicates)
_NEXT_OFFSET: collections.Counter[int] = collections.Counter()
_SEEN_EVENT_IDS: set[str] = set()


def _consumer() -> Consumer:
    extra = BaseHook.get_connection("kafka_analytics").extra_dejson
    return Consumer(
        {
            "bootstrap.servers": extra["bootstrap_servers"],
            "group.id": "airflow-clickstream-lake",
            "enable.auto.commit": False,
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": extra["username"],
            "sasl.password": extra["password"],
        }
    )


def _ship(s3, partition: int, first: int, last: int, events: list[dict]) -> None:
    body = gzip.compress("\n".join(json.dumps(e) for e in events).encode())
    key = f"clickstream/partition={partition:02d}/{first:020d}-{last:020d}.jsonl.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)


@dag(
    schedule=timedelta(minutes=30),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 5, "retry_delay": timedelta(minutes=1)},
    tags=["kafka", "clickstream"],
)
def kafka_clickstream_offsets():
    @task
    def drain_topic() -> dict:
        consumer = _consumer()
        s3 = boto3.client("s3")
        shipped = {}
        try:
            for p in PARTITIONS:
                start = _NEXT_OFFSET[p]
                _, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)
                if start >= high:
                    continue
                consumer.assign([TopicPartition(TOPIC, p, start)])
                events, first, last = [], start, start
                while last < high - 1:
                    msgs = consumer.consume(num_messages=5000, timeout=5)
                    if not msgs:
                        break
                    for m in msgs:
                        if m.error():
                            raise RuntimeError(m.error())
                        event = json.loads(m.value())
                        last = m.offset()
                        if event["event_id"] in _SEEN_EVENT_IDS:
                            continue
                        _SEEN_EVENT_IDS.add(event["event_id"])
                        events.append(event)
                    if len(events) >= BATCH:
                        _ship(s3, p, first, last, events)
                        _NEXT_OFFSET[p] = last + 1
                        events, first = [], last + 1
                if events:
                    _ship(s3, p, first, last, events)
                _NEXT_OFFSET[p] = last + 1
                shipped[p] = last + 1 - start
        finally:
            consumer.close()
        log.info("shipped %s", shipped)
        return {str(k): v for k, v in shipped.items()}

    drain_topic()


kafka_clickstream_offsets()
