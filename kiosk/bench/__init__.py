"""Benchmarks that run inside the ``kiosk`` command (``kiosk bench ...``): they print figures, never assert them."""
