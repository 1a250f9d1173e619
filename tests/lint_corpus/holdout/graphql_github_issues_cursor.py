# lint-expect: none
# why: the GraphQL endCursor is read from task_state_store at the start, moved only after the page's upsert (INSERT ... ON CONFLICT DO UPDATE) is committed, stored as a str with retention=timedelta(days=7), and deleted only at the end once every repository is done -- the pattern the rules recommend.
"""Syncs issues and their labels for the platform org's repositories from the GitHub GraphQL API."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
import requests

from airflow.sdk import BaseHook, dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook

log = logging.getLogger(__name__)

REPOS = ["platform/api-gateway", "platform/billing", "platform/identity", "platform/infra-live"]
QUERY = """
query($owner: String!, $name: String!, $after: String, $since: DateTime!) {
  repository(owner: $owner, name: $name) {
    issues(first: 100, after: $after, filterBy: {since: $since}, orderBy: {field: UPDATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { number title state updatedAt author { login } labels(first: 20) { nodes { name } } }
    }
  }
}
"""
UPSERT = """
INSERT INTO eng.github_issues (repo, number, title, state, author, labels, updated_at)
VALUES (%(repo)s, %(number)s, %(title)s, %(state)s, %(author)s, %(labels)s, %(updatedAt)s)
ON CONFLICT (repo, number) DO UPDATE
SET title = EXCLUDED.title, state = EXCLUDED.state, labels = EXCLUDED.labels, updated_at = EXCLUDED.updated_at
"""


class GitHubGraphQL:
    def __init__(self):
        token = BaseHook.get_connection("github_platform").password
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"bearer {token}"})

    def issues(self, repo: str, after: str | None, since: str) -> dict:
        owner, name = repo.split("/")
        resp = self.session.post("https://api.github.com/graphql", timeout=60,
                                 json={"query": QUERY, "variables": {"owner": owner, "name": name,
                                                                     "after": after, "since": since}})
        resp.raise_for_status()
        return resp.json()["data"]["repository"]["issues"]


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 5, "retry_delay": timedelta(minutes=3)},
    tags=["engineering", "github", "graphql"],
)
def graphql_github_issues():
    @task
    def sync_issues(task_state_store=None, prev_data_interval_start_success=None, data_interval_start=None) -> int:
        since = (prev_data_interval_start_success or data_interval_start.subtract(days=30)).isoformat()
        api = GitHubGraphQL()
        hook = PostgresHook(postgres_conn_id="eng_metrics_pg")
        synced = 0
        for repo in REPOS:
            key = f"issues_after:{repo}"
            after = task_state_store.get(key)
            while True:
                page = api.issues(repo, after, since)
                rows = [
                    {**n, "repo": repo, "author": (n.get("author") or {}).get("login"),
                     "labels": [label["name"] for label in n["labels"]["nodes"]]}
                    for n in page["nodes"]
                ]
                conn = hook.get_conn()
                with conn, conn.cursor() as cur:
                    cur.executemany(UPSERT, rows)
                synced += len(rows)
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
                task_state_store.set(key, after, retention=timedelta(days=7))
            log.info("%s synced", repo)

        for repo in REPOS:
            task_state_store.delete(f"issues_after:{repo}")
        return synced

    sync_issues()


graphql_github_issues()
