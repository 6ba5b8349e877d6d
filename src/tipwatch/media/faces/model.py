"""Face detection and 128-d embeddings with dlib's ResNet model (the one ``face_recognition`` uses).

The model files ship in the ``face-recognition-models`` package. We locate them with importlib without importing
that package: its __init__ imports pkg_resources, which setuptools 82 removed. dlib comes from ``dlib-bin`` (a
prebuilt wheel), so no compiler and no ``--no-deps`` step are needed.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

MODEL_NAME = "dlib_face_recognition_resnet_model_v1"
# Detection runs on a copy whose longer side is at most this: HOG cost grows with pixels, and faces in ad photos
# stay well above the detector's ~80 px minimum at this size.
DETECT_MAX_SIDE = 1280


class FacesUnavailable(RuntimeError):
    """The faces extra is not installed."""


@dataclass(slots=True, frozen=True)
class Face:
    box: tuple[int, int, int, int]  # top, right, bottom, left in the input image's pixels
    embedding: np.ndarray  # (128,) float32

    @property
    def area(self) -> int:
        top, right, bottom, left = self.box
        return max(0, bottom - top) * max(0, right - left)


def model_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FacesUnavailable("face search needs the faces extra: pip install 'tipwatch[faces]'")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class FaceModel:
    """dlib's HOG face detector, 5-point landmarks and ResNet encoder, loaded once per process."""

    def __init__(self) -> None:
        try:
            import dlib
        except ImportError as exc:
            raise FacesUnavailable("face search needs the faces extra: pip install 'tipwatch[faces]'") from exc
        models = model_dir()
        self._dlib: Any = dlib
        self.detector = dlib.get_frontal_face_detector()
        self.landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self.encoder = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))
        # One model per process, called from the web server's thread pool: dlib's networks are not safe to call from
        # two threads at once, so searches take turns.
        self._busy = threading.Lock()

    def faces(self, rgb: np.ndarray, *, upsample: int = 1, jitters: int = 1) -> list[Face]:
        """Every face found in an RGB uint8 image, with its embedding; largest first."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        h, w = rgb.shape[:2]
        scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
        work = rgb
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            work = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
        out = []
        with self._busy:
            for rect in self.detector(work, upsample):
                shape = self.landmarks(work, rect)
                emb = np.asarray(self.encoder.compute_face_descriptor(work, shape, jitters), dtype=np.float32)
                box = (rect.top(), rect.right(), rect.bottom(), rect.left())
                out.append(Face(tuple(round(v / scale) for v in box), emb))  # type: ignore[arg-type]
        return sorted(out, key=lambda f: -f.area)


_lock = threading.Lock()
_model: FaceModel | None = None


def face_model() -> FaceModel:
    """The process-wide model (loading takes about a second)."""
    global _model
    with _lock:
        if _model is None:
            _model = FaceModel()
        return _model


def available() -> bool:
    try:
        import dlib  # noqa: F401
    except ImportError:
        return False
    try:
        return (model_dir() / "dlib_face_recognition_resnet_model_v1.dat").is_file()
    except FacesUnavailable:
        return False
