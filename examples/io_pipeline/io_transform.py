"""The transform step of the IO pipeline: sensor readings to engineering units, with an alarm."""

import typing as _t

from plugboard.component import Component
from plugboard.component import IOController as IO
from plugboard.schemas import ComponentArgsDict


READ = ["ts", "sensor", "temp_c", "pressure_kpa", "flow_lpm"]
"""The columns of readings.csv."""
WRITTEN = ["measured_at", "equipment", "temp_k", "pressure_bar", "flow_m3h", "alarm"]
"""The columns written to PostgreSQL and to Parquet."""


class Convert(Component):
    """Converts one reading: Celsius to kelvin, kPa to bar, litres per minute to m³/h.

    `alarm` is true when the temperature is above `alarm_above_c`. A missing pressure stays
    missing (None), all the way to a NULL in the database and in the Parquet file.
    """

    io = IO(inputs=READ, outputs=WRITTEN)

    def __init__(self, alarm_above_c: float = 90.0, **kwargs: _t.Unpack[ComponentArgsDict]) -> None:
        super().__init__(**kwargs)
        self.alarm_above_c = alarm_above_c

    async def step(self) -> None:
        self.measured_at = self.ts
        self.equipment = self.sensor
        self.temp_k = round(self.temp_c + 273.15, 2)
        self.pressure_bar = None if self.pressure_kpa is None else round(self.pressure_kpa / 100, 4)
        self.flow_m3h = round(self.flow_lpm * 0.06, 4)
        self.alarm = self.temp_c > self.alarm_above_c
