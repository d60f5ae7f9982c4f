"""Every number lesson 12 (content/12-axon-propagation.md) states, recomputed by the engine.

The lesson's predict questions and its `from_model` answer are run by the content
tests; this file checks the numbers written in its prose and prompts (rounded as
written), so the lesson cannot drift from the cable model.
"""

from __future__ import annotations

import pytest
from lesson_claims import says
from oracle import cable_reference

from tutor.lab.annotate import annotate
from tutor.lab.experiments import measure, simulate_run
from tutor.lab.propagation import SQUID_CELSIUS, SQUID_DIAM_UM, SQUID_RA_OHM_CM, load_myelin

L12 = "12-axon-propagation.md"


def velocity(axon: dict, **run: object) -> float:
    value = measure({"preset": "squid", "axon": axon, **run}, "velocity_m_s")
    assert isinstance(value, float)
    return value


@pytest.mark.parametrize(
    ("text", "axon", "run", "digits"),
    [
        ("**18.7 m/s**", {}, {}, 1),
        ("12.2 m/s", {}, {"celsius": 6.3}, 1),
        ("32.6 m/s", {"diam": 10, "myelin": True}, {}, 1),
        ("**2.7 m/s**", {"diam": 10}, {}, 1),
        ("about 18.6 m/s", {"diam": 10, "myelin": True, "demyelinate": [16, 24, 5]}, {}, 1),
    ],
)
def test_stated_velocities(text: str, axon: dict, run: dict, digits: int) -> None:
    says(L12, "**18.7 m/s**", "12.2 m/s", "32.6 m/s", "**2.7 m/s**", "about 18.6 m/s")
    says(
        L12,
        "m/s** (at 6.3 °C",
        "The 476 µm squid axon conducts at 18.7 m/s.",
        "squid membrane conducts at 2.7 m/s.",
        "with squid channels at 18.5 °C a **10 µm fibre conducts",
        "times a bare 10 µm axon",
        "(Hodgkin and Huxley's 476 µm squid axon",
        "18.7 m/s — Hodgkin and Huxley's",
    )
    says(L12, text)
    number = float(
        text.strip("*").split()[-2] if text.startswith("about") else text.strip("*").split()[0]
    )
    assert round(velocity(axon, **run), digits) == number


def test_ratios_and_times() -> None:
    bare, myel = velocity({"diam": 10}), velocity({"diam": 10, "myelin": True})
    assert says(L12, "twelve times") and round(myel / bare) == 12
    # doubling the diameter: ×√2 ≈ 1.41 (the feedback of prop-double-diam)
    says(L12, "√2 ≈ 1.41, not 2", "×√2 ≈ 1.41 for twice the width")
    assert round(velocity({"diam": 952}) / velocity({}), 2) == 1.41
    # internode 1 mm (100 fibre diameters of 10 µm) crossed in about 31 µs
    model = load_myelin()
    assert model.internode_um(10.0) == 1000.0 and says(L12, "nodes every 1 mm")
    says(L12, "in the model's 10 µm myelinated fibre", "(1 mm further on)", "covers 1 mm in about")
    says(
        L12,
        "1 mm at 32.6 m/s takes only ~31 µs",
        "at 32.6 m/s the spike covers 1 mm in about 31 µs",
    )
    assert round(model.internode_um(10.0) / myel) == 31 and says(L12, "about 31 µs")
    # 16–24 mm is the middle fifth of the default 40-internode fibre
    out_len = 40 * (model.internode_um(10.0) + model.node_length_um) + model.node_length_um
    assert abs(out_len / 1000.0 - 40.0) < 0.1 and says(L12, "16–24 mm of its 40 mm")


@pytest.mark.parametrize("celsius", [6.3, 18.5])
def test_node_rise_takes_more_than_half_a_millisecond(celsius: float) -> None:
    """'a node takes more than half a millisecond to rise from threshold to peak'."""
    res = simulate_run({"preset": "squid", "celsius": celsius, "pulses": [[5, 1, 20]]}, "squid")
    events = annotate(res)
    thr = next(e["t_ms"] for e in events if e["kind"] == "threshold")
    peak = next(e["t_ms"] for e in events if e["kind"] == "peak")
    assert 0.5 < peak - thr < 1.0


def test_the_model_axon_is_hodgkin_and_huxleys() -> None:
    """The default cable is the axon of HH's 1952 calculation: 476 µm, 35.4 Ω·cm, 18.5 °C."""
    says(L12, "for a 476 µm squid axon (Ra 35.4 Ω·cm, 18.5 °C)", "476 µm squid axon at 18.5 °C")
    assert (SQUID_DIAM_UM, SQUID_RA_OHM_CM, SQUID_CELSIUS) == (476.0, 35.4, 18.5)


def test_neuron_agrees_with_the_stated_velocity() -> None:
    """'NEURON on the same cable gives 18.7 m/s'."""
    assert round(cable_reference.load()["default"]["velocity_m_s"], 1) == 18.7
    says(L12, "NEURON on the same cable gives 18.7 m/s")


def test_collision_and_block_as_stated() -> None:
    assert measure({"preset": "squid", "axon": {"stim": "both"}}, "mid_spike_count") == 1
    damaged = {
        "preset": "squid",
        "axon": {"diam": 10, "myelin": True, "demyelinate": [16, 24, 100]},
    }
    assert measure(damaged, "arrived") is False and measure(damaged, "blocked") is True
