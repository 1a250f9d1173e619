# lint-expect: none
# why: per-partition next offsets live in asset_state_store of the declared outlet, are taken from the last message actually shipped, and are set only after the S3 object (keyed by partition and start offset, so a retry overwrites it) is written; the task is not mapped. pendulum.now() only feeds a consumer-lag log line and the returned summary.
"""Lands the payments-events topic in the raw zone; offsets are tracked per partition on the asset."""

from __future__ import annotations

import gzip
import logging
from datetime import timedelta

import boto3
import pendulum
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from airflow.sdk import Asset, BaseHook, dag, task

log = logging.getLogger(__name__)

TOPIC = "payments.events.v2"
PAYMENT_EVENTS_RAW = Asset("s3://payments-raw/events/")
MAX_PER_PARTITION = 200_000


def _consumer() -> Consumer:
    extra = BaseHook.get_connection("kafka_payments").extra_dejson
    return Consumer({"bootstrap.servers": extra["bootstrap_servers"], "group.id": "airflow-payments-raw",
                     "enable.auto.commit": False, "security.protocol": "SSL"})


@dag(
    schedule=timedelta(minutes=15),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 5, "retry_delay": timedelta(minutes=1)},
    tags=["payments", "kafka"],
)
def kafka_offsets_asset_watermark():
    @task(outlets=[PAYMENT_EVENTS_RAW])
    def land_events(asset_state_store=None) -> dict:
        offsets = asset_state_store[PAYMENT_EVENTS_RAW]
        consumer = _consumer()
        s3 = boto3.client("s3")
        partitions = consumer.list_topics(TOPIC, timeout=10).topics[TOPIC].partitions
        landed = {}
        try:
            for p in sorted(partitions):
                start = offsets.get(f"next_offset:{p}", OFFSET_BEGINNING)
                consumer.assign([TopicPartition(TOPIC, p, start)])
                _, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)
                batch, first_offset, last_msg = [], None, None
                while len(batch) < MAX_PER_PARTITION:
                    msgs = consumer.consume(num_messages=10_000, timeout=5)
                    if not msgs:
                        break
                    for m in msgs:
                        if m.error():
                            raise RuntimeError(m.error())
                        if first_offset is None:
                            first_offset = m.offset()
                        batch.append(m.value())
                        last_msg = m
                    if last_msg.offset() >= high - 1:
                        break
                if last_msg is None:
                    continue
                key = f"events/partition={p:03d}/{first_offset:020d}.jsonl.gz"
                s3.put_object(Bucket="payments-raw", Key=key, Body=gzip.compress(b"\n".join(batch)))
                offsets.set(f"next_offset:{p}", last_msg.offset() + 1)

                _, ts_ms = last_msg.timestamp()
                lag_s = pendulum.now("UTC").diff(pendulum.from_timestamp(ts_ms / 1000)).in_seconds()
                log.info("partition %d: %d events landed, newest is %ds old", p, len(batch), lag_s)
                landed[str(p)] = len(batch)
        finally:
            consumer.close()
        return {"landed": landed, "as_of": pendulum.now("UTC").isoformat()}

    land_events()


kafka_offsets_asset_watermark()
