"""Run Plugboard processes as Prefect flows: one task run per component.

```python
from plugboard_prefect import PrefectProcess
```

Needs the `prefect` extra: `pip install 'plugboard[prefect]'`.
"""

try:
    import prefect  # noqa: F401
except ImportError:
    raise ImportError(
        "plugboard_prefect needs Prefect, which is not installed: pip install 'plugboard[prefect]'"
    ) from None

from plugboard_prefect import blocks as _blocks  # noqa: F401 - installs the block loader
from plugboard_prefect.flow import load_process, process_flow, run_model
from plugboard_prefect.options import ProcessOptions, TaskOptions
from plugboard_prefect.process import PrefectProcess


__all__ = [
    "PrefectProcess",
    "ProcessOptions",
    "TaskOptions",
    "load_process",
    "process_flow",
    "run_model",
]
