"""`tutor synapse` events: the phase machine at the AIS and at the soma (both kernels).

The events must be the patch definitions applied to each compartment: checked
against the recorded V of the same run (spike = the 0-mV crossing, peak = the
maximum, AHP minimum = the minimum after it), against each other (the spike
starts in the AIS: its threshold comes first) and against the physiology
(subthreshold inputs give no threshold; inhibition on the path vetoes one).
"""

from __future__ import annotations

import numpy as np
import pytest

from tutor.lab.neuron import SynapticInput, _refined_peak, synapse_protocol

SPIKE_PHASES = ["subthreshold", "threshold", "depolarization", "repolarization",
                "hyperpolarization", "resting"]  # fmt: skip


def _coincident(n: int, where: float | str = 0.5, t: float = 5.0, w: float = 2.0):
    return [SynapticInput("ampa", where, t, w) for _ in range(n)]


def _at(out: dict, site: str, kind: str | None = None) -> list[dict]:
    return [e for e in out["events"] if e["site"] == site and (kind is None or e["kind"] == kind)]


@pytest.fixture(scope="module")
def traces():
    """V at the AIS and soma of the suprathreshold run, recorded by the same engine."""
    from tutor.lab.neuron import build_neuron, simulate

    nrn = build_neuron("textbook")
    run = simulate(nrn, _coincident(8), 40.0)
    return run.t_ms, run.trace(nrn.ais), run.trace(nrn.soma)


def test_spike_events_at_ais_and_soma_are_the_traces(kernel: str, traces) -> None:
    out = synapse_protocol(_coincident(8), tstop_ms=40.0)
    t, v_ais, v_soma = traces
    times = [e["t_ms"] for e in out["events"]]
    assert times == sorted(times)
    assert {e["site"] for e in out["events"]} == {"ais", "soma"}
    for site, v in (("ais", v_ais), ("soma", v_soma)):
        phases = [e["phase"] for e in _at(out, site, "phase")]
        assert phases[: len(SPIKE_PHASES)] == SPIKE_PHASES, (site, phases)
        (thr,) = _at(out, site, "threshold")
        (spike,) = _at(out, site, "spike")
        (peak,) = _at(out, site, "peak")
        (ahp,) = _at(out, site, "ahp_min")
        # the spike is the trace's own upward 0-mV crossing (linear between samples)
        i = int(np.argmax(v >= 0.0))
        crossing = t[i - 1] + (t[i] - t[i - 1]) * (0.0 - v[i - 1]) / (v[i] - v[i - 1])
        assert spike["t_ms"] == pytest.approx(crossing, abs=1e-5)
        # peak and AHP minimum: the trace's extremes, refined by the parabola through the
        # samples around them (the machine interpolates its own turning point)
        k = int(np.argmax(v))
        v_pk, t_pk = _refined_peak(t, v, k)
        assert v[k] <= peak["v_mV"] and peak["v_mV"] == pytest.approx(v_pk, abs=0.05)
        assert abs(peak["t_ms"] - t_pk) <= 0.025
        j = k + int(np.argmin(v[k:]))
        v_min, t_min = _refined_peak(t, -v, j)
        assert ahp["v_mV"] <= v[j] and ahp["v_mV"] == pytest.approx(-v_min, abs=0.05)
        assert abs(ahp["t_ms"] - t_min) <= 0.025
        # threshold: depolarised, below the spike, before it; V there is the trace's
        assert thr["t_ms"] < spike["t_ms"] < peak["t_ms"] < ahp["t_ms"]
        m = int(round(thr["t_ms"] / 0.025))
        assert thr["v_mV"] == pytest.approx(v[m], abs=1e-3)
        assert out["rest_mV"] + 1.0 < thr["v_mV"] < -30.0
        summary = out["phases"][site]
        assert summary["threshold_ms"] == thr["t_ms"] and summary["spike_ms"] == spike["t_ms"]
        assert summary["peak_mV"] == peak["v_mV"]
    # the spike starts in the AIS: threshold there first, 0 mV there first
    ais_thr = out["phases"]["ais"]["threshold_ms"]
    assert ais_thr < out["phases"]["soma"]["threshold_ms"]
    assert out["phases"]["ais"]["spike_ms"] < out["phases"]["soma"]["spike_ms"]
    # the AIS spike event is the spikes_ms entry and carries its origin record
    (ais_spike,) = _at(out, "ais", "spike")
    assert ais_spike["starts"] == "ais" and ais_spike["index"] == 0
    assert ais_spike["ais_ms"] == out["spikes_ms"][0] == out["spike_origins"][0]["t_ms"]
    assert ais_spike["soma_ms"] == pytest.approx(out["phases"]["soma"]["spike_ms"], abs=1e-5)
    # voltage phases only unless asked: no excitability events
    assert not [e for e in out["events"] if e["kind"] == "excitability"]


def test_subthreshold_epsp_has_no_threshold(kernel: str) -> None:
    out = synapse_protocol(_coincident(1), tstop_ms=40.0)
    assert out["spikes_ms"] == [] and out["spike_origins"] == []
    kinds = {e["kind"] for e in out["events"]}
    assert kinds == {"phase"}
    for site in ("ais", "soma"):
        phases = [e["phase"] for e in _at(out, site, "phase")]
        assert phases[0] == "subthreshold" and "threshold" not in phases
        assert out["phases"][site]["threshold_ms"] is None
        # it is subthreshold from when V leaves the rest band: after the onset
        assert _at(out, site, "phase")[0]["t_ms"] > 5.0


def test_inhibition_on_the_path_vetoes_the_spike(kernel: str) -> None:
    exc = _coincident(8, where=0.8)
    alone = synapse_protocol(exc, tstop_ms=40.0)
    assert alone["phases"]["ais"]["spike_ms"] is not None
    vetoed = synapse_protocol(
        [*exc, *(SynapticInput("gabaa", 0.4, 5.0, 20.0) for _ in range(3))], tstop_ms=40.0
    )
    for site in ("ais", "soma"):
        assert not _at(vetoed, site, "spike") and vetoed["phases"][site]["spike_ms"] is None
    assert vetoed["spikes_ms"] == []


def test_excitability_on_request(kernel: str) -> None:
    """With probes the band appears at both sites: absolute from the threshold on, then
    (relative, when the probes resolve one) excitable again — the patch's definitions at
    each compartment, asked of the whole cell."""
    out = synapse_protocol(_coincident(8), tstop_ms=20.0, excitability=True)
    for site in ("ais", "soma"):
        exc = [e for e in _at(out, site, "excitability")]
        states = [e["phase"] for e in exc]
        assert states in (
            ["absolute_refractory", "relative_refractory", "excitable"],
            ["absolute_refractory", "excitable"],
        ), states
        assert exc[0]["t_ms"] == out["phases"][site]["threshold_ms"]
        s = out["phases"][site]
        assert s["threshold_ms"] < s["spike_ms"] < s["absolute_end_ms"] <= s["relative_end_ms"]
        assert s["relative_end_ms"] == exc[-1]["t_ms"]
    # without probes the same run has the same voltage events
    plain = synapse_protocol(_coincident(8), tstop_ms=20.0)
    voltage = [e for e in out["events"] if e["kind"] != "excitability"]
    strip = lambda es: [(e["site"], e["t_ms"], e["kind"], e.get("phase")) for e in es]  # noqa: E731
    assert strip(voltage) == strip(plain["events"])
