"""Face search for missing persons: a registry of enrolled persons, ranked candidates, an append-only search log.

Needs the optional extra ``tipwatch[faces]`` (dlib-bin and face-recognition-models) only for detecting and embedding
faces (``tipwatch.media.faces.model``); the registry, ranking and log work without it. Results are candidates for
a person to review, ranked by distance: never an identification. See docs/model-card-faces.md.
"""
