"""Typed storage interfaces, one module per area (posts and runs, links and networks, media and banks, faces,
watches and alerts, labels, report queries).

Services and stages depend on these abstract classes only; ``tipwatch.store.sql`` implements them with SQLAlchemy
on SQLite and PostgreSQL (the way OpenMediaMatch keeps ``storage/interface.py`` apart from its PostgreSQL
implementation). Interfaces speak in plain records (dataclasses, ids, numpy arrays), never in rows or connections,
and import nothing from SQLAlchemy.
"""
