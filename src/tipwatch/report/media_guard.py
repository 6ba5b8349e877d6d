"""Built-in post flagger: posts whose images matched an abuse-material hash bank get their image references withheld.

The media repository keeps the never-shown list; the report asks it (``store.media.restricted_posts``) for every post
it shows rather than trusting a plug-in to be installed. The page never embeds images anyway; for these posts even
the text references (file names, URLs) are left out. Errors propagate: no page is better than one that leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tipwatch.report.sections import PostFlag

if TYPE_CHECKING:
    from tipwatch.store.facade import Store

RESTRICTED = PostFlag(
    code="restricted_media",
    label="images withheld: abuse-material hash match",
    detail="An image of this post matched an abuse-material hash bank. It is never copied, shown or linked; "
    "see the mandatory-reporting queue.",
    level="alert",
    withhold_images=True,
)


def restricted_media_flagger(store: Store, post_ids: Sequence[str]) -> dict[str, list[PostFlag]]:
    return {pid: [RESTRICTED] for pid in store.media.restricted_posts(post_ids)}
