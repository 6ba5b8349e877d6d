"""Evidence that holds up: content-addressed artifacts, signed chains of custody, WACZ bundles and their offline
verification. Pure pieces (no store, no services); ``services.capture`` and ``services.evidence`` orchestrate."""
