"""Knowledge files of the redact package (YAML, a cited source per entry)."""
