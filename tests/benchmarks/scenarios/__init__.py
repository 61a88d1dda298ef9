"""One module per benchmark scenario; each exposes `SCENARIO` (see `tests.benchmarks.registry`).

This package imports nothing on purpose: a plain-asyncio child process must not pull in plugboard.
"""
