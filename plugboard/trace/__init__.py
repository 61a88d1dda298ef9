"""Opt-in trace of component steps: inputs, outputs, events and state, for analysis.

Attach a `Trace` to a process (`LocalProcess(..., trace=Trace("run.parquet"))`, `trace:` in
YAML or `plugboard process run --trace run.parquet`), then read it back with `load()`.
"""

from plugboard.schemas.trace import TraceSpec
from plugboard.trace.load import load
from plugboard.trace.trace import Trace, TraceError


__all__ = ["Trace", "TraceError", "TraceSpec", "load"]
