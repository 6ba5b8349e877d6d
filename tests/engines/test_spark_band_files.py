"""The LSH table Spark tasks memory-map (link.spark._BandFiles) is read as plain arrays: a file holding pickled
objects is refused, never unpickled."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyspark")

from tipwatch.link import spark as link_spark


def _files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arrays: dict[str, np.ndarray]) -> link_spark._BandFiles:
    import pyspark

    names = []
    for field in (f.name for f in dataclasses.fields(link_spark._Bands)):
        path = tmp_path / f"t-{field}.npy"
        np.save(path, arrays[field], allow_pickle=True)
        names.append(path.name)
    monkeypatch.setattr(pyspark.SparkFiles, "get", classmethod(lambda cls, name: str(tmp_path / name)))
    link_spark._MAPPED.clear()
    return link_spark._BandFiles(tuple(names))


def _plain() -> dict[str, np.ndarray]:
    return {
        "keys": np.arange(12, dtype=np.uint64).reshape(3, 4),
        "big": np.zeros((3, 4), dtype=bool),
        "sigs": np.ones((3, 8), dtype=np.uint32),
        "search": np.ones(3, dtype=bool),
        "members": np.arange(3, dtype=np.int64),
    }


def test_band_files_are_memory_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _files(tmp_path, monkeypatch, _plain()).load()
    assert isinstance(table.sigs, np.memmap)
    assert table.keys[2, 3] == 11 and table.members.tolist() == [0, 1, 2]


def test_band_file_with_pickled_objects_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = _plain()
    arrays["sigs"] = np.array([{"not": "an array of numbers"}], dtype=object)
    # numpy refuses it before reading (an object array cannot be mapped; allow_pickle=False would refuse it too).
    with pytest.raises(ValueError, match=r"Python objects|allow_pickle"):
        _files(tmp_path, monkeypatch, arrays).load()
