"""The command-line contract of docs/design.md: bad input, CSV columns, JSON keys.

Bad input exits 2 with one stderr line naming the argument and no traceback;
`--csv FILE` writes the documented columns; `simulate --json` prints one object
with the documented keys. Values are checked against the Python API (and, in
the other accuracy tests, against NEURON).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from oracle import ours

CSV_COLUMNS = [
    "t_ms", "v_mV", "m", "h", "n", "i_na_uA_cm2", "i_k_uA_cm2", "i_l_uA_cm2", "i_stim_uA_cm2"
]  # fmt: skip

BAD_INPUT = [
    # (arguments, the argument the message must name)
    (["simulate", "--pulse", "5,1"], "--pulse"),
    (["simulate", "--pulse", "5,-1,20"], "--pulse"),
    (["simulate", "--pulse", "5,0,20"], "--pulse"),
    (["simulate", "--pulse", "a,b,c"], "--pulse"),
    (["simulate", "--pulse", "-1,1,20"], "--pulse"),
    (["simulate", "--preset", "no-such-preset"], "--preset"),
    (["simulate", "--set", "gfoo=1"], "--set"),
    (["simulate", "--set", "gk=abc"], "--set"),
    (["simulate", "--set", "gk"], "--set"),
    (["simulate", "--set", "gk=-5"], "gk"),
    (["simulate", "--tstop", "0"], "--tstop"),
    (["simulate", "--tstop", "-5"], "--tstop"),
    (["simulate", "--dt", "5"], "--dt"),
    (["simulate", "--dt", "0"], "--dt"),
    (["simulate", "--block", "curare"], "--block"),
    (["simulate", "--celsius", "nan"], "--celsius"),
    (["sweep", "threshold", "--width", "-1"], "--width"),
    (["sweep", "strength-duration", "--widths", "1,-2"], "--widths"),
    (["sweep", "fi", "--amps", "x"], "--amps"),
    (["sweep", "fi", "--amps", "10", "--duration", "0"], "--duration"),
    (["sweep", "refractory", "--isis", "-1"], "--isis"),
    (["sweep", "refractory", "--isis", "5", "--max-amp", "-3"], "--max-amp"),
]


@pytest.mark.parametrize(("args", "names"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line(args: list[str], names: str) -> None:
    """Exit status 2, one stderr line naming the argument, no traceback, nothing on stdout."""
    proc = ours.run_cli(args)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1, proc.stderr
    assert names in lines[0], lines[0]
    assert proc.stdout == ""


def test_csv_columns_and_values(tmp_path: Path) -> None:
    """`--csv FILE`: the documented header, one row per sample, values as the API's."""
    from tutor.sim import Pulse, load_preset, simulate

    path = tmp_path / "trace.csv"
    proc = ours.run_cli(
        ["simulate", "--preset", "squid", "--pulse", "5,1,20", "--tstop", "20", "--csv", str(path)]
    )
    assert proc.returncode == 0, proc.stderr
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == CSV_COLUMNS
    data = np.array(rows[1:], dtype=float)
    assert data.shape == (801, 9)
    res = simulate(load_preset("squid"), [Pulse(delay_ms=5, width_ms=1, amp_uA_cm2=20)], 20.0)
    api = np.column_stack(
        [res.t_ms, res.v_mV, res.m, res.h, res.n, res.i_na, res.i_k, res.i_l, res.i_stim]
    )
    # CSV values are printed with 6 significant digits
    np.testing.assert_allclose(data, api, rtol=1e-5, atol=1e-5)
    assert np.allclose(np.diff(data[:, 0]), 0.025)
    on = (data[:, 0] >= 5.0) & (data[:, 0] < 6.0)
    assert np.all(data[on, 8] == 20.0) and np.all(data[~on, 8] == 0.0)


def test_simulate_json_keys() -> None:
    """`simulate --json` prints one object with the documented keys; events in time order."""
    proc = ours.run_cli(["simulate", "--preset", "squid", "--pulse", "5,1,20", "--json"])
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    keys = {"rest_mV", "spikes_ms", "peak_mV", "peak_ms", "ahp_min_mV", "ahp_ms", "events"}
    assert keys | {"params"} <= out.keys()
    assert out["params"]["gna"] == 120.0 and out["params"]["celsius"] == 6.3
    times = [e["t_ms"] for e in out["events"]]
    assert times == sorted(times)
    assert {"spike", "peak", "ahp_min"} <= {e["kind"] for e in out["events"]}
    spike = next(e for e in out["events"] if e["kind"] == "spike")
    assert spike["t_ms"] == pytest.approx(out["spikes_ms"][0], abs=0.025)
