"""`tutor clamp` as a command: the JSON contract, CSV, the table, and bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.commands.clamp import CSV_COLUMNS

POINT_KEYS = {
    "v_mV",
    "ina_peak_uA_cm2",
    "ina_end_uA_cm2",
    "ik_end_uA_cm2",
    "i_peak_uA_cm2",
    "i_end_uA_cm2",
}
GATE_KEYS = {"n_inf", "tau_n_ms", "m_inf", "tau_m_ms", "h_inf", "tau_h_ms"}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["clamp", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "--preset", "squid", "--steps", "-100:60:161")
    assert len(data["points"]) == 161
    assert set(data["points"][0]) >= POINT_KEYS
    assert data["protocol"]["hold_mV"] == -65.0 and data["protocol"]["dur_ms"] == 20.0
    assert data["protocol"]["onset_ms"] == 5.0
    assert [p["v_mV"] for p in data["points"]] == pytest.approx([-100 + k for k in range(161)])
    assert data["params"]["name"] == "squid"
    assert "fit" not in data["points"][0]


def test_fit_adds_fit_and_model_objects(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "--preset", "squid", "--steps", "0", "--fit", "--block", "ttx")
    p = data["points"][0]
    assert set(p["fit"]) == GATE_KEYS and set(p["model"]) == GATE_KEYS
    # TTX: no Na⁺ conductance to fit; the K⁺ fit still works
    assert p["fit"]["m_inf"] is None and p["fit"]["tau_h_ms"] is None
    assert p["fit"]["n_inf"] == pytest.approx(p["model"]["n_inf"], rel=1e-4)


def test_textbook_preset_and_hold(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "--steps", "-30,0", "--hold", "-80", "--dur", "5")
    assert data["params"]["name"] == "textbook"
    assert data["protocol"]["hold_mV"] == -80.0
    assert data["points"][0]["ina_peak_uA_cm2"] < 0 < data["points"][1]["ik_end_uA_cm2"]


def test_csv_has_every_run_and_sample(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    assert (
        main(
            [
                "clamp",
                "--preset",
                "squid",
                "--steps",
                "-20,0",
                "--dur",
                "2",
                "--dt",
                "0.5",
                "--csv",
                str(out),
            ]
        )
        == 0
    )
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = rows[1:]
    assert len(body) == 2 * 15  # t = 0 … 7 ms every 0.5 ms, two runs
    v = {(r[0], r[3]): float(r[4]) for r in body}
    assert v[("0", "6")] == -20.0 and v[("1", "6")] == 0.0 and v[("1", "0")] == -65.0


def test_table_names_the_reversal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clamp", "--preset", "squid", "--steps", "40:60:21"]) == 0
    out = capsys.readouterr().out
    assert "peak I_Na reverses at 50.00 mV" in out


@pytest.mark.parametrize(
    "args, name",
    [
        (["--steps", "x"], "--steps"),
        (["--steps", ""], "--steps"),
        (["--steps", ",,"], "--steps"),
        (["--steps", "0,,a"], "--steps"),
        (["--steps", "1:2:0"], "--steps"),
        (["--steps", "0", "--dur", "0"], "--dur"),
        (["--steps", "0", "--dur", "-3"], "--dur"),
        (["--steps", "0", "--hold", "-150.5"], "--hold"),
        (["--steps", "0", "--hold", "101"], "--hold"),
        (["--steps", "0", "--hold", "nan"], "--hold"),
        (["--steps", "0,500"], "--steps"),
        (["--steps", "0", "--prepulse", "-300"], "--prepulse"),
        (["--steps", "0", "--set", "gk=-1"], "gk"),
        ([], "--steps"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tutor", "clamp", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in proc.stderr
    assert proc.stdout == ""
