"""Command-line interface: one module per command (``*_cmd.py``), registered in ``main.py``."""
