"""`tutor propagate` and `tutor sweep velocity`: the JSON contract and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from oracle.ours import cli_json, run_cli

KEYS = {"velocity_m_s", "positions_mm", "spike_ms", "peak_mV", "spike_count", "blocked", "params"}


def test_propagate_json_contract() -> None:
    """The documented keys, one entry per position, and numbers that hang together."""
    out = cli_json(["propagate", "--length", "10", "--json"])
    assert set(out) >= KEYS
    n = len(out["positions_mm"])
    assert n >= 3 and len(out["spike_ms"]) == n and len(out["spike_count"]) == n
    assert out["positions_mm"] == sorted(out["positions_mm"])
    assert out["positions_mm"][0] > 0 and out["positions_mm"][-1] < 10.0
    # velocity from the crossings at 25 % and 75 % of the length (linear between centres)
    t25 = np.interp(2.5, out["positions_mm"], out["spike_ms"])
    t75 = np.interp(7.5, out["positions_mm"], out["spike_ms"])
    assert out["velocity_m_s"] == pytest.approx(5.0 / (t75 - t25), rel=1e-9)  # mm/ms = m/s


def test_propagate_phases_at_the_recorded_positions() -> None:
    """`phases`: one record per asked position, whose summary is its own events' and whose
    spike is that compartment's own first crossing (`spike_ms`)."""
    # 30 mm: both positions have watch points on both sides (λ/2 ≈ 5.3 mm here)
    out = cli_json(["propagate", "--length", "30", "--phase-at", "0.25,0.75", "--json"])
    recs = out["phases"]
    assert [r["position_mm"] for r in recs] == sorted(r["position_mm"] for r in recs)
    assert len(recs) == 2
    for rec in recs:
        k = rec["compartment"]
        assert rec["position_mm"] == pytest.approx(out["positions_mm"][k])
        s = rec["summary"]
        assert s["spike_ms"] == pytest.approx(out["spike_ms"][k], abs=1e-6)
        kinds = [e["kind"] for e in rec["events"]]
        assert kinds.count("spike") == out["spike_count"][k] == 1
        assert s["threshold_ms"] < s["spike_ms"] < s["peak_ms"] < s["absolute_end_ms"]
        assert s["absolute_end_ms"] < s["relative_end_ms"]
    # the spike reaches 75 % later than 25 %, and so do its threshold and refractory ends
    a, b = (r["summary"] for r in recs)
    for key in ("threshold_ms", "peak_ms", "absolute_end_ms", "relative_end_ms"):
        assert a[key] < b[key], key
    none = cli_json(["propagate", "--length", "10", "--phase-at", "none", "--json"])
    assert "phases" not in none


def test_propagate_text_output() -> None:
    proc = run_cli(["propagate", "--length", "10"])
    assert proc.returncode == 0 and "velocity" in proc.stdout and "m/s" in proc.stdout


def test_propagate_both_ends_and_right() -> None:
    both = cli_json(["propagate", "--length", "10", "--stim", "both", "--json"])
    assert set(both["spike_count"]) == {1} and both["blocked"] is False
    right = cli_json(["propagate", "--length", "10", "--stim", "right", "--json"])
    assert right["spike_ms"][0] > right["spike_ms"][-1]


def test_propagate_myelin_demyelinated_block() -> None:
    out = cli_json(["propagate", "--myelin", "--demyelinate", "10,20,100", "--json"])
    assert out["blocked"] is True and out["velocity_m_s"] is None
    assert "node" in out["kinds"] and "internode" in out["kinds"]


def test_sweep_velocity_contract() -> None:
    out = cli_json(["sweep", "velocity", "--diams", "100,400", "--length", "10", "--json"])
    pts = out["points"]
    assert [p["diam_um"] for p in pts] == [100.0, 400.0]
    assert pts[1]["velocity_m_s"] > pts[0]["velocity_m_s"] > 0
    # the same number as `propagate` for that diameter (one definition)
    one = cli_json(["propagate", "--diam", "400", "--length", "10", "--json"])
    assert pts[1]["velocity_m_s"] == pytest.approx(one["velocity_m_s"], rel=1e-12)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["propagate", "--diam", "0"], "--diam"),
        (["propagate", "--diam", "-5"], "--diam"),
        (["propagate", "--length", "0"], "--length"),
        (["propagate", "--length", "-1"], "--length"),
        (["propagate", "--nseg", "2"], "--nseg"),
        (["propagate", "--nseg", "x"], "--nseg"),
        (["propagate", "--stim", "middle"], "--stim"),
        (["propagate", "--ra", "0"], "--ra"),
        (["propagate", "--demyelinate", "5,1,3"], "--demyelinate"),
        (["propagate", "--demyelinate", "1,5,3"], "--demyelinate"),  # needs --myelin
        (["propagate", "--nseg", "100000000"], "--nseg"),
        (["propagate", "--length", "1e9"], "--length"),
        (["propagate", "--myelin", "--length", "1e9"], "--length"),
        (["propagate", "--dt", "1e-9"], "--dt"),
        (["propagate", "--phase-at", "1.5"], "--phase-at"),
        (["propagate", "--phase-at", "0.5,x"], "--phase-at"),
        (["sweep", "velocity", "--diams", "100,0"], "--diams"),
        (["sweep", "velocity", "--diams", "100", "--stim", "up"], "--stim"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], name: str) -> None:
    proc = run_cli(args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in proc.stderr
