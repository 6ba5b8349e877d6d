"""The link state in a directory: ``meta.json``, one file per blob and one ``.npy`` per array, replaced atomically,
behind a portable file lock (``filelock``: fcntl on POSIX, msvcrt on Windows).

By default the directory sits beside a SQLite database (``<db>.link``), else under ./tipwatch-data/ named after the
database URL; ``TIPWATCH_LINK_STATE`` overrides both.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from filelock import FileLock

from tipwatch.store.interface.links import LinkStateStore, StateSnapshot

ENV_STATE = "TIPWATCH_LINK_STATE"


def default_state_dir(url: str) -> Path:
    """Where the link state of database ``url`` lives: beside a SQLite file, else under ./tipwatch-data/."""
    env = os.environ.get(ENV_STATE)
    if env:
        return Path(env)
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".link")
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Path("tipwatch-data") / f"link-state-{digest}"


class DirectoryLinkState(LinkStateStore):
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def lock(self) -> AbstractContextManager[None]:
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The lock file beside the directory (the directory itself is replaced by each save).
        with FileLock(self.path.with_name(self.path.name + ".lock")):
            yield

    def save(self, snapshot: StateSnapshot) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".tmp-{uuid.uuid4().hex[:8]}")
        tmp.mkdir()
        (tmp / "meta.json").write_text(json.dumps(snapshot.meta))
        for name, data in snapshot.blobs.items():
            (tmp / name).write_bytes(data)
        for name, array in snapshot.arrays.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        # Swap directories: a reader sees the old or the new state, never half of one.
        old = path.with_name(path.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if path.exists():
            path.rename(old)
        tmp.rename(path)
        if old.exists():
            shutil.rmtree(old)

    def load(self) -> StateSnapshot | None:
        try:
            meta = json.loads((self.path / "meta.json").read_text())
            blobs: dict[str, bytes] = {}
            arrays: dict[str, npt.NDArray[Any]] = {}
            for p in self.path.iterdir():
                if p.suffix == ".npy":
                    arrays[p.stem] = np.load(p, allow_pickle=False)
                elif p.name != "meta.json":
                    blobs[p.name] = p.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict):
            return None
        return StateSnapshot(meta, blobs, arrays)
