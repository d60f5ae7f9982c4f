"""The live neuron of the neuron view (`tutor.lab.neuron_live`): the same model as
`tutor synapse`, advanced a little at a time, and its readings."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.lab.neuron import SynapticInput, build_neuron, measures, simulate
from tutor.lab.neuron_live import (
    DRIVES,
    FORGET_TAUS,
    HISTORY_STEPS,
    SITES,
    NeuronSession,
    site_label,
)
from tutor.sim.params import ParameterError


def offline(session: NeuronSession, tstop_ms: float):
    """The same inputs, run in one go by `tutor synapse`'s simulate."""
    inputs = [
        SynapticInput(p.kind.name, _where(session, p.site), p.onset_ms, p.weight_uS * 1e3)
        for p in session._recent
    ]
    return simulate(session.neuron, inputs, tstop_ms)


def _where(session: NeuronSession, site: int):
    for w in SITES:
        if session.neuron.site(w) == site:
            return w
    raise AssertionError(site)


def test_live_run_is_the_synapse_protocol() -> None:
    """Inputs fired by hand at several sites and times, chunked advances, NMDA and GABA-A:
    the live V at every compartment is the one-go run's, step for step."""
    s = NeuronSession()
    s.advance(3.0)
    s.fire("exc")
    s.advance(1.3)
    s.set_site(0.9)
    s.toggle_nmda()
    s.fire("exc", count=2)
    for _ in range(7):
        s.advance(0.75)
    s.set_site("soma")
    s.fire("inh")
    s.advance(20.0)
    run = offline(s, s.t_ms)
    assert len(run.t_ms) - 1 == round(s.t_ms / s.dt_ms)
    for comp in (s.soma, s.ais, s.neuron.site(0.9), s.neuron.site(0.5)):
        t, v = s.trace(comp, 0.0)
        np.testing.assert_allclose(t, run.t_ms[-len(t) :], atol=1e-9)
        np.testing.assert_allclose(v, run.trace(comp)[-len(t) :], rtol=0, atol=1e-9)


def test_peak_since_input_is_the_epsp_of_the_synapse_protocol() -> None:
    s = NeuronSession()
    assert s.peak_since_input(s.soma) is None
    s.advance(5.0)
    s.set_site(0.3)
    s.fire("exc")
    s.advance(40.0)
    want = measures(offline(s, s.t_ms))
    peak, t_peak = s.peak_since_input(s.soma)  # type: ignore[misc]
    # the sample maximum vs the parabola-refined one: within a sample's curvature
    assert peak == pytest.approx(want["soma_depol_mV"], abs=2e-3)
    assert abs(t_peak - want["soma_peak_ms"]) <= s.dt_ms
    assert 1.0 < peak < 5.0  # the single-EPSP range (1–5 mV)
    # the dendritic site sees the EPSP first and larger
    d_peak, d_t = s.peak_since_input(s.site_compartment)  # type: ignore[misc]
    assert d_peak > peak and d_t < t_peak


def test_trough_after_inhibition_and_shunt() -> None:
    s = NeuronSession()
    s.set_site("soma")
    s.fire("inh")
    s.advance(20.0)
    trough, _ = s.trough_since_input(s.soma)  # type: ignore[misc]
    peak, _ = s.peak_since_input(s.soma)  # type: ignore[misc]
    assert -1.0 < trough <= 0.0 and peak < 1.0  # GABA-A alone: V moves < 1 mV


def test_temporal_summation_live() -> None:
    one = NeuronSession()
    one.set_site("soma")
    one.step_weight("exc", -1)  # 1 nS
    one.fire("exc")
    one.advance(30.0)
    two = NeuronSession()
    two.set_site("soma")
    two.step_weight("exc", -1)
    two.fire("exc")
    two.advance(2.0)
    two.fire("exc")
    two.advance(30.0)
    p1 = one.peak_since_input(one.soma)[0]  # type: ignore[index]
    p2 = two.peak_since_input(two.soma)[0]  # type: ignore[index]
    assert p2 >= 1.6 * p1


def test_coincident_inputs_fire_the_cell_at_the_ais() -> None:
    s = NeuronSession()
    s.fire("exc", count=8)
    s.advance(30.0)
    assert s.spike_count() == 1
    t_ais, v_ais = s.trace(s.ais, 0.0)
    t_soma, v_soma = s.trace(s.soma, 0.0)
    first = lambda t, v: t[np.argmax(v >= 0.0)]  # noqa: E731
    assert v_ais.max() > 0 and first(t_ais, v_ais) < first(t_soma, v_soma)


def test_sites_weights_and_bad_input() -> None:
    s = NeuronSession()
    assert site_label(s.site) == "dend:0.5"
    s.move_site(-100)
    assert s.site == 1.0 and s.site_compartment == s.neuron.dend[-1]
    s.move_site(100)
    assert s.site == "soma" and s.site_compartment == s.soma
    assert s.site_text() == "soma"
    s.set_site(0.7)
    assert s.site_text() == f"dend:0.7 ({s.neuron.distance_um(s.neuron.site(0.7)):.0f} µm)"
    w = s.exc_nS
    assert s.step_weight("exc", 1) > w and s.step_weight("inh", -1) < 10.0
    with pytest.raises(ParameterError):
        s.fire("glutamate")
    with pytest.raises(ParameterError):
        s.fire("exc", count=0)
    with pytest.raises(ParameterError):
        s.set_site(0.55)


@pytest.mark.parametrize("drive", [1, 2, 3])
def test_drives_fire_on_time(drive: int) -> None:
    s = NeuronSession(seed=3)
    for _ in range(drive):
        s.cycle_drive()
    name, pattern, rate = DRIVES[drive]
    assert s.drive[0] == name
    s.advance(500.0)
    onsets = np.array([p.onset_ms for p in s._recent])
    assert np.all(np.diff(onsets) > 0) and onsets[-1] <= s.t_ms
    if pattern == "train":
        np.testing.assert_allclose(np.diff(onsets), 1e3 / rate, rtol=1e-9)
        assert onsets[0] == 0.0
    else:  # Poisson: the count is within 4 SD of rate × time
        expect = rate * 0.5
        assert abs(len(onsets) - expect) < 4 * np.sqrt(expect)
    # the run equals a one-go run with those inputs
    run = offline(s, s.t_ms)
    t, v = s.trace(s.soma, 0.0)
    np.testing.assert_allclose(v, run.trace(s.soma)[-len(t) :], rtol=0, atol=1e-6)
    # reproducible from the seed
    again = NeuronSession(seed=3)
    for _ in range(drive):
        again.cycle_drive()
    again.advance(500.0)
    assert [p.onset_ms for p in again._recent] == list(onsets)


def test_memory_is_flat_and_synapses_are_forgotten() -> None:
    s = NeuronSession()
    s.toggle_nmda()
    for _ in range(3):
        s.cycle_drive()  # Poisson
    sizes = s._ring_v.nbytes
    longest = max(k.tau2_ms for k in s.neuron.kinds.values())
    for _ in range(12):
        s.advance(250.0)
        assert s._ring_v.nbytes == sizes and s._ring_v.shape[0] == HISTORY_STEPS
        # only synapses that may still conduct are carried
        assert all(s.t_ms - p.onset_ms <= FORGET_TAUS * p.kind.tau2_ms for p in s.synapses())
    # Poisson 50 Hz of AMPA + NMDA: at most the inputs of the longest memory window
    assert len(s.synapses()) < 2 * 50 * FORGET_TAUS * longest / 1e3 * 1.5


def test_reset_returns_to_rest() -> None:
    s = NeuronSession()
    s.fire("exc", count=8)
    s.advance(20.0)
    s.reset()
    assert s.t_ms == 0.0 and s.spike_count() == 0 and s.last_input_ms is None
    assert not s.synapses()
    rest = simulate(build_neuron("textbook"), [], 0.025).v_mV[0]
    np.testing.assert_allclose(s.v_now(), rest, atol=1e-12)
