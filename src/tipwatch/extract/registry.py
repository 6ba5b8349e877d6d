"""Identifier types as small registered classes (the way python-threatexchange registers its SignalTypes).

Each type says how it is found in a post, whether it names a person or account (and so can link posts), how a value
typed by an analyst is brought to its stored form, and how it is shown and exported. Adding a type is one module
with one class, registered with ``@register``; the built-in ones are in ``extract/types/``. ``extract()``, the
linking masks, watches and exports read this registry instead of lists of names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, TypeVar

if TYPE_CHECKING:
    from tipwatch.extract.context import Context
    from tipwatch.model import Identifier


class IdentifierType(ABC):
    """One kind of identifier. Subclasses set the class attributes and implement ``find``."""

    name: ClassVar[str]
    # Extraction order: types that claim their spans go first, so the digits in a URL, e-mail or wallet are never
    # read as a phone number. Also the tie-break when two identifiers share a span.
    order: ClassVar[int]
    claims: ClassVar[bool] = False
    # Identifiers of this type that lie inside one of these types' spans are dropped (the e-mail address wins over
    # the domain a URL pattern also sees in it).
    yields_to: ClassVar[tuple[str, ...]] = ()
    # Names a person or an account, so two posts sharing it may be one operator; attributes (price, age, place) don't.
    links: ClassVar[bool] = False
    # Evidence priors for linking when link.yaml does not name the type (see docs/decisions-link.md): m = P(two posts
    # of one poster share the value), chance = expected unrelated posters showing the same value by coincidence.
    link_m: ClassVar[float] = 0.5
    link_chance: ClassVar[float] = 1.0
    # Masked out of the text before near-duplicate linking (a template is compared without its slot values).
    masked: ClassVar[bool] = True
    label: ClassVar[str] = ""
    # FollowTheMoney property of a LegalEntity/Person that holds it, and the STIX 2.1 object type (None: exported as
    # an extension object).
    ftm_property: ClassVar[str | None] = None
    stix_type: ClassVar[str | None] = None

    @abstractmethod
    def find(self, ctx: Context) -> list[Identifier]:
        """Every identifier of this type in ``ctx.text`` (spans in the original text)."""

    def yielded(self, ctx: Context, spans: list[tuple[int, int]]) -> None:
        """Called with the spans this type yielded to: forget any side data kept on ``ctx`` for them."""
        return None  # most types keep none

    def canonical(self, value: str, region: str = "IN") -> str | None:
        """The stored form of a value an analyst typed ("98765 43210" -> "+919876543210"); None if it is not one."""
        from tipwatch.extract.context import Context

        ctx = Context(value, region)
        found = [i for i in self.find(ctx) if i.type == self.name]
        return found[0].value if found else None


T = TypeVar("T", bound=type[IdentifierType])
_TYPES: dict[str, IdentifierType] = {}
_builtins_loaded = False
# extract() asks for the ordered types once per post: kept sorted, rebuilt only when a type is (un)registered.
_ordered: tuple[IdentifierType, ...] | None = None
_linking: frozenset[str] | None = None


def _changed() -> None:
    global _ordered, _linking
    _ordered = _linking = None


def register(cls: T) -> T:
    """Class decorator: make ``cls`` an identifier type that ``extract()`` and linking use."""
    if not getattr(cls, "name", None):
        raise ValueError(f"{cls.__name__}: an identifier type needs a name")
    _TYPES[cls.name] = cls()
    _changed()
    return cls


def unregister(name: str) -> None:
    _TYPES.pop(name, None)
    _changed()


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        import tipwatch.extract.types  # noqa: F401  (registers the built-in types)


def identifier_types() -> tuple[IdentifierType, ...]:
    """All registered types in extraction order."""
    global _ordered
    _load_builtins()
    if _ordered is None:
        _ordered = tuple(sorted(_TYPES.values(), key=lambda t: (t.order, t.name)))
    return _ordered


def identifier_type(name: str) -> IdentifierType:
    _load_builtins()
    try:
        return _TYPES[name]
    except KeyError:
        raise KeyError(f"unknown identifier type {name!r} (known: {', '.join(sorted(_TYPES))})") from None


def linking_types() -> frozenset[str]:
    """Names of the types that can link posts (phones, e-mails, handles, wallets, URLs and any registered later)."""
    global _linking
    if _linking is None:
        _linking = frozenset(t.name for t in identifier_types() if t.links)
    return _linking


def masked_types() -> tuple[str, ...]:
    """Types whose spans are masked before template linking (a slot value is not part of a template)."""
    return tuple(t.name for t in identifier_types() if t.masked)
