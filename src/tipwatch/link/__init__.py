"""Network discovery: link posts (shared identifiers, near-duplicate templates, reused images) into networks.

Public entry points: ``tipwatch.link.api.update_networks(engine)`` (incremental; full build when needed) and
``tipwatch.link.api.iter_networks(engine)``. The core works on compact columns: ``batch.prepare_batch`` turns posts
into shingle sets and entity memberships, ``engine.update`` links and clusters them.
"""
