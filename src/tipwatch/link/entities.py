"""Group signals: posts sharing a normalized identifier or a picture, and the evidence each shared value carries.

Each (post, entity) membership is a compact row (post index, 64-bit entity key, type code). A value's evidence is
a log-likelihood ratio in bits (``score``): how much more likely its holders share it as one poster than as
otherwise unrelated posters, from how many otherwise unrelated groups of posts hold it. Being spread over many
sites or posts is not held against a value -- an operator cross-posts on a dozen sites with one phone. A platform's
support line, a helpline or an agency's footer is recognised by what it is: a known service line (a data file with
sources), or a value printed in a trailing footer line under the posts of many otherwise unrelated posters. Those are
hubs: they link nothing and are reported with their reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tipwatch.extract.registry import identifier_type, linking_types
from tipwatch.link.arrays import group_rows, isin, isin_sorted, unique_sorted
from tipwatch.link.config import IdentifierConfig

# Entity types that link posts: the identifier types that say they link (extract/registry.py) and pictures. The
# order fixes the type codes kept in the link state: the built-in ones keep their codes, types registered later
# follow by name, and the tuple is part of the state's fingerprint (a state made with other types is rebuilt).
# "image" is a picture found by PDQ (its near-copies included), "image_sha256" the exact file.
_BUILTIN: tuple[str, ...] = ("phone", "email", "url", "handle", "wallet", "image_sha256", "image")
IMAGE_SHA256_CODE = _BUILTIN.index("image_sha256")
IMAGE_CODE = _BUILTIN.index("image")


def _prior(table: dict[str, float], etype: str, attr: str) -> float:
    """A type's evidence prior: link.yaml's value, else what its identifier type says (a type registered later)."""
    if etype in table:
        return float(table[etype])
    return float(getattr(identifier_type(etype), attr))


def entity_types() -> tuple[str, ...]:
    """Entity type names by code."""
    return _BUILTIN + tuple(sorted(linking_types() - set(_BUILTIN)))


def type_codes() -> dict[str, int]:
    return {t: i for i, t in enumerate(entity_types())}


HUB_KNOWN = "known {name} ({source})"
HUB_FOOTER = (
    "platform footer/boilerplate line in {share:.0%} of its posts, shared by {groups} otherwise unrelated groups"
)
HUB_UNRELATED = "shared by {groups} otherwise unrelated groups of posts (each with its own contacts): no evidence"

# Why a value is a hub, as a code kept per entity (0: not a hub).
HUB_CODE_KNOWN, HUB_CODE_FOOTER, HUB_CODE_UNRELATED = 1, 2, 3


def entity_key(kind: str, value: str) -> int:
    """A stable 64-bit key for (type, normalized value); collisions at 2**64 are negligible at our sizes."""
    digest = hashlib.blake2b(f"{kind}\x00{value}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@dataclass(slots=True)
class EntityStats:
    """Per distinct entity key (sorted): who holds it, how unrelated its holders are, and its evidence in bits.

    ``bits`` is the log2 likelihood ratio a shared value adds to a pair of its posts (0 for a hub); ``strong`` means
    it alone reaches the link threshold. Filled in two steps: counts (``entity_stats``), then ``score``.
    """

    keys: npt.NDArray[np.uint64]
    types: npt.NDArray[np.uint8]
    n_posts: npt.NDArray[np.int64]
    n_platforms: npt.NDArray[np.int64]
    n_kinds: npt.NDArray[np.int64]
    n_groups: npt.NDArray[np.int64]
    n_with_other: npt.NDArray[np.int64]
    footer_share: npt.NDArray[np.float64]
    known: npt.NDArray[np.bool_]
    hub_code: npt.NDArray[np.int8]
    bits: npt.NDArray[np.float64]
    strong: npt.NDArray[np.bool_]
    threshold: float = 0.0

    @property
    def hub(self) -> npt.NDArray[np.bool_]:
        return self.hub_code > 0

    @property
    def weight(self) -> npt.NDArray[np.float64]:
        """Evidence in units of the link threshold (1.0 = enough alone)."""
        return self.bits / self.threshold if self.threshold > 0 else self.bits

    def lookup(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Row of each key in this table (keys must be present)."""
        return np.searchsorted(self.keys, keys).astype(np.int64)

    def links(self) -> npt.NDArray[np.bool_]:
        """Entities that add evidence: in two or more posts, not a hub, positive bits."""
        return (self.n_posts >= 2) & ~self.hub & (self.bits > 0)

    def personal(self, own_groups: int) -> npt.NDArray[np.bool_]:
        """Values that look like one poster's own (no hub, held by at most ``own_groups`` unrelated groups)."""
        return (self.n_posts >= 2) & ~self.hub & (self.n_groups <= own_groups)


def _distinct_per_key(
    keys: npt.NDArray[np.uint64], values: npt.NDArray[np.integer[Any]], uniq: npt.NDArray[np.uint64]
) -> npt.NDArray[np.int64]:
    """How many distinct ``values`` each key of ``uniq`` has among the (keys, values) rows."""
    if len(keys) == 0:
        return np.zeros(len(uniq), dtype=np.int64)
    order = np.lexsort((values, keys))
    k, v = keys[order], values[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = (k[1:] != k[:-1]) | (v[1:] != v[:-1])
    return np.bincount(np.searchsorted(uniq, k[first]), minlength=len(uniq)).astype(np.int64)


def _unrelated_groups_all(
    memb_post: npt.NDArray[np.int64],
    memb_key: npt.NDArray[np.uint64],
    own: npt.NDArray[np.bool_],
    cand_keys: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """How unrelated the posts holding each key of ``cand_keys`` (sorted) are otherwise: per key, (posts with
    another own contact, groups among them).

    Groups are the connected components of those posts over their other own contacts. A contact in more than half
    of the posts is a twin of the key (the same operator's second number, a platform's phone beside its email) and
    says nothing about relatedness, so it is ignored. A platform's support line: one group per advertiser. An
    operator's handle: its posts also share rotating phones, so few groups. All keys at once: nodes are (key, post)
    for the posts holding a candidate key and (key, other contact) for their other own contacts; connected
    components of that graph are the groups. Work is linear in the rows touched.
    """
    nc = len(cand_keys)
    is_cand = isin_sorted(memb_key, cand_keys)
    c_post = memb_post[is_cand]
    c_idx = np.searchsorted(cand_keys, memb_key[is_cand])
    # distinct (candidate, post)
    cp = unique_sorted((c_idx.astype(np.int64) << np.int64(32)) | c_post)
    cp_cand, cp_post = (cp >> np.int64(32)), cp & np.int64(0xFFFFFFFF)
    n_posts = np.bincount(cp_cand, minlength=nc)
    # own rows of those posts, by post
    rows = np.flatnonzero(own)
    r_post, r_key = memb_post[rows], memb_key[rows]
    order = np.argsort(r_post, kind="stable")
    r_post, r_key = r_post[order], r_key[order]
    lo = np.searchsorted(r_post, cp_post)
    cnt = np.searchsorted(r_post, cp_post, side="right") - lo
    node = np.repeat(np.arange(len(cp)), cnt)
    pos = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(int(cnt.sum()))
    okey = r_key[pos]
    ocand = cp_cand[node]
    other = okey != cand_keys[ocand]
    node, okey, ocand = node[other], okey[other], ocand[other]
    if len(node) == 0:
        z = np.zeros(nc, dtype=np.int64)
        return z, z
    # (candidate, other key) codes; a contact in more than half of the candidate's posts is its twin: ignored.
    _, inv, count = group_rows(ocand, okey.view(np.int64))
    local = count[inv] <= n_posts[ocand] / 2
    node, inv = node[local], inv[local]
    if len(node) == 0:
        z = np.zeros(nc, dtype=np.int64)
        return z, z
    size = len(cp) + len(count)
    m = coo_matrix((np.ones(len(node), dtype=np.int8), (node, len(cp) + inv)), shape=(size, size))
    _, labels = connected_components(m, directed=False)
    with_other = unique_sorted(node)
    n_with = np.bincount(cp_cand[with_other], minlength=nc)
    lab = unique_sorted((cp_cand[with_other].astype(np.int64) << np.int64(32)) | labels[with_other])
    n_groups = np.bincount((lab >> np.int64(32)).astype(np.int64), minlength=nc)
    return n_with.astype(np.int64), n_groups.astype(np.int64)


def entity_stats(
    memb_post: npt.NDArray[np.int64],
    memb_key: npt.NDArray[np.uint64],
    memb_type: npt.NDArray[np.uint8],
    platform: npt.NDArray[np.integer[Any]],
    kind: npt.NDArray[np.integer[Any]],
    cfg: IdentifierConfig,
    only: npt.NDArray[np.uint64] | None = None,
    memb_footer: npt.NDArray[np.bool_] | None = None,
    known: Mapping[int, tuple[str, str]] | None = None,
) -> EntityStats:
    """Frequency, spread, footer position and "otherwise unrelated" groups of every entity (or of the keys ``only``).

    Memberships must be distinct (one row per post and key). ``platform``/``kind`` are codes per post index;
    ``memb_footer`` flags rows whose value sits in a trailing boilerplate line; ``known`` maps keys of known platform
    and help lines to (name, source). The statistics of a key depend only on the posts holding it (and their other
    contacts), so a subset is exact. Evidence (bits, hub, strong) is filled by ``score``.
    """
    footer = memb_footer if memb_footer is not None else np.zeros(len(memb_post), dtype=bool)
    known = known or {}
    if only is not None:
        sel = isin(memb_key, only)
        sub_post, sub_key, sub_type, sub_footer = memb_post[sel], memb_key[sel], memb_type[sel], footer[sel]
    else:
        sub_post, sub_key, sub_type, sub_footer = memb_post, memb_key, memb_type, footer
    keys, first, inv, n_posts = np.unique(sub_key, return_index=True, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    types = sub_type[first].astype(np.uint8)
    n_platforms = _distinct_per_key(sub_key, platform[sub_post], keys)
    n_kinds = _distinct_per_key(sub_key, kind[sub_post], keys)
    footer_share = np.bincount(inv, weights=sub_footer.astype(np.float64), minlength=len(keys)) / np.maximum(n_posts, 1)
    known_key = np.zeros(len(keys), dtype=bool)
    if known:
        known_key = np.isin(keys, np.fromiter(known, dtype=np.uint64, count=len(known)))
    n_groups = np.ones(len(keys), dtype=np.int64)
    n_with = np.zeros(len(keys), dtype=np.int64)
    # Groups only change the evidence of values in more posts than one poster's allowance, and of footer values.
    cand = np.flatnonzero(
        (n_posts >= cfg.unrelated_min_posts) & ((n_posts > cfg.own_groups) | (footer_share >= cfg.footer_share))
    )
    if len(cand):
        own = ~footer
        if known:
            own &= ~np.isin(memb_key, np.fromiter(known, dtype=np.uint64, count=len(known)))
        w, g = _unrelated_groups_all(memb_post, memb_key, own, keys[cand])
        n_with[cand] = w
        n_groups[cand] = np.maximum(g, 1)
    zeros = np.zeros(len(keys))
    return EntityStats(
        keys,
        types,
        n_posts.astype(np.int64),
        n_platforms,
        n_kinds,
        n_groups,
        n_with,
        footer_share,
        known_key,
        np.zeros(len(keys), dtype=np.int8),
        zeros,
        np.zeros(len(keys), dtype=bool),
    )


def hub_codes(stats: EntityStats, cfg: IdentifierConfig) -> npt.NDArray[np.int8]:
    """Hubs that do not depend on the corpus-level prior: known service lines and platform footers."""
    code = np.zeros(len(stats.keys), dtype=np.int8)
    footer = (stats.footer_share >= cfg.footer_share) & (stats.n_groups >= cfg.hub_min_groups)
    code[footer] = HUB_CODE_FOOTER
    code[stats.known] = HUB_CODE_KNOWN
    return code


def score(stats: EntityStats, n_groups_total: int, cfg: IdentifierConfig, target_odds: float) -> None:
    """Fill ``bits``, ``hub_code`` and ``strong`` (in place).

    Fellegi-Sunter with value-specific u: a value shared by the posts of ``k`` otherwise unrelated groups is one
    poster's own up to ``own_groups`` groups (an operator's rotated phones and personas); each group beyond that
    is a poster who shows it for another reason (a service line, a shared agency page). With ``G`` poster groups
    in the corpus, u = (max(k - own_groups, 0) + chance_t) / G, m = m_t, bits = log2(m / u). Prior odds that two
    posts are one poster's are about 1 : G, so a pair is linked when its summed bits reach
    log2(G) + log2(target_odds) (``link_threshold``).
    """
    g = max(n_groups_total, 2)
    types = entity_types()
    m = np.array([_prior(cfg.m, t, "link_m") for t in types])[stats.types]
    chance = np.array([_prior(cfg.chance, t, "link_chance") for t in types])[stats.types]
    # A value printed in footer lines is not an ad's own contact: the allowance for an operator's rotated phones
    # does not apply, every group beyond the first is someone else showing it.
    own = np.where(stats.footer_share >= cfg.footer_share, 1, cfg.own_groups)
    extra = np.maximum(stats.n_groups - own, 0)
    bits = np.log2(m * g / (extra + chance))
    code = hub_codes(stats, cfg)
    code[(code == 0) & (bits <= 0) & (stats.n_posts >= 2)] = HUB_CODE_UNRELATED
    bits[code > 0] = 0.0
    stats.bits = np.maximum(bits, 0.0)
    stats.hub_code = code
    stats.threshold = link_threshold(n_groups_total, target_odds)
    stats.strong = stats.bits >= stats.threshold


def link_threshold(n_groups_total: int, target_odds: float) -> float:
    """Bits a pair needs: prior odds 1 : G (G poster groups) raised to the target posterior odds."""
    return float(np.log2(max(n_groups_total, 2)) + np.log2(target_odds))


def hub_reason(stats: EntityStats, row: int, cfg: IdentifierConfig) -> str:
    """Why an entity is a hub, in words for the analyst."""
    code = int(stats.hub_code[row])
    if code == HUB_CODE_KNOWN:
        name, source = load_known_contacts(cfg.known_contacts).get(
            int(stats.keys[row]), ("service line", "known contacts list")
        )
        return HUB_KNOWN.format(name=name, source=source)
    if code == HUB_CODE_FOOTER:
        return HUB_FOOTER.format(share=float(stats.footer_share[row]), groups=int(stats.n_groups[row]))
    return HUB_UNRELATED.format(groups=int(stats.n_groups[row]))


def load_known_contacts(path: str | Path) -> dict[int, tuple[str, str]]:
    """Entity key -> (name, source) of the known service lines in ``path`` (see known_contacts.yaml)."""
    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = Path(__file__).with_name(str(path))
    if not p.is_file():
        return {}
    return _load_known(str(p))


@cache
def _load_known(path: str) -> dict[int, tuple[str, str]]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    out: dict[int, tuple[str, str]] = {}
    for entry in data.get("contacts") or []:
        out[entity_key(str(entry["type"]), str(entry["value"]))] = (str(entry["name"]), str(entry["source"]))
    return out
