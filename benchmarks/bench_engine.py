"""Speed (and fixed-step accuracy) of `tutor` against NEURON on the same protocols.

Run by hand, not by pytest::

    uv run --all-groups python benchmarks/bench_engine.py [--repeats 5] [--kernels compiled,python]

Every timing is a whole process (start-up, imports, the work, output), as wall
time and as CPU time (user + system of the child, from getrusage): one warm-up
run, then the median of `--repeats` runs. The commands of a protocol take turns
(tutor on each kernel, NEURON, tutor, …), so a change in the machine's load
during the run hits them alike and the ratios stay fair. `tutor` runs once per
kernel (TUTOR_KERNEL=compiled: kernel.c; TUTOR_KERNEL=python: the numpy
fallback of installs without a compiler). Protocols (squid preset, 6.3 °C,
docs/design.md definitions):

(a) f–I sweep: 100 amplitudes evenly spaced 0–50 µA/cm², 500 ms steps from
    t = 10 ms. tutor: ``tutor sweep fi --amps 0:50:100`` (one batched pass).
    NEURON: one process running the amplitudes one by one, fixed step
    dt = 0.025 ms, spikes from a NetCon at 0 mV, rates as docs/design.md.
(b) refractory sweep, 11 ISIs (2…20 ms), max-amp 400: both sides compute the
    unconditioned 1 ms threshold and, per ISI, test max-amp then bisect to
    0.01 % relative (docs/design.md). tutor: ``tutor sweep refractory``; NEURON:
    one process, every trial run to the end of its 40 ms window at dt = 0.025.
(c) one 1000 ms trace (step 10 µA/cm² from 10 ms to 990 ms, repetitive
    firing), 0.025 ms samples written as CSV. tutor: ``tutor simulate
    --tstop 1000 --csv FILE`` (9 columns); NEURON: fixed step dt = 0.025
    recording t and v, written with numpy.savetxt (2 columns) — and (c′)
    recording and writing the same 9 columns as tutor's CSV.

NEURON runs with its defaults (``usetable_hh = 1``: tabulated rates, its fast
path). Peak memory (``ru_maxrss`` of the child, from ``os.wait4``) is reported
for each process, and separately for a 1000-cell × 500 ms f–I sweep.

Accuracy: NEURON's fixed step (dt = 0.025, with and without tables) and
tutor's default integrator are compared with NEURON CVODE (atol 1e-8, the
oracle of the test suite) on the single-pulse and f–I protocols.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

FI_AMPS = "0:50:100"
ISIS = [2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0]
TRACE_PULSE = (10.0, 980.0, 10.0)

#: NEURON side of every protocol, run as `python -c NRN_SCRIPT MODE ARGS...`.
NRN_SCRIPT = r"""
import json, math, os, sys
os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
from neuron import h
h.load_file("stdrun.hoc")
mode = sys.argv[1]
sec = h.Section(name="soma"); sec.nseg = 1
sec.L = sec.diam = math.sqrt(1e5 / math.pi)          # 1e5 µm²: 1 nA = 1 µA/cm²
sec.insert("hh")
scale = sec(0.5).area() * 1e-5                        # nA per µA/cm²
h.usetable_hh = int(os.environ.get("NRN_USETABLE", "1"))
h.celsius = 6.3
h.dt = 0.025; h.steps_per_ms = 40
REST = float(os.environ["NRN_REST"])   # NEURON's own steady rest, from the oracle
h.v_init = REST
nc = h.NetCon(sec(0.5)._ref_v, None, sec=sec); nc.threshold = 0
spk = h.Vector(); nc.record(spk)

def run(pulses, tstop, stop_after=0):
    stims = []
    for d, w, a in pulses:
        s = h.IClamp(sec(0.5)); s.delay = d; s.dur = w; s.amp = a * scale; stims.append(s)
    h.tstop = tstop
    h.run()  # stdinit: finitialize(v_init = REST)
    return list(spk)

if mode == "fi":
    start, stop, n = (float(x) for x in sys.argv[2].split(":"))
    n = int(n)
    out = []
    for k in range(n):
        amp = start + (stop - start) * k / (n - 1)
        s = [x for x in run([(10.0, 500.0, amp)], 510.0) if x >= 110.0]
        out.append(0.0 if len(s) < 2 else 1000.0 * (len(s) - 1) / (s[-1] - s[0]))
    print(" ".join(f"{r:.4f}" for r in out))
elif mode == "refractory":
    isis = [float(x) for x in sys.argv[2].split(",")]
    def bisect(fires, lo, hi):
        while hi - lo > 1e-4 * hi:
            mid = 0.5 * (lo + hi)
            if fires(mid): hi = mid
            else: lo = mid
        return hi
    def single(a):
        return len(run([(5.0, 1.0, a)], 46.0)) >= 1
    hi = 10.0
    while not single(hi): hi *= 2
    base = bisect(single, hi / 2 if hi > 10 else 0.0, hi)
    thr = []
    for isi in isis:
        d = 5.0 + isi
        fires = lambda a: len(run([(5.0, 1.0, 20.0), (d, 1.0, a)], d + 41.0)) >= 2
        thr.append(bisect(fires, 0.0, 400.0) if fires(400.0) else None)
    print(base, thr)
elif mode in ("trace", "trace9"):
    import numpy as np
    d, w, a = (float(x) for x in sys.argv[2].split(","))
    seg = sec(0.5)
    refs = [h._ref_t, seg._ref_v]
    if mode == "trace9":   # the same 9 columns as `tutor simulate --csv`
        refs += [seg._ref_m_hh, seg._ref_h_hh, seg._ref_n_hh, seg._ref_ina, seg._ref_ik,
                 seg._ref_il_hh]
    vecs = [h.Vector() for _ in refs]
    for vec, ref in zip(vecs, refs):
        vec.record(ref)
    s = h.IClamp(seg); s.delay = d; s.dur = w; s.amp = a * scale
    if mode == "trace9":
        ist = h.Vector(); ist.record(s._ref_i); vecs.append(ist)
    h.tstop = 1000.0
    h.run()  # stdinit: finitialize(v_init = REST)
    cols = [v.as_numpy() for v in vecs]
    if mode == "trace9":
        cols[5:8] = [c * 1000.0 for c in cols[5:8]]   # mA/cm² -> µA/cm²
        cols[8] = cols[8] / scale                     # nA -> µA/cm²
        header = "t_ms,v_mV,m,h,n,i_na,i_k,i_l,i_stim"
    else:
        header = "t_ms,v_mV"
    np.savetxt(sys.argv[3], np.column_stack(cols), delimiter=",", header=header,
               comments="", fmt="%.6g")
elif mode == "pulse":
    tv = h.Vector(); vv = h.Vector(); tv.record(h._ref_t); vv.record(sec(0.5)._ref_v)
    d, w, a = (float(x) for x in sys.argv[2].split(","))
    s = run([(d, w, a)], float(sys.argv[3]))
    import numpy as np
    t = tv.as_numpy(); v = vv.as_numpy(); k = int(np.argmax(v))
    nxt = [x for x in s if x > t[k]]
    j = k + int(np.argmin(v[k:] if not nxt else v[k:int(np.searchsorted(t, nxt[0]))]))
    print(json.dumps({"spikes_ms": s, "peak_mV": float(v[k]), "peak_ms": float(t[k]),
                      "ahp_min_mV": float(v[j])}))
"""


def tutor_cmd(*args: str) -> list[str]:
    """`tutor ARGS` with this interpreter (the same environment as NEURON's)."""
    return [sys.executable, "-m", "tutor", *args]


def nrn_cmd(*args: str) -> list[str]:
    """The NEURON script in a fresh interpreter."""
    return [sys.executable, "-c", NRN_SCRIPT, *args]


#: Forks and execs the measured command and reports that child's peak RSS.
#: Needed because Linux carries a process's RSS high-water mark across fork and
#: exec: a child forked straight from this (large) process would inherit its mark.
LAUNCHER = r"""
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
sys.stderr.write("\nMAXRSS_KB %d\n" % ru.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str, float]:
    """Run a whole process; return (wall s, stdout, CPU s of the process)."""
    cpu0 = _children_cpu_s()
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    cpu = _children_cpu_s() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … exited {proc.returncode}")
    return wall, proc.stdout, cpu


def peak_rss_mib(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Peak resident memory (MiB) of one run of `cmd` (ru_maxrss of that child)."""
    proc = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *cmd],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    line = [x for x in proc.stderr.splitlines() if x.startswith("MAXRSS_KB ")][-1]
    return int(line.split()[1]) / 1024.0


def timed_in_turns(cmds: list[tuple[list[str], dict[str, str] | None]], repeats: int) -> list[dict]:
    """Warm each command up once, then run them in turns `repeats` times; per command the
    median wall and CPU time, every wall time, the peak RSS and the last output."""
    for cmd, env in cmds:
        run_once(cmd, env)
    walls: list[list[float]] = [[] for _ in cmds]
    cpus: list[list[float]] = [[] for _ in cmds]
    outs = [""] * len(cmds)
    for _ in range(repeats):
        for k, (cmd, env) in enumerate(cmds):
            w, outs[k], c = run_once(cmd, env)
            walls[k].append(w)
            cpus[k].append(c)
    return [
        {
            "median_s": statistics.median(walls[k]),
            "runs_s": walls[k],
            "cpu_s": statistics.median(cpus[k]),
            "rss_mib": peak_rss_mib(cmd, env),
            "out": outs[k],
        }
        for k, (cmd, env) in enumerate(cmds)
    ]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared)."""
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> str:
    """nproc, CPU model, Python and NEURON versions."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from neuron import __version__ as nrn

    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}; "
        f"Linux {platform.release()}; Python {platform.python_version()}; NEURON {nrn}"
    )


def accuracy() -> list[tuple[str, str, str, str]]:
    """Deviation from NEURON CVODE (atol 1e-8) of NEURON fixed step and of tutor."""
    from oracle.nrn import Oracle

    from tutor.lab import experiments as ex
    from tutor.sim import Pulse, load_preset, simulate

    o = Oracle()
    rows = []
    for pulse, tstop in (((5.0, 1.0, 20.0), 50.0), ((5.0, 1.0, 7.5), 60.0)):
        ref = o.run([pulse], tstop)
        cases = {}
        for table in ("1", "0"):
            _, out, _ = run_once(nrn_cmd("pulse", ",".join(map(str, pulse)), str(tstop)),
                                    {"NRN_USETABLE": table})  # fmt: skip
            cases[f"NEURON fixed dt=0.025, usetable_hh={table}"] = json.loads(out)
        res = simulate(load_preset("squid"), [Pulse(delay_ms=pulse[0], width_ms=pulse[1],
                       amp_uA_cm2=pulse[2])], tstop_ms=tstop)  # fmt: skip
        cases["tutor (dp5, default)"] = {
            "spikes_ms": list(res.spikes_ms), "peak_mV": res.peak_mV, "peak_ms": res.peak_ms,
            "ahp_min_mV": res.ahp_min_mV,
        }  # fmt: skip
        for name, c in cases.items():
            rows.append(
                (
                    f"pulse {pulse[0]:g},{pulse[1]:g},{pulse[2]:g}: {name}",
                    f"{abs(c['spikes_ms'][0] - ref.spikes_ms[0]):.2e}",
                    f"{abs(c['peak_mV'] - ref.peak_mV):.2e} / {abs(c['peak_ms'] - ref.peak_ms):.2e}",
                    f"{abs(c['ahp_min_mV'] - ref.ahp_min_mV):.2e}",
                )
            )
    # f–I rates over 0–50 µA/cm² (20 amplitudes): max relative deviation where both fire
    amps = [2.5 * k for k in range(1, 21)]
    ref_rates = [o.fi_rate(a)[0] for a in amps]
    spec = "2.5:50:20"
    for table in ("1", "0"):
        _, out, _ = run_once(nrn_cmd("fi", spec), {"NRN_USETABLE": table})
        got = [float(x) for x in out.split()]
        rows.append((f"f–I 2.5–50 (20 amps): NEURON fixed dt=0.025, usetable_hh={table}",
                     _fi_dev(got, ref_rates), "", ""))  # fmt: skip
    ours = ex.fi_curve(ex.membranes("squid"), amps)
    got = [p["rate_hz"] for p in ours["points"]]
    rows.append(("f–I 2.5–50 (20 amps): tutor (dp5, default)", _fi_dev(got, ref_rates), "", ""))
    return rows


def _fi_dev(got: list[float], ref: list[float]) -> str:
    """Max relative rate deviation, and how many amplitudes disagree about firing."""
    both = [abs(g - r) / r for g, r in zip(got, ref, strict=True) if g > 0 and r > 0]
    mismatch = sum((g > 0) != (r > 0) for g, r in zip(got, ref, strict=True))
    return f"rate {max(both):.2e} rel" + (
        f", {mismatch} fire/no-fire mismatches" if mismatch else ""
    )


def main() -> int:
    """Run every benchmark and print the table (Markdown with --markdown)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per command (≥ 3)")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument(
        "--kernels", default="compiled,python",
        help="tutor's kernels to time, comma-separated (compiled, python)",
    )  # fmt: skip
    ap.add_argument("--protocols", default="a,b,c,c2", help="which rows: a, b, c, c2")
    args = ap.parse_args()
    repeats = max(3, args.repeats)
    kernels = [k for k in args.kernels.split(",") if k]
    wanted = set(args.protocols.split(","))
    from oracle.nrn import Oracle

    os.environ["NRN_REST"] = repr(Oracle().rest())  # every NEURON run starts at its rest
    print(f"machine: {machine()}")
    print(
        f"timings: wall and CPU time of whole processes, median of {repeats} after one "
        "warm-up, the commands of a row in turns\n"
    )
    isis = ",".join(f"{x:g}" for x in ISIS)
    with tempfile.TemporaryDirectory() as tmp:
        csv_t = str(Path(tmp) / "tutor.csv")
        csv_n = str(Path(tmp) / "nrn.csv")
        pulse = ",".join(f"{x:g}" for x in TRACE_PULSE)
        rows = [
            ("(a) f–I, 100 amps × 500 ms",
             tutor_cmd("sweep", "fi", "--preset", "squid", "--amps", FI_AMPS, "--json"),
             nrn_cmd("fi", FI_AMPS)),
            ("(b) refractory, 11 ISIs",
             tutor_cmd("sweep", "refractory", "--preset", "squid", "--isis", isis, "--json"),
             nrn_cmd("refractory", isis)),
            ("(c) one 1000 ms trace → CSV (NEURON: t, v only)",
             tutor_cmd("simulate", "--preset", "squid", "--tstop", "1000", f"--pulse={pulse}",
                       "--csv", csv_t),
             nrn_cmd("trace", pulse, csv_n)),
            ("(c′) one 1000 ms trace → CSV (NEURON: the same 9 columns)",
             tutor_cmd("simulate", "--preset", "squid", "--tstop", "1000", f"--pulse={pulse}",
                       "--csv", csv_t),
             nrn_cmd("trace9", pulse, csv_n)),
        ]  # fmt: skip
        codes = ["a", "b", "c", "c2"]
        rows = [row for code, row in zip(codes, rows, strict=True) if code in wanted]
        print(f"load average before: {load_average()}", flush=True)
        results = []
        for name, t_cmd, n_cmd in rows:
            cmds = [(t_cmd, {"TUTOR_KERNEL": k}) for k in kernels] + [(n_cmd, None)]
            *tutors, n = timed_in_turns(cmds, repeats)
            results.append((name, tutors, n))
            print(f"{name}: " + ", ".join(f"tutor/{k} {t['median_s']:.3f} s"
                  for k, t in zip(kernels, tutors, strict=True))
                  + f", NEURON {n['median_s']:.3f} s", flush=True)  # fmt: skip
        if results and results[0][0].startswith("(a)"):  # sanity: the f–I rates agree
            theirs = [float(x) for x in results[0][2]["out"].split()]
            for k, t in zip(kernels, results[0][1], strict=True):
                ours = [p["rate_hz"] for p in json.loads(t["out"])["points"]]
                agree = sum(abs(a - b) <= 0.01 * max(b, 1e-9) or a == b
                            for a, b in zip(ours, theirs, strict=True))  # fmt: skip
                print(f"f–I sanity ({k}): {agree}/100 rates within 1 % of NEURON fixed step")
        mem_cmd = tutor_cmd("sweep", "fi", "--preset", "squid", "--amps", "0:50:1000", "--json")
        mem = {k: (run_once(mem_cmd, {"TUTOR_KERNEL": k})[0],
                   peak_rss_mib(mem_cmd, {"TUTOR_KERNEL": k})) for k in kernels}  # fmt: skip
        print(f"load average after: {load_average()}\n")
    head = "| protocol | " + " | ".join(f"tutor {k} median [min] (s)" for k in kernels)
    head += " | NEURON fixed step median [min] (s) | "
    head += " | ".join(f"NEURON / {k}: wall (CPU)" for k in kernels)
    head += " | " + " | ".join(f"{k} RSS (MiB)" for k in kernels) + " | NEURON RSS (MiB) |"
    print(head)
    print("|---|" + "---:|" * (3 * len(kernels) + 2))
    for name, tutors, n in results:
        cells = [f"{t['median_s']:.3f} [{min(t['runs_s']):.3f}]" for t in tutors]
        cells.append(f"{n['median_s']:.3f} [{min(n['runs_s']):.3f}]")
        cells += [f"**{n['median_s'] / t['median_s']:.1f}×** ({n['cpu_s'] / t['cpu_s']:.1f}×)"
                  for t in tutors]  # fmt: skip
        cells += [f"{t['rss_mib']:.0f}" for t in tutors] + [f"{n['rss_mib']:.0f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for k, (wall, rss) in mem.items():
        print(f"\n1000-cell × 500 ms f–I sweep (`tutor sweep fi --amps 0:50:1000`), {k} "
              f"kernel: {wall:.2f} s wall, peak RSS {rss:.0f} MiB (limit 500 MiB)")  # fmt: skip
    if not args.skip_accuracy:
        print("\nDeviation from NEURON CVODE (atol 1e-8):\n")
        print("| case | spike time (ms) | peak (mV) / peak time (ms) | AHP min (mV) |")
        print("|---|---:|---:|---:|")
        for row in accuracy():
            print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
