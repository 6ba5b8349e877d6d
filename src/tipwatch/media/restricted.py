"""Transitional alias, to be deleted once store/writer.py calls ``tipwatch.store.sql.media.write_post_media``
directly: storing post media and restricting abuse-material matches now live in the store
(``tipwatch.store.interface.media.MediaStore``)."""

from tipwatch.store.sql.media import write_post_media

__all__ = ["write_post_media"]
