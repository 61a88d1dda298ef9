"""The plant monitor through the ready-made flow `flows/plugboard_process.py:run_process`.

python deploy.py               # one flow run now
python deploy.py --serve       # a deployment served from this process, every 15 minutes
python deploy.py --pool NAME   # a deployment run by the workers of a process work pool
"""

import asyncio
from pathlib import Path
import sys

from prefect import Flow


HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]  # the repository, which holds flows/
PARAMETERS = {
    "config": str(HERE / "model.yaml"),  # a path, or an fsspec URL such as s3://bucket/model.yaml
    "params": {"component.sensor.arg.readings": 24},  # the names `plugboard process run -p` takes
}


def main() -> None:
    """Loads the flow from its entrypoint and runs, serves or deploys it with this model."""
    run_process = Flow.from_source(
        source=str(ROOT), entrypoint="flows/plugboard_process.py:run_process"
    )
    if "--serve" in sys.argv:
        run_process.serve(name="plant-monitor", cron="*/15 * * * *", parameters=PARAMETERS)
    elif "--pool" in sys.argv:
        pool = sys.argv[sys.argv.index("--pool") + 1]
        run_process.deploy(
            name="plant-monitor", work_pool_name=pool, cron="*/15 * * * *", parameters=PARAMETERS
        )
    else:
        summary = asyncio.run(run_process(**PARAMETERS))
        for row in summary:
            print(f"{row['component']}: {row['status']}, {row['steps']} steps")


if __name__ == "__main__":
    main()
