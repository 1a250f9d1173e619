"""A custom ``[state_store] backend``: Airflow's own rows in the metadata DB, through a class of its own.

Why the course has one: module 05 sets it to show what the setting plugs in and when a process picks it up
(once, on its first use of the store), and that ``airflow state-store clean`` cleans only Airflow's own
``MetastoreBackend``: with anything else configured, expiry is the custom backend's job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.state import BaseStoreBackend
from airflow.state.metastore import MetastoreBackend


class DelegatingBackend(BaseStoreBackend):
    """Every call handed to a ``MetastoreBackend`` it holds (a wrapper, not a subclass: a custom backend)."""

    def __init__(self) -> None:
        self.rows = MetastoreBackend()

    def get(self, scope: Any, key: str, *, session: Any = None) -> str | None:
        return self.rows.get(scope, key, session=session)

    def set(self, scope: Any, key: str, value: str, *, expires_at: datetime | None = None, session: Any = None) -> None:
        self.rows.set(scope, key, value, expires_at=expires_at, session=session)

    def delete(self, scope: Any, key: str, *, session: Any = None) -> None:
        self.rows.delete(scope, key, session=session)

    def clear(self, scope: Any, *, all_map_indices: bool = False, session: Any = None) -> None:
        self.rows.clear(scope, all_map_indices=all_map_indices, session=session)

    async def aget(self, scope: Any, key: str, *, session: Any = None) -> str | None:
        return await self.rows.aget(scope, key, session=session)

    async def aset(
        self, scope: Any, key: str, value: str, *, expires_at: datetime | None = None, session: Any = None
    ) -> None:
        await self.rows.aset(scope, key, value, expires_at=expires_at, session=session)

    async def adelete(self, scope: Any, key: str, *, session: Any = None) -> None:
        await self.rows.adelete(scope, key, session=session)

    async def aclear(self, scope: Any, *, all_map_indices: bool = False, session: Any = None) -> None:
        await self.rows.aclear(scope, all_map_indices=all_map_indices, session=session)
