"""Media: image loading, hashing (SHA-256, MD5, PDQ and any other registered signal type: ``signal_types``), bank
rules, the match index, faces; pure stages (storage is ``tipwatch.store``, use cases ``tipwatch.services``).

Importing this package is cheap; heavy modules (numpy, Pillow, pdqhash, dlib) load only in the submodules that use
them. Faces live in ``tipwatch.media.faces`` and need the optional ``tipwatch[faces]`` extra.
"""
