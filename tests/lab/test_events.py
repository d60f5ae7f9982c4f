"""The event record: every event the machine emits fits `tutor.lab.events.Event`.

Excitability transitions name their state under `excitability` (the key that
says what it is) and, for the `{t_ms, kind, phase?, v_mV, why?}` contract, under
`phase` too; every transition names the state it left in `from`.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tutor.lab.annotate import annotate
from tutor.lab.events import Event
from tutor.lab.names import EVENT_KINDS, EXCITABILITY_STATES, PHASES
from tutor.sim import Pulse, load_preset, simulate


def test_every_event_fits_the_event_type() -> None:
    res = simulate(load_preset("squid"), [Pulse(delay_ms=5, width_ms=1, amp_uA_cm2=20)], 30.0)
    events = annotate(res)
    allowed = set(Event.__annotations__)
    required = set(Event.__required_keys__)
    assert required == {"t_ms", "kind", "v_mV"}
    assert {e["kind"] for e in events} >= {"phase", "excitability", "spike", "peak"}
    for e in events:
        assert required <= set(e) <= allowed, e
        assert e["kind"] in EVENT_KINDS
        if e["kind"] == "phase":
            assert e["phase"] in PHASES and e["from"] in PHASES and "excitability" not in e
        elif e["kind"] == "excitability":
            assert e["excitability"] == e["phase"] in EXCITABILITY_STATES
            assert e["from"] in EXCITABILITY_STATES and e["from"] != e["excitability"]
        else:
            assert "phase" not in e and "from" not in e


def test_simulate_json_events_keep_the_contract() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "simulate", "--preset", "squid", "--pulse", "5,1,20",
         "--tstop", "30", "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    events = json.loads(out.stdout)["events"]
    excitability = [e for e in events if e["kind"] == "excitability"]
    assert excitability and all(e["phase"] == e["excitability"] for e in excitability)
    assert all({"t_ms", "kind", "v_mV"} <= set(e) for e in events)
