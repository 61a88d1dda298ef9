"""The plant monitor as a Prefect `Flow` object, built from model.yaml by `process_flow()`.

python as_flow.py            # one flow run now
python as_flow.py --serve    # a deployment served from this process, every 15 minutes
"""

import asyncio
from pathlib import Path
import sys

from plugboard_prefect import process_flow


HERE = Path(__file__).resolve().parent


def main() -> None:
    """Builds the flow (checking the model now) and runs it once or serves it."""
    flow = process_flow(HERE / "model.yaml")  # named after the process: plant-monitor
    if "--serve" in sys.argv:
        flow.serve(name="plant-monitor-every-15-minutes", cron="*/15 * * * *")
        return
    summary = asyncio.run(flow())  # one row per component, as in the summary artifact
    for row in summary:
        print(f"{row['component']}: {row['status']}, {row['steps']} steps")


# Serving runs each flow run in a new Python process that imports this file again: the guard
# keeps that import from serving a second time.
if __name__ == "__main__":
    main()
