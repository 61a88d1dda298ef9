"""Runs the traced tank model, loads its trace with pandas and plots the level over steps.

    python run.py [PLOT.png]

The plot goes to level.png beside this file unless another path is given.
"""

import asyncio
from pathlib import Path
import sys

from tank_control import Inflow, LevelController, Tank, Valve

from plugboard.connector import AsyncioConnector
from plugboard.process import LocalProcess
from plugboard.schemas import ConnectorSpec
from plugboard.trace import Trace, load


HERE = Path(__file__).resolve().parent


def connect(source: str, target: str) -> AsyncioConnector:
    """Links an output field (`component.field`) to an input field."""
    return AsyncioConnector(spec=ConnectorSpec(source=source, target=target))


async def simulate(trace_path: Path) -> None:
    """Runs the model (the same as model.yaml) with every step traced to `trace_path`."""
    process = LocalProcess(
        name="tank-level-control",
        components=[
            Inflow(name="inflow", base=2.0, step_to=3.0, change_at=30, steps=60),
            Tank(name="tank", area=4.0, coeff=1.5, initial_values={"opening": [0.5]}),
            LevelController(name="controller", setpoint=5.0, gain=0.3, bias=0.5),
            Valve(name="valve", rate=0.1, opening=0.5),
        ],
        connectors=[
            connect("inflow.flow", "tank.inflow"),
            connect("tank.level", "controller.level"),
            connect("controller.command", "valve.command"),
            connect("valve.opening", "tank.opening"),
        ],
        trace=Trace(str(trace_path)),
    )
    async with process:
        await process.run()
    print(f"{process.name}: {process.status}; traced {process.trace.rows_written} steps")


def plot(trace_path: Path, png: Path) -> None:
    """Plots the tank's level and the valve's opening over the time steps."""
    import matplotlib

    matplotlib.use("Agg")  # draw to a file, no window
    import matplotlib.pyplot as plt

    df = load(trace_path)
    tank = df[df.component == "tank"]
    valve = df[df.component == "valve"]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
    top.plot(tank.step, tank["outputs.level"], label="level")
    top.axhline(5.0, color="grey", linestyle="--", label="setpoint")
    top.set_ylabel("tank level")
    top.legend()
    bottom.plot(valve.step, valve["outputs.opening"], color="tab:orange")
    bottom.set_ylabel("valve opening")
    bottom.set_xlabel("step")
    fig.suptitle("Tank level control, from the trace")
    fig.tight_layout()
    fig.savefig(png, dpi=80)
    plt.close(fig)
    print(f"level at the last step: {tank['outputs.level'].iloc[-1]:.3f}; plot in {png.name}")


if __name__ == "__main__":
    trace_file = HERE / "trace.parquet"
    asyncio.run(simulate(trace_file))
    plot(trace_file, Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "level.png")
