"""Where the per-post stages run: `local` (a process pool on this machine) or `spark` (tasks on a Spark cluster)."""
