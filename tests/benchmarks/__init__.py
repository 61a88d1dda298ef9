"""Benchmarks: plugboard against the published release and a plain-asyncio floor of the same shape.

Run with `uv run python -m tests.benchmarks` (see `docs/performance.md`). Importing this
package imports nothing from plugboard, so that subprocess measurements of the floor stay clean.
"""
