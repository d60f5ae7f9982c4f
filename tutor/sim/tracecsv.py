"""The one trace CSV writer: `tutor simulate --csv` and the lab's export (`x`) both use it.

Columns carry their units in their headers (`t_ms`, `v_mV`, `i_na_uA_cm2`…;
gates are dimensionless fractions; currents in µA/cm², outward positive,
`i_stim_uA_cm2` inward positive). Files written before the headers carried
units (`i_na`, `i_k`, `i_l`, `i_stim`) still read with :func:`read_trace_csv`
and values are printed with `%.6g`, like NEURON's printf, so the two files
compare column by column with NEURON's output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TextIO

#: Columns of a trace (result attributes, the lab's buffer), in CSV order.
TRACE_COLUMNS: tuple[str, ...] = ("t_ms", "v_mV", "m", "h", "n", "i_na", "i_k", "i_l", "i_stim")
#: Header of each column in a CSV file: the unit in the name (gates are fractions, 0–1,
#: and keep their bare names); µA/cm² is spelled `uA_cm2`, ASCII for every reader.
CSV_HEADERS: dict[str, str] = {
    "t_ms": "t_ms",
    "v_mV": "v_mV",
    "m": "m",
    "h": "h",
    "n": "n",
    "i_na": "i_na_uA_cm2",
    "i_k": "i_k_uA_cm2",
    "i_l": "i_l_uA_cm2",
    "i_stim": "i_stim_uA_cm2",
    "i_pump": "i_pump_uA_cm2",
    "i_ion": "i_ion_uA_cm2",
}
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
    out.write(",".join(CSV_HEADERS.get(name, name) for name in names) + "\n")
    for start in range(0, rows, CHUNK_ROWS):
        table = np.column_stack([c[start : start + CHUNK_ROWS] for c in cols])
        out.write((row * len(table)) % tuple(table.ravel().tolist()))
    return rows


def column_name(header: str) -> str:
    """The trace column a CSV header stands for: ``i_na_uA_cm2`` and the unitless
    ``i_na`` of older files both give ``i_na``; unknown headers are returned as they are."""
    for name, head in CSV_HEADERS.items():
        if header in (name, head):
            return name
    return header


def read_trace_csv(source: TextIO) -> dict[str, Any]:
    """Read a trace CSV (this writer's, or an older one without units in the headers)
    into float arrays keyed by `TRACE_COLUMNS` names (``t_ms``, ``v_mV``, ``i_na``…)."""
    import csv

    import numpy as np

    rows = list(csv.reader(source))
    if not rows:
        raise ValueError("empty CSV: no header")
    names = [column_name(h.strip()) for h in rows[0]]
    table = np.array([[float(x) if x else np.nan for x in r] for r in rows[1:]], dtype=float)
    table = table.reshape(len(rows) - 1, len(names))
    return {name: table[:, i] for i, name in enumerate(names)}
