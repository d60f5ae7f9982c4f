"""The one trace CSV writer: `tutor simulate --csv` and the lab's export (`x`) both use it.

Columns carry their units in their names (`t_ms`, `v_mV`; gates are
dimensionless, currents in µA/cm², outward positive, `i_stim` inward positive)
and values are printed with `%.6g`, like NEURON's printf, so the two files
compare column by column with NEURON's output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TextIO

#: Columns of a trace CSV, in order (units in the names).
TRACE_COLUMNS: tuple[str, ...] = ("t_ms", "v_mV", "m", "h", "n", "i_na", "i_k", "i_l", "i_stim")
#: Rows formatted and written at a time.
CHUNK_ROWS = 10_000


def write_trace_csv(
    columns: Mapping[str, Any], out: TextIO, names: Sequence[str] = TRACE_COLUMNS
) -> int:
    """Write `names` (each a 1-D array of equal length in `columns`) as CSV; returns the row count.

    Each chunk of CHUNK_ROWS rows is formatted by one `%` operation on a
    repeated row format (~10× faster than value by value, which matters for
    long traces) and written at once, so memory stays bounded (~1 MB of text)
    however long the trace: a 10⁶-sample run never becomes one giant string.
    """
    import numpy as np

    cols = [np.asarray(columns[name], dtype=float) for name in names]
    rows = len(cols[0]) if cols else 0
    row = ",".join(["%.6g"] * len(names)) + "\n"
    out.write(",".join(names) + "\n")
    for start in range(0, rows, CHUNK_ROWS):
        table = np.column_stack([c[start : start + CHUNK_ROWS] for c in cols])
        out.write((row * len(table)) % tuple(table.ravel().tolist()))
    return rows
