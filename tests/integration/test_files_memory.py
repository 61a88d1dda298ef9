"""Memory stays flat: a 1 GB CSV through FileReader -> FileWriter(Parquet) in a child process.

The child is `plugboard process run model.yaml`; its peak resident memory comes from
`os.wait4` (the child's own rusage). The input is about 1 GB of wide rows (5 columns, two
of them long strings), so that it is written and read in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys
import textwrap
import time

import pyarrow.parquet as pq


TARGET_BYTES = 1_000_000_000
PEAK_LIMIT = 400 << 20  # bytes of resident memory the child may reach at most
TEXTS = [(chr(ord("a") + k % 26) * 7 + f"-{k:04d}-") * 80 for k in range(97)]  # ~1 KB each

MODEL = """
plugboard:
  process:
    args:
      name: big-csv-to-parquet
      components:
      - type: plugboard.library.FileReader
        args:
          name: reader
          path: big.csv
          field_names: [key, value, left, right, flag]
      - type: plugboard.library.FileWriter
        args:
          name: writer
          path: big.parquet
          field_names: [key, value, left, right, flag]
      connectors:
      - {source: reader.key, target: writer.key}
      - {source: reader.value, target: writer.value}
      - {source: reader.left, target: writer.left}
      - {source: reader.right, target: writer.right}
      - {source: reader.flag, target: writer.flag}
"""


def write_csv(path: Path, target: int) -> int:
    """Writes wide rows until the file holds about `target` bytes; returns the row count."""
    rows = 0
    block = 2000
    with path.open("w", encoding="ascii", newline="") as file:
        file.write("key,value,left,right,flag\n")
        size = 0
        while size < target:
            lines = [
                f"{n},{n * 0.25},{TEXTS[n % 97]},{TEXTS[(n * 7) % 97]},{'true' if n % 2 else 'false'}\n"
                for n in range(rows, rows + block)
            ]
            text = "".join(lines)
            file.write(text)
            size += len(text)
            rows += block
    return rows


def test_a_1_gb_csv_to_parquet_keeps_memory_flat(tmp_path: Path) -> None:
    try:
        run_pipeline(tmp_path)
    finally:
        # pytest keeps the folders of recent runs: do not leave a gigabyte behind.
        for name in ("big.csv", "big.parquet"):
            (tmp_path / name).unlink(missing_ok=True)


def run_pipeline(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    started = time.monotonic()
    rows = write_csv(source, TARGET_BYTES)
    size = source.stat().st_size
    generated = time.monotonic() - started
    (tmp_path / "model.yaml").write_text(textwrap.dedent(MODEL).lstrip())

    started = time.monotonic()
    command = [
        str(Path(sys.executable).with_name("plugboard")),
        "process",
        "run",
        str(tmp_path / "model.yaml"),
    ]
    with (tmp_path / "run.log").open("wb") as log:
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    ran = time.monotonic() - started
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    output = (tmp_path / "run.log").read_text(errors="replace")[-2000:]
    report = (
        f"input {size / 1e9:.2f} GB, {rows:,} rows (written in {generated:.1f} s);"
        f" run {ran:.1f} s; child peak RSS {peak / 2**20:.0f} MiB"
    )
    print(report)
    assert proc.returncode == 0, output
    assert size >= TARGET_BYTES
    assert peak < PEAK_LIMIT, report

    parquet = pq.ParquetFile(tmp_path / "big.parquet")
    assert parquet.metadata.num_rows == rows
    keys = pq.read_table(tmp_path / "big.parquet", columns=["key"]).column("key")
    assert keys[0].as_py() == 0 and keys[rows - 1].as_py() == rows - 1
    assert len(keys.unique()) == rows
