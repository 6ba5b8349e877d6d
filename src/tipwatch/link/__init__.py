"""Network discovery: link posts (shared identifiers, near-duplicate templates, reused images) into networks.

Entry points for front doors: ``tipwatch.services.networks.update_networks(store)`` (incremental; full build when
needed) and ``tipwatch.services.networks.iter_networks(store)``. The core works on compact columns:
``batch.prepare_batch`` turns posts into shingle sets and entity memberships, ``engine.update`` links and clusters
them.
"""
