"""Services: one module per use case (analyze, networks, banks and matching, faces, watches and alerts, trends,
report, labels). Front doors (the CLI today; the web app, the API and other engines tomorrow) parse their input,
call a service with a ``Store`` and plain values, and present the result. Services orchestrate the pure core stages
and the storage interfaces; they hold no SQL and print nothing (progress goes through callbacks)."""
