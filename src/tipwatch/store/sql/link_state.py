"""LinkStateStore in the database: the state's parts as rows of ``link_state_parts``, replaced in one transaction.

For deployments where the machines that link share the database but no directory (several workers, containers).
The lock is the database's own on PostgreSQL (a session advisory lock, held for the whole update); a SQLite store
is one file on one machine, so a file lock beside it does.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from filelock import FileLock
from sqlalchemy import Engine, delete, func, insert, select

from tipwatch.store.interface.links import LinkStateStore, StateSnapshot
from tipwatch.store.link_tables import link_state_parts

META = "meta.json"
NPY = ".npy"
# The advisory lock key of the link state: any constant 64-bit number unique among this database's advisory locks.
ADVISORY_KEY = 0x7469707761746368  # "tipwatch"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with FileLock(path):
        yield


class SqlLinkState(LinkStateStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def lock(self) -> AbstractContextManager[None]:
        if self._engine.dialect.name == "postgresql":
            return self._advisory()
        db = self._engine.url.database
        if db and db != ":memory:":
            path = Path(db)
            return _file_lock(path.with_name(path.name + ".link-state.lock"))
        return nullcontext()

    @contextmanager
    def _advisory(self) -> Iterator[None]:
        # A session lock on a connection of its own: the update's transactions come and go on other connections.
        with self._engine.connect() as conn:
            conn.execute(select(func.pg_advisory_lock(ADVISORY_KEY)))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(ADVISORY_KEY)))
                conn.commit()

    def save(self, snapshot: StateSnapshot) -> None:
        rows: list[dict[str, Any]] = [{"name": META, "data": json.dumps(snapshot.meta).encode()}]
        rows.extend({"name": name, "data": data} for name, data in snapshot.blobs.items())
        for name, array in snapshot.arrays.items():
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            rows.append({"name": name + NPY, "data": buf.getvalue()})
        with self._engine.begin() as conn:
            conn.execute(delete(link_state_parts))
            for row in rows:  # one at a time: the arrays can be hundreds of MB each
                conn.execute(insert(link_state_parts).values(**row))

    def load(self) -> StateSnapshot | None:
        with self._engine.connect() as conn:
            parts = {name: bytes(data) for name, data in conn.execute(select(link_state_parts))}
        if META not in parts:
            return None
        try:
            meta = json.loads(parts.pop(META))
            arrays: dict[str, npt.NDArray[Any]] = {}
            blobs: dict[str, bytes] = {}
            for name in list(parts):
                data = parts.pop(name)  # each part freed once decoded: the state can be large
                if name.endswith(NPY):
                    arrays[name.removesuffix(NPY)] = np.load(io.BytesIO(data), allow_pickle=False)
                else:
                    blobs[name] = data
        except ValueError:
            return None
        if not isinstance(meta, dict):
            return None
        return StateSnapshot(meta, blobs, arrays)
