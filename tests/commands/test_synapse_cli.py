"""`tutor synapse`: the JSON contract and bad input (one line, exit 2)."""

from __future__ import annotations

import pytest
from oracle.ours import cli_json, run_cli

KEYS = {"soma_peak_mV", "soma_depol_mV", "soma_peak_ms", "spikes_ms", "events", "params"}


def test_synapse_json_contract() -> None:
    """Documented keys; depol = peak − rest; the input echoed with its distance."""
    out = cli_json(["synapse", "--input", "ampa,dend:0.5,5,2", "--tstop", "40", "--json"])
    assert set(out) >= KEYS
    assert out["soma_depol_mV"] == pytest.approx(out["soma_peak_mV"] - out["rest_mV"], abs=1e-9)
    assert out["soma_peak_ms"] > 5.0 and out["spikes_ms"] == [] and out["spike_origins"] == []
    # the phase machine at the AIS and the soma: subthreshold, never a threshold
    assert {e["site"] for e in out["events"]} == {"ais", "soma"}
    assert {e["kind"] for e in out["events"]} == {"phase"}
    assert out["phases"]["ais"]["threshold_ms"] is None is out["phases"]["soma"]["threshold_ms"]
    (inp,) = out["params"]["inputs"]
    assert inp["kind"] == "ampa" and inp["where"] == 0.5 and inp["weight_nS"] == 2.0
    assert 0 < inp["distance_um"] < 500.0
    assert out["params"]["tstop_ms"] == pytest.approx(40.0)


def test_synapse_spike_events_at_ais() -> None:
    out = cli_json(["synapse", "--input", "ampa,soma,5,40", "--tstop", "30", "--json"])
    assert out["spikes_ms"] and out["spike_origins"][0]["starts"] == "ais"
    spike = next(e for e in out["events"] if e["kind"] == "spike")
    assert spike["site"] == "ais" and spike["starts"] == "ais"
    assert spike["ais_ms"] == out["spikes_ms"][0] == pytest.approx(spike["t_ms"], abs=1e-5)
    first_thr = next(e for e in out["events"] if e["kind"] == "threshold")
    assert first_thr["site"] == "ais" and first_thr["t_ms"] == out["phases"]["ais"]["threshold_ms"]
    assert out["phases"]["ais"]["threshold_ms"] < out["phases"]["soma"]["threshold_ms"]


def test_synapse_text_output() -> None:
    proc = run_cli(["synapse", "--input", "gabaa,soma,2,5", "--tstop", "20"])
    assert (
        proc.returncode == 0 and "soma peak" in proc.stdout and "spikes (AIS) none" in proc.stdout
    )
    assert "AIS          no threshold" in proc.stdout
    out = cli_json(["synapse", "--input", "ampa,soma,5,40", "--tstop", "20", "--json"])
    proc = run_cli(["synapse", "--input", "ampa,soma,5,40", "--tstop", "20"])
    thr = out["phases"]["soma"]["threshold_ms"]
    assert f"SOMA         threshold at {thr:.2f} ms" in proc.stdout


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("glycine,soma,1,1", "unknown synapse kind"),
        ("ampa,dend:1.5,1,1", "0…1"),
        ("ampa,dend:-0.1,1,1", "0…1"),
        ("ampa,soma,1,-2", "weight"),
        ("ampa,soma,1", "KIND,WHERE,T_MS,WEIGHT_NS"),
        ("ampa,axon,1,1", "WHERE"),
        ("ampa,dend:x,1,1", "expected a number"),
        ("ampa,soma,inf,1", "finite"),
        ("ampa,soma,-1,1", "≥ 0 ms"),
    ],
)
def test_synapse_bad_input(spec: str, needle: str) -> None:
    proc = run_cli(["synapse", "--input", spec])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--input" in lines[0] and needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_synapse_needs_an_input_and_a_sane_tstop() -> None:
    for argv in (["synapse"], ["synapse", "--input", "ampa,soma,1,1", "--tstop", "1e9"]):
        proc = run_cli(argv)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
