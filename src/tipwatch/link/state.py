"""The persisted link state: every compact column an incremental update needs, kept by a LinkStateStore (by default
a directory of .npy files, tipwatch.store.link_state).

It is a cache derived from the store (posts and identifiers): deleting it costs one full rebuild, never data. The
store holds the same generation token, so a state that does not belong to the database (a restored backup, a
recreated database) is detected and rebuilt instead of being trusted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson

from tipwatch.link.entities import IMAGE_CODE
from tipwatch.store.interface.links import StateSnapshot
from tipwatch.store.link_state import DirectoryLinkState

FORMAT = 5

# Pair signals in the state; new producers append here (the code is persisted, so never reorder).
PAIR_SIGNALS: tuple[str, ...] = ("text", "image_pdq")
SIGNAL_CODE: dict[str, int] = {s: i for i, s in enumerate(PAIR_SIGNALS)}

_ARRAYS = (
    "platform",
    "kind",
    "sh_indptr",
    "sh_ids",
    "sigs",
    "textable",
    "contact",
    "memb_post",
    "memb_key",
    "memb_type",
    "memb_footer",
    "specific",
    "pair_a",
    "pair_b",
    "pair_signal",
    "pair_w",
    "pair_ev",
    "pair_strong",
    "comp",
    "net",
    "img_post",
    "img_pdq",
    "img_key",
    "img_cluster",
    "text_rep",
    "cand_a",
    "cand_b",
    "cand_j",
    "big_band",
    "big_key",
)


@dataclass(slots=True)
class LinkState:
    fingerprint: str
    generation: str
    num_perm: int
    shingle_bits: int
    ids: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    platform: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    kind: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    sh_indptr: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(1, np.int64))
    sh_ids: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros(0, np.uint32))
    # Shingle ids in the template signatures, sorted (specific: few otherwise unrelated poster groups use them).
    specific: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros(0, np.uint32))
    # Per post: mean evidence (bits) of one specific shingle, and its poster group (-1: no own contact).
    n_groups: int = 0
    sigs: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros((0, 0), np.uint32))
    textable: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    contact: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    memb_post: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    memb_key: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    memb_type: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))
    memb_footer: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    # (type, value) of entities held by two or more posts: the evidence shown for a link.
    values: dict[int, tuple[str, str]] = field(default_factory=dict)
    pair_a: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    pair_b: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    pair_signal: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))
    pair_w: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    pair_ev: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    pair_strong: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    comp: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    net: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    net_names: list[str] = field(default_factory=list)
    next_comp: int = 0
    # Pictures (one row per post and PDQ hash): owning post, hash, a key per hash, and the key of its picture
    # cluster (the smallest hash key among the near-copies chained to it), which is the "image" entity.
    img_post: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    img_pdq: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros((0, 32), np.uint8))
    img_key: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    img_cluster: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    # Text candidates, kept so that an update re-pairs only what changed (engine._text_pairs): per post, whether it
    # represented its signature in LSH; every pair of representatives that met in an LSH bucket within the bound
    # with a Jaccard estimate reaching min_jaccard (before the contact rule); the LSH buckets over the bound
    # (band, key).
    text_rep: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    cand_a: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    cand_b: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    cand_j: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    big_band: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, np.uint8))
    big_key: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))

    @property
    def n(self) -> int:
        return len(self.ids)

    def memberships(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
        """All (post, entity key, type code) rows: identifiers and image hashes, then picture clusters."""
        if len(self.img_post) == 0:
            return self.memb_post, self.memb_key, self.memb_type
        order = np.lexsort((self.img_post, self.img_cluster))
        p, c = self.img_post[order], self.img_cluster[order]
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = (p[1:] != p[:-1]) | (c[1:] != c[:-1])
        first = order[keep]
        return (
            np.concatenate([self.memb_post, self.img_post[first]]),
            np.concatenate([self.memb_key, self.img_cluster[first]]),
            np.concatenate([self.memb_type, np.full(len(first), IMAGE_CODE, np.uint8)]),
        )

    def footer_flags(self) -> npt.NDArray[np.bool_]:
        """Per row of ``memberships()``: the value sits only in its post's footer line (pictures never do)."""
        n_extra = len(self.memberships()[0]) - len(self.memb_post)
        return np.concatenate([self.memb_footer, np.zeros(n_extra, dtype=bool)])

    @classmethod
    def empty(cls, fingerprint: str, num_perm: int, shingle_bits: int, generation: str | None = None) -> LinkState:
        st = cls(fingerprint, generation or uuid.uuid4().hex, num_perm, shingle_bits)
        st.sigs = np.zeros((0, num_perm), dtype=np.uint32)
        return st


def to_snapshot(state: LinkState) -> StateSnapshot:
    """The state in storable parts (see tipwatch.store.interface.links.LinkStateStore)."""
    meta = {
        "format": FORMAT,
        "fingerprint": state.fingerprint,
        "generation": state.generation,
        "num_perm": state.num_perm,
        "shingle_bits": state.shingle_bits,
        "n_groups": state.n_groups,
        "next_comp": state.next_comp,
        "platforms": state.platforms,
        "kinds": state.kinds,
    }
    blobs = {
        "ids.json": orjson.dumps(state.ids),
        "net_names.json": orjson.dumps(state.net_names),
        "values.json": orjson.dumps([[str(k), t, v] for k, (t, v) in state.values.items()]),
    }
    return StateSnapshot(meta, blobs, {name: getattr(state, name) for name in _ARRAYS})


def from_snapshot(snap: StateSnapshot) -> LinkState | None:
    """The state in ``snap``, or None when it is of another format or incomplete (then: rebuild)."""
    try:
        meta = snap.meta
        if meta.get("format") != FORMAT:
            return None
        st = LinkState(meta["fingerprint"], meta["generation"], meta["num_perm"], meta["shingle_bits"])
        st.n_groups = int(meta["n_groups"])
        st.next_comp = int(meta["next_comp"])
        st.platforms = list(meta["platforms"])
        st.kinds = list(meta["kinds"])
        st.ids = orjson.loads(snap.blobs["ids.json"])
        st.net_names = orjson.loads(snap.blobs["net_names.json"])
        st.values = {int(k): (t, v) for k, t, v in orjson.loads(snap.blobs["values.json"])}
        for name in _ARRAYS:
            setattr(st, name, snap.arrays[name])
    except (ValueError, KeyError):
        return None
    return st


def save_state(state: LinkState, path: Path) -> None:
    """Write the state to directory ``path`` atomically (a reader sees the old or the new state, never half)."""
    DirectoryLinkState(path).save(to_snapshot(state))


def load_state(path: Path) -> LinkState | None:
    """The state saved in ``path``, or None when there is none or it is unreadable (then: rebuild)."""
    snap = DirectoryLinkState(path).load()
    return None if snap is None else from_snapshot(snap)
