"""The text of a notice with the elements of DSA Art. 16(2): (a) a substantiated explanation of why the content is
illegal, (b) the exact URLs, (c) the notifier's name and e-mail (left out when the notice concerns child sexual abuse
material, as Art. 16(2)(c) allows), (d) the statement of good faith. Pure: the service gathers the inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Art. 16(2)(d), in the Regulation's own words.
GOOD_FAITH = (
    "I confirm my bona fide belief that the information and allegations contained in this notice are accurate and "
    "complete (Regulation (EU) 2022/2065, Art. 16(2)(d))."
)
LEGAL_GROUND = (
    "The content appears to advertise the sexual or labour exploitation of persons, an offence of trafficking in "
    "human beings (Directive 2011/36/EU, Art. 2, as transposed into national law)."
)
CSAM_GROUND = (
    "An image of this content matched a hash list of known child sexual abuse material (Directive 2011/93/EU, "
    "Art. 5). The material is not attached and was not viewed or copied by the notifier."
)


@dataclass(frozen=True, slots=True)
class Item:
    """One piece of content: a post's exact URL and the grounds drawn from its indicators and identifiers."""

    post_id: str
    url: str
    grounds: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Notifier:
    name: str
    email: str


def subject(platform: str, count: int, csam: bool) -> str:
    what = "child sexual abuse material" if csam else "human trafficking content"
    return f"Notice of illegal content (DSA Art. 16): {count} URL(s) on {platform}, suspected {what}"


def explanation(items: Sequence[Item], csam: bool) -> str:
    """Art. 16(2)(a): why the content is illegal, per URL."""
    lines = [CSAM_GROUND if csam else LEGAL_GROUND, ""]
    for n, item in enumerate(items, start=1):
        lines.append(f"{n}. {item.url}")
        lines.extend(f"   - {g}" for g in item.grounds)
    return "\n".join(lines)


def body(
    platform: str,
    items: Sequence[Item],
    notifier: Notifier | None,
    *,
    csam: bool,
    trusted_flagger: bool,
    reviewed_by: str,
) -> str:
    """The whole notice as plain text (what the e-mail carries and the webhook's ``text`` field)."""
    parts = [f"To: {platform}", ""]
    if trusted_flagger:
        parts += ["This notice is submitted by a trusted flagger (DSA Art. 22): please process it with priority.", ""]
    parts += ["1. Why the content is illegal (Art. 16(2)(a))", explanation(items, csam), ""]
    parts += ["2. Exact location of the content (Art. 16(2)(b))", *[item.url for item in items], ""]
    parts.append("3. Notifier (Art. 16(2)(c))")
    if notifier is None:
        parts.append("Withheld: the notice concerns child sexual abuse material (Art. 16(2)(c)).")
    else:
        parts += [f"Name: {notifier.name}", f"E-mail: {notifier.email}"]
    parts += ["", "4. Statement of good faith (Art. 16(2)(d))", GOOD_FAITH, ""]
    parts.append(
        f"The grounds above were found by automated indicators and reviewed by a person ({reviewed_by}) before sending."
    )
    return "\n".join(parts) + "\n"
