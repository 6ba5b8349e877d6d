"""Signal (hash) types as small registered classes, shaped like python-threatexchange's ``SignalType``.

A signal type says what its hashes are called (its name, the other names lists in the field use, the name written
in ThreatExchange/HMA ``te`` exports), how a hash string is checked and normalized, how an image is hashed (from
the file's bytes and/or the decoded picture), how two hashes compare (a distance and a default threshold), and how
it is searched: ``exact`` types (file digests) by equal bytes, near types by Hamming distance in the multi-index
search. Adding a type is one module with one class, registered with ``@register``; the built-in ones (pdq, md5,
sha256) are in ``media/signals/``. Bank formats, bank rules, the match index, hashing and storage read this registry
instead of lists of names (docs/decisions.md: our own registry, no runtime dependency on ``threatexchange``).

Hashes are lower-case hex strings of ``bits / 4`` digits: the store keeps them as text of up to 64 characters and
type names of up to 16, so a type has at most 256 bits and a name of at most 16 characters.
"""

from __future__ import annotations

import re
from abc import ABC
from typing import TYPE_CHECKING, ClassVar, NamedTuple, TypeVar

if TYPE_CHECKING:
    from PIL import Image

    from tipwatch.media.signal_index import SignalIndex

# The store's columns (hash_bank_entries.signal_type and .value): what a registered type must fit in.
MAX_NAME_LENGTH = 16
MAX_BITS = 256
_HEX = re.compile(r"^[0-9a-f]+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Comparison(NamedTuple):
    """The result of comparing two hashes (python-threatexchange's HashComparisonResult)."""

    match: bool
    distance: int


class SignalType(ABC):
    """One kind of hash. Subclasses set the class attributes and implement ``hash_bytes`` and/or ``hash_image``."""

    name: ClassVar[str]
    # Other spellings read on import (case-insensitive): ThreatExchange/HMA type names and CSV column headers.
    aliases: ClassVar[tuple[str, ...]] = ()
    # The name written in `te` exports; the type's own name unless HMA/ThreatExchange spell it otherwise.
    export_name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # Listing order (error messages, bank defaults, CSV header search); built-ins first.
    order: ClassVar[int] = 100
    bits: ClassVar[int]
    # True: a digest of the file's bytes, matched by equality. False: a perceptual hash, matched by Hamming distance.
    exact: ClassVar[bool] = True
    # Largest Hamming distance that is still a match (near types); exact types match at 0 only.
    default_threshold: ClassVar[int] = 0
    # The bank's own threshold setting (``pdq_threshold``) applies to this type instead of ``default_threshold``.
    bank_threshold: ClassVar[bool] = False
    # A plain list of these hashes, one per line (``md5sum``-style), is an import/export format of this name.
    plain_format: ClassVar[bool] = False

    @property
    def hex_digits(self) -> int:
        return self.bits // 4

    @property
    def te_name(self) -> str:
        return self.export_name or self.name

    def normalize(self, value: str) -> str:
        """The stored form of a hash string (lower-case hex of the right length); ValueError saying why not.

        python-threatexchange's ``validate_signal_str``. The messages name the type, as bad lines are reported.
        """
        clean = value.strip().lower()
        if not _HEX.match(clean):
            raise ValueError(f"{self.name} hash is not hexadecimal: {value[:80]!r}")
        if len(clean) != self.hex_digits:
            raise ValueError(f"{self.name} hash must have {self.hex_digits} hex digits, got {len(clean)}")
        return clean

    def hash_bytes(self, data: bytes) -> str | None:
        """The hash of a file's bytes (hex), or None when this type does not hash bytes."""
        return None

    def hash_image(self, image: Image.Image) -> str | None:
        """The hash of a decoded RGB picture (hex), or None when this type does not hash pictures or this picture
        cannot be hashed usefully (too flat, say)."""
        return None

    def distance(self, a: str, b: str) -> int:
        """Hamming distance between two normalized hashes; for exact types 0 when equal, else 1 (as
        python-threatexchange's exact types report)."""
        if self.exact:
            return 0 if a == b else 1
        return (int(a, 16) ^ int(b, 16)).bit_count()

    def compare(self, a: str, b: str, threshold: int | None = None) -> Comparison:
        """python-threatexchange's ``compare_hash``: the reference comparison (the index does the same, faster)."""
        d = self.distance(a, b)
        limit = 0 if self.exact else (self.default_threshold if threshold is None else threshold)
        return Comparison(d <= limit, d)

    def get_index_cls(self) -> type[SignalIndex]:
        """The index class that searches this type's bank entries (python-threatexchange's ``get_index_cls``)."""
        # Imported here: numpy loads only when an index is built, not when a bank list is parsed.
        from tipwatch.media.signal_index import ExactIndex, NearIndex

        return ExactIndex if self.exact else NearIndex


T = TypeVar("T", bound=type[SignalType])
_TYPES: dict[str, SignalType] = {}
_NAMES: dict[str, str] = {}  # name or alias (lower-case) -> name
_builtins_loaded = False
_generation = 0


def register(cls: T) -> T:
    """Class decorator: make ``cls`` a signal type that formats, banks, hashing, the index and storage use."""
    name = getattr(cls, "name", "")
    if not name or not _NAME.match(name) or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{cls.__name__}: a signal type needs a lower-case name of at most {MAX_NAME_LENGTH} chars")
    bits = getattr(cls, "bits", 0)
    if not 0 < bits <= MAX_BITS or bits % 8:
        raise ValueError(f"{name}: bits must be a multiple of 8 between 8 and {MAX_BITS}, got {bits}")
    _load_builtins()
    spellings = {s.lower() for s in (name, *cls.aliases)}
    taken = sorted(s for s in spellings if _NAMES.get(s, name) != name)
    if taken:
        raise ValueError(f"{name}: {', '.join(taken)} already name(s) another signal type")
    unregister(name)
    _TYPES[name] = cls()
    _NAMES.update(dict.fromkeys(spellings, name))
    _bump()
    return cls


def unregister(name: str) -> None:
    if _TYPES.pop(name, None) is not None:
        for key in [k for k, v in _NAMES.items() if v == name]:
            del _NAMES[key]
        _bump()


def _bump() -> None:
    global _generation
    _generation += 1


def generation() -> int:
    """Changes whenever a type is registered or removed (hash caches key on it)."""
    return _generation


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        import tipwatch.media.signals  # noqa: F401  (registers the built-in types)


def signal_types() -> list[SignalType]:
    """All registered types in listing order."""
    _load_builtins()
    return sorted(_TYPES.values(), key=lambda t: (t.order, t.name))


def names() -> tuple[str, ...]:
    return tuple(t.name for t in signal_types())


def signal_type(name: str) -> SignalType:
    """The registered type of this name; KeyError naming the known ones."""
    _load_builtins()
    try:
        return _TYPES[name]
    except KeyError:
        raise KeyError(f"unknown signal type {name!r} (known: {', '.join(names())})") from None


def lookup(text: str) -> SignalType | None:
    """The type a name or alias means (``photo_md5`` -> md5), case and surrounding spaces ignored; None if none."""
    _load_builtins()
    name = _NAMES.get(text.strip().lower())
    return None if name is None else _TYPES[name]
