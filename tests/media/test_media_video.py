"""Video (stretch): frames at 1 fps through ffmpeg, each frame's PDQ matched through the same index."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from media_helpers import photo
from PIL import Image

from tipwatch.media.hashing import hash_bytes
from tipwatch.media.index import BankRef, MatchIndex
from tipwatch.media.post_media import analyze_post_media
from tipwatch.media.video import hash_video, match_video
from tipwatch.model import Post

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed (Debian package ffmpeg)")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s at 5 fps: seconds 0-1 show picture A, seconds 2-3 picture B."""
    folder = tmp_path_factory.mktemp("video")
    a, b = photo(71, (320, 240)), photo(72, (320, 240))
    for i in range(20):
        (a if i < 10 else b).save(folder / f"f{i:03d}.png")
    out = folder / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-framerate", "5", "-i", str(folder / "f%03d.png"),
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", str(out)],
        check=True,
    )  # fmt: skip
    b.save(folder / "b.png")
    return out


def test_frames_sampled_and_matched(clip: Path) -> None:
    vh = hash_video(clip)
    assert vh.error is None and len(vh.frames) == 4
    assert [f.second for f in vh.frames] == [0.0, 1.0, 2.0, 3.0]
    b_rotated = Image.open(clip.parent / "b.png").transpose(Image.Transpose.ROTATE_90)
    bank_hash = hash_bytes(_png(b_rotated)).pdq or ""
    index = MatchIndex.from_entries([BankRef(1, "victims", False, 31)], [(0, 7, "pdq", bank_hash)])
    hits = match_video(vh, index)
    assert len(hits) == 1 and hits[0].second >= 2.0 and hits[0].match.entry_id == 7
    assert hits[0].match.variant != "original"


def test_bad_videos_give_reasons(tmp_path: Path, clip: Path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"this is not a video")
    assert hash_video(fake).error and not hash_video(fake).frames
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:2000])
    got = hash_video(cut)
    assert got.error or len(got.frames) < 4  # damaged: fewer frames or a reason, never an exception


def test_video_in_a_post(clip: Path) -> None:
    post = Post(id="v", source=str(clip.parent / "posts.jsonl"), position="1", images=["clip.mp4", "nope.mp4"])
    out = analyze_post_media(post, None)
    assert out.items[0].status == "ok" and out.items[0].format == "video" and "4 frame(s)" in out.items[0].reason
    assert out.items[0].sha256 and out.items[1].status == "rejected" and "no such file" in out.items[1].reason


def _png(img: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
