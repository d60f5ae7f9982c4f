"""The rate functions are NEURON's hh.mod, Q10 included, singularities included.

NEURON's own `rates_hh(v)` (tables off) gives m∞, τm, … at `celsius`; the
opening and closing rates follow as α = x∞/τ and β = (1 − x∞)/τ. They must
equal the engine's `gate_rates_array` to round-off, at random voltages, at the
removable singularities of α_m (−40 mV) and α_n (−55 mV) and right next to
them, and at several temperatures.
"""

from __future__ import annotations

import numpy as np
import pytest
from optional import require

from tutor.sim import load_preset
from tutor.sim.engine import params_row
from tutor.sim.kernel import gate_rates_array

require("neuron", "oracle", "comparing the rates with NEURON's own hh.mod")
from oracle.nrn import h  # noqa: E402  (only once NEURON is known to be installed)

#: Every test here runs on both kernels (compiled and numpy; see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("kernel")


VOLTAGES = np.concatenate(
    [
        np.linspace(-120.0, 60.0, 181),
        [-40.0, -40.0 + 1e-9, -40.0 - 1e-9, -40.0 + 1e-6, -55.0, -55.0 + 1e-9, -55.0 - 1e-7],
        [-35.0, -65.0],
    ]
)


def nrn_rates(v: float, celsius: float) -> np.ndarray:
    """(αm, βm, αh, βh, αn, βn) in 1/ms from NEURON's hh.mod at `celsius`."""
    if not hasattr(nrn_rates, "sec"):
        nrn_rates.sec = h.Section(name="rates_probe")  # type: ignore[attr-defined]
        nrn_rates.sec.insert("hh")  # type: ignore[attr-defined]
    seg = nrn_rates.sec(0.5)  # type: ignore[attr-defined]
    h.setdata_hh(seg)
    h.usetable_hh = 0
    h.celsius = celsius
    h.rates_hh(v)
    m = seg.hh
    out = []
    for inf, tau in ((m.minf, m.mtau), (m.hinf, m.htau), (m.ninf, m.ntau)):
        out += [inf / tau, (1.0 - inf) / tau]
    return np.array(out)


@pytest.mark.parametrize("celsius", [6.3, 18.5, 0.0, 30.0])
def test_rates_equal_neurons(celsius: float) -> None:
    """Every α and β within 1e-10 relative of NEURON's (both computed in double precision)."""
    ours = gate_rates_array(VOLTAGES, params_row(load_preset("squid").at_temperature(celsius)))
    theirs = np.array([nrn_rates(float(v), celsius) for v in VOLTAGES]).T
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=0)


def test_singularities_are_continuous() -> None:
    """α_m at −40 mV and α_n at −55 mV equal their limits (1.0 and 0.1 /ms at 6.3 °C)."""
    row = params_row(load_preset("squid"))
    r = gate_rates_array(np.array([-40.0, -55.0]), row)
    assert r[0, 0] == pytest.approx(1.0, rel=1e-12)
    assert r[4, 1] == pytest.approx(0.1, rel=1e-12)
