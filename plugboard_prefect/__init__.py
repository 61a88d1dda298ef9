"""Run Plugboard processes as Prefect flows: one task run per component.

```python
from plugboard_prefect import PrefectProcess
```

Needs the `prefect` extra: `pip install 'plugboard[prefect]'`.
"""

import importlib.util


if importlib.util.find_spec("prefect") is None:  # pragma: no cover - depends on the install
    raise ImportError(
        "plugboard_prefect needs Prefect, which is not installed: pip install 'plugboard[prefect]'"
    )

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
