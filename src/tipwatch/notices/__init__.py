"""Takedown notices (DSA Art. 16), pure parts: the platform registry, the notice text, the removal check. The use
cases (draft, approve, send, recheck) are ``tipwatch.services.notices``."""
