"""Every CSV the tool writes names its unit in each header, and old files still read.

Units are spelled in ASCII suffixes (`_ms`, `_mV`, `_uA_cm2`); the gates m, h, n
are fractions and the clamp's `run` an index, so those carry none.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from tutor.cli import main
from tutor.sim.tracecsv import TRACE_COLUMNS, read_trace_csv

UNIT_SUFFIXES = ("_ms", "_mV", "_uA_cm2")
DIMENSIONLESS = {"m", "h", "n", "run"}


def assert_units(header: list[str]) -> None:
    for name in header:
        assert name in DIMENSIONLESS or name.endswith(UNIT_SUFFIXES), f"{name!r} has no unit"


def header_of(path: Path) -> list[str]:
    with path.open(newline="") as fh:
        return next(csv.reader(fh))


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--preset", "squid", "--pulse", "5,1,20", "--tstop", "10"],
        ["clamp", "--preset", "squid", "--steps", "-20,0", "--dur", "2", "--dt", "0.5"],
    ],
)
def test_command_csv_headers_carry_units(args: list[str], tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert main([*args, "--csv", str(path)]) == 0
    header = header_of(path)
    assert_units(header)
    assert {"t_ms", "v_mV", "i_na_uA_cm2", "i_k_uA_cm2", "i_l_uA_cm2"} <= set(header)


def test_trace_csv_round_trips_through_the_reader(tmp_path: Path) -> None:
    """`read_trace_csv` gives back the simulated columns under their trace names."""
    from tutor.sim import Pulse, load_preset, simulate

    path = tmp_path / "t.csv"
    assert main(["simulate", "--preset", "squid", "--pulse", "5,1,20", "--tstop", "20",
                 "--csv", str(path)]) == 0  # fmt: skip
    with path.open() as fh:
        cols = read_trace_csv(fh)
    res = simulate(load_preset("squid"), [Pulse(delay_ms=5, width_ms=1, amp_uA_cm2=20)], 20.0)
    assert list(cols) == list(TRACE_COLUMNS)
    for name in TRACE_COLUMNS:
        np.testing.assert_allclose(cols[name], getattr(res, name), rtol=1e-5, atol=1e-5)


def test_older_files_without_units_still_read() -> None:
    """A file written before the headers carried units reads into the same names."""
    old = "t_ms,v_mV,m,h,n,i_na,i_k,i_l,i_stim\n0,-65,0.05,0.6,0.32,-1.5,4.4,-2.9,0\n"
    new = (
        "t_ms,v_mV,m,h,n,i_na_uA_cm2,i_k_uA_cm2,i_l_uA_cm2,i_stim_uA_cm2\n"
        "0,-65,0.05,0.6,0.32,-1.5,4.4,-2.9,0\n"
    )
    a, b = read_trace_csv(io.StringIO(old)), read_trace_csv(io.StringIO(new))
    assert list(a) == list(b) == list(TRACE_COLUMNS)
    for name in TRACE_COLUMNS:
        assert a[name].tolist() == b[name].tolist()
    assert a["i_k"][0] == 4.4
