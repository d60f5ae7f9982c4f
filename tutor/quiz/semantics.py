"""Checks that relate several fields of one validated lesson or question.

The schema (`tutor.quiz.models`) says what each field may hold; these checks
say what the fields mean together: a choice question has a right answer, a
`{name}` placeholder is declared, `answer_as` fits the measure's type, a
trigger names a phase exactly when its event has one. They run on models that
already passed the schema, so they never re-check a type, and each returns
`Finding`s (a TOML path, a code, a message) that the loader positions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from tutor.lab.names import (
    AXON_MEASURES,
    AXON_STIM_SITES,
    CLAMP_MEASURES,
    MEASURES,
    NEURON_MEASURES,
)
from tutor.quiz.models import (
    ANSWER_AS_MEASURE_TYPE,
    PLACEHOLDER_RE,
    ChoiceQuestion,
    LessonFront,
    MarkQuestion,
    NumericQuestion,
    ParamSpec,
    PredictQuestion,
    Question,
    QuestionBase,
    RunSpec,
    Trigger,
)
from tutor.quiz.problems import Finding, did_you_mean

Path = tuple[str | int, ...]


def _placeholders(path: Path, text: object, declared: set[str]) -> Iterator[Finding]:
    """E021 for each `{name}` in `text` that `params` does not declare."""
    if not isinstance(text, str):
        return
    for name in PLACEHOLDER_RE.findall(text):
        if name not in declared:
            hint = did_you_mean(name, declared)
            message = f"placeholder `{{{name}}}` is not declared in `params`{hint}"
            yield Finding(path, "E021", message, at_value=True)


def _run_placeholders(path: Path, run: RunSpec, declared: set[str]) -> Iterator[Finding]:
    for n, pulse in enumerate(run.pulses):
        for k, value in enumerate(pulse):
            yield from _placeholders((*path, "pulses", n, k), value, declared)
    for name, value in run.set.items():
        yield from _placeholders((*path, "set", name), value, declared)
    for key in ("celsius", "tstop", "hold"):
        yield from _placeholders((*path, key), getattr(run, key), declared)
    if run.clamp is not None:
        yield from _clamp(path, run, declared)


def _clamp(path: Path, run: RunSpec, declared: set[str]) -> Iterator[Finding]:
    """A voltage-clamp run: placeholders, no current stimulus beside it (E040), and a
    protocol `tutor clamp` accepts (E031: voltages in range, durations > 0, a step)."""
    from tutor.lab.clamp import protocol_from_spec
    from tutor.sim.params import ParameterError

    clamp = run.clamp
    assert clamp is not None
    cpath = (*path, "clamp")
    for key in ("pulses", "hold", "tstop"):
        if key in run.model_fields_set:
            message = f"a voltage-clamp run has no `{key}` (the clamp sets V; see `clamp`)"
            yield Finding((*path, key), "E040", message)
    spec = clamp.to_dict()
    placeholders = False
    for key, value in spec.items():
        items = value if isinstance(value, list) else [value]
        for n, v in enumerate(items):
            if isinstance(v, str):
                placeholders = True
                where = (*cpath, key, n) if isinstance(value, list) else (*cpath, key)
                yield from _placeholders(where, v, declared)
    if not placeholders:
        given = {k: v for k, v in spec.items() if k in clamp.model_fields_set}
        try:
            protocol_from_spec({**given, "steps": spec["steps"]})
        except ParameterError as exc:
            key = str(exc).split(":", 1)[0].removeprefix("clamp.")
            at = key in clamp.model_fields_set
            yield Finding((*cpath, key) if at else cpath, "E031", str(exc), at)


def _fits_run(run: RunSpec, measure: str, path: Path) -> Iterator[Finding]:
    """E040: a clamp measure needs a clamp run, and a clamp run has only clamp measures."""
    is_clamp = run.clamp is not None
    if (measure in CLAMP_MEASURES) != is_clamp:
        need = "a current-clamp run" if is_clamp else "a voltage-clamp run (`clamp`)"
        yield Finding(path, "E040", f"measure `{measure}` needs {need}", True)


def _params(params: dict[str, ParamSpec]) -> Iterator[Finding]:
    """E029: a parameter is drawn either from `values` or from a `min`..`max` grid."""
    for name, spec in params.items():
        path: Path = ("params", name)
        if spec.values is not None:
            if spec.min is not None or spec.max is not None or spec.step is not None:
                yield Finding(
                    path, "E029", f"`params.{name}`: give `values` or `min`/`max`, not both"
                )
            elif not spec.values:
                yield Finding((*path, "values"), "E029", "`values` must not be empty", True)
        elif spec.min is None or spec.max is None:
            yield Finding(path, "E029", f"`params.{name}` needs `min` and `max` (or `values`)")
        elif spec.max < spec.min:
            yield Finding((*path, "max"), "E029", "`max` must be >= `min`", True)
        elif spec.step is not None and spec.step <= 0:
            yield Finding((*path, "step"), "E029", "`step` must be > 0", True)


def _trigger(trigger: Trigger) -> Iterator[Finding]:
    """`phase` is required by phase_enter/phase_exit (E004) and meaningless elsewhere (E030)."""
    wants_phase = trigger.on in ("phase_enter", "phase_exit")
    if wants_phase and trigger.phase is None:
        yield Finding(("trigger",), "E004", f"trigger `{trigger.on}` needs a `phase`")
    if not wants_phase and trigger.phase is not None:
        message = f"`phase` only applies to phase_enter/phase_exit, not `{trigger.on}`"
        yield Finding(("trigger", "phase"), "E030", message)


def _tolerances(
    tolerance: float | None, tolerance_pct: float | None, anchor: Path
) -> Iterator[Finding]:
    """E020: exactly one of an absolute or a relative tolerance."""
    if tolerance is not None and tolerance_pct is not None:
        yield Finding(
            ("tolerance_pct",), "E020", "give either `tolerance` or `tolerance_pct`, not both"
        )
    elif tolerance is None and tolerance_pct is None:
        message = "missing `tolerance` (absolute) or `tolerance_pct` (relative)"
        yield Finding(anchor, "E020", message)


def _choice(q: ChoiceQuestion, declared: set[str]) -> Iterator[Finding]:
    correct: list[int] = []
    for n, option in enumerate(q.option):
        yield from _placeholders(("option", n, "text"), option.text, declared)
        yield from _placeholders(("option", n, "feedback"), option.feedback, declared)
        if option.correct:
            correct.append(n)
            if option.misconception is not None:
                message = "a correct option cannot carry a misconception tag"
                yield Finding(("option", n, "misconception"), "E011", message)
    if not correct:
        yield Finding(("id",), "E008", "no option has `correct = true`")
    elif len(correct) > 1 and not q.multiple:
        message = f"{len(correct)} options are correct but `multiple` is not true"
        yield Finding(("option", correct[1], "correct"), "E009", message)


def _predict(q: PredictQuestion) -> Iterator[Finding]:
    """E026: the way of answering fits the measure; unit/tolerance only for numbers."""
    measure_type = MEASURES[q.measure]
    if ANSWER_AS_MEASURE_TYPE[q.answer_as] != measure_type:
        fits = [k for k, v in ANSWER_AS_MEASURE_TYPE.items() if v == measure_type]
        message = (
            f'`answer_as = "{q.answer_as}"` does not fit measure `{q.measure}` '
            f"({measure_type}); use `{fits[0]}`"
        )
        yield Finding(("answer_as",), "E026", message, True)
    if q.answer_as == "number":
        if q.unit is None:
            yield Finding(("answer_as",), "E004", '`answer_as = "number"` needs a `unit`')
        yield from _tolerances(q.tolerance, q.tolerance_pct, ("answer_as",))
    else:
        for key in ("tolerance", "tolerance_pct", "unit"):
            if getattr(q, key) is not None:
                message = f'`{key}` only applies to `answer_as = "number"`'
                yield Finding((key,), "E026", message)


def _texts(q: Question | QuestionBase, declared: set[str]) -> Iterator[Finding]:
    for key in ("prompt", "explanation", "feedback_right", "feedback_wrong"):
        yield from _placeholders((key,), getattr(q, key, None), declared)


def _axon(path: Path, run: RunSpec) -> Iterator[Finding]:
    """E031: an `axon` table's values are in range (units in the messages)."""
    axon = run.axon
    if axon is None:
        return
    at = (*path, "axon")
    for key, unit in (("diam", "µm"), ("length", "mm"), ("ra", "Ω·cm")):
        value = getattr(axon, key)
        if value is not None and not value > 0:
            yield Finding((*at, key), "E031", f"`axon.{key}` must be > 0 {unit}", True)
    if axon.nseg is not None and axon.nseg < 3:
        yield Finding((*at, "nseg"), "E031", "`axon.nseg` must be ≥ 3", True)
    if axon.stim not in AXON_STIM_SITES:
        message = f"`axon.stim` must be one of {', '.join(AXON_STIM_SITES)}, not `{axon.stim}`"
        yield Finding(
            (*at, "stim"), "E031", message + did_you_mean(axon.stim, AXON_STIM_SITES), True
        )
    if axon.demyelinate is not None:
        x0, x1, factor = axon.demyelinate
        if not (0 <= x0 < x1 and factor >= 1):
            message = (
                "`axon.demyelinate` must be [from_mm, to_mm, factor], 0 ≤ from < to, factor ≥ 1"
            )
            yield Finding((*at, "demyelinate"), "E031", message, True)
        if not axon.myelin:
            yield Finding((*at, "demyelinate"), "E031", "`axon.demyelinate` needs `myelin = true`")


def _neuron(path: Path, run: RunSpec) -> Iterator[Finding]:
    """E031: every input of a `neuron` table parses as `tutor synapse --input` does."""
    if run.neuron is None:
        return
    from tutor.lab.neuron import parse_input, synapse_kinds
    from tutor.sim.params import ParameterError

    kinds = list(synapse_kinds())
    if not run.neuron.inputs:
        yield Finding((*path, "neuron", "inputs"), "E031", "`neuron.inputs` needs an input", True)
    for k, text in enumerate(run.neuron.inputs):
        if "{" in text:  # a placeholder, checked once instantiated
            continue
        try:
            parse_input(text, kinds)
        except ParameterError as exc:
            yield Finding((*path, "neuron", "inputs", k), "E031", f"`neuron.inputs`: {exc}", True)


def _fits(path: Path, measure: str, run: RunSpec) -> Iterator[Finding]:
    """E041: axon measures read axon runs, neuron measures neuron runs, the others patches."""
    if (measure in AXON_MEASURES) != (run.axon is not None):
        need = "an `axon` table in `run`" if measure in AXON_MEASURES else "a run without `axon`"
        yield Finding(path, "E041", f"measure `{measure}` needs {need}", True)
    if (measure in NEURON_MEASURES) != (run.neuron is not None):
        need = (
            "a `neuron` table in `run`" if measure in NEURON_MEASURES else "a run without `neuron`"
        )
        yield Finding(path, "E041", f"measure `{measure}` needs {need}", True)
    kinds = [run.axon is not None, run.clamp is not None, run.neuron is not None]
    if sum(kinds) > 1:
        yield Finding(path, "E041", "a run is one of an axon, a voltage clamp, a neuron", True)


def _runs(q: Question | QuestionBase, declared: set[str]) -> Iterator[Finding]:
    if isinstance(q, PredictQuestion | MarkQuestion):
        yield from _run_placeholders(("run",), q.run, declared)
        yield from _axon(("run",), q.run)
        yield from _neuron(("run",), q.run)
    if isinstance(q, PredictQuestion) and "measure" in q.model_fields_set:
        yield from _fits_run(q.run, q.measure, ("measure",))
        yield from _fits(("measure",), q.measure, q.run)
    if isinstance(q, MarkQuestion) and q.run.clamp is not None:
        yield Finding(("run", "clamp"), "E040", "a mark question needs a current-clamp run")
    if isinstance(q, MarkQuestion) and q.run.axon is not None:
        yield Finding(("run", "axon"), "E041", "a mark question shows a patch trace, not an axon")
    if isinstance(q, MarkQuestion) and q.run.neuron is not None:
        yield Finding(
            ("run", "neuron"), "E041", "a mark question shows a patch trace, not a neuron"
        )
    if isinstance(q, NumericQuestion) and q.from_model is not None:
        yield from _run_placeholders(("from_model", "run"), q.from_model.run, declared)
        fm = q.from_model
        yield from _axon(("from_model", "run"), fm.run)
        yield from _neuron(("from_model", "run"), fm.run)
        yield from _fits_run(fm.run, fm.measure, ("from_model", "measure"))
        yield from _fits(("from_model", "measure"), fm.measure, fm.run)


def _by_type(q: Question | QuestionBase, declared: set[str]) -> Iterator[Finding]:
    if isinstance(q, ChoiceQuestion):
        yield from _choice(q, declared)
    elif isinstance(q, NumericQuestion):
        yield from _tolerances(q.tolerance, q.tolerance_pct, ("answer",))
    elif isinstance(q, PredictQuestion):
        yield from _predict(q)


_READS: dict[str, frozenset[str]] = {
    "choice": frozenset({"option", "multiple"}),
    "numeric": frozenset({"tolerance", "tolerance_pct"}),
    "predict": frozenset({"measure", "answer_as", "unit", "tolerance", "tolerance_pct"}),
}
"""The keys the type-specific checks read, by question type."""


def question_findings(q: Question | QuestionBase, skip: Collection[str] = ()) -> list[Finding]:
    """Every semantic problem of one question.

    `skip` names top-level keys that failed the schema (`q` then holds only the
    keys that passed; the failed ones are absent or at their default). A check
    that reads one of them is not run, so a wrong value is reported once, by
    the schema, and never again as a consequence (a rejected `multiple` does
    not turn into "several options are correct").
    """
    missing = {n for n, f in type(q).model_fields.items() if f.is_required()}
    unusable = set(skip) | (missing - q.model_fields_set)
    if "params" in unusable:  # which placeholders are declared is unknown
        return []
    declared = set(q.params)
    checks: list[Iterable[Finding]] = [_params(q.params), _texts(q, declared)]
    if not {"run", "from_model"} & unusable:
        checks.append(_runs(q, declared))
    if q.trigger is not None and "trigger" not in unusable:
        checks.append(_trigger(q.trigger))
    if not _READS.get(getattr(q, "type", ""), frozenset()) & unusable:
        checks.append(_by_type(q, declared))
    return [finding for check in checks for finding in check]


def front_findings(front: LessonFront, skip: Collection[str] = ()) -> list[Finding]:
    """Semantic problems of front matter (see `question_findings` for `skip`).

    Try-it runs have no parameters, so any placeholder in them is undeclared.
    """
    if "try_it" in skip:
        return []
    out: list[Finding] = []
    for n, step in enumerate(front.try_it):
        out.extend(_run_placeholders(("try_it", n), step, set()))
        if step.clamp is not None:
            message = "a try-it step sets up the live lab, which has no clamp (press C for it)"
            out.append(Finding(("try_it", n, "clamp"), "E040", message))
        if step.neuron is not None:
            message = "a try-it step sets up the patch lab; synapses run in a question's `run`"
            out.append(Finding(("try_it", n, "neuron"), "E041", message))
        if step.axon is not None:
            message = "a try-it step sets up the patch lab; the axon has its own view (press a)"
            out.append(Finding(("try_it", n, "axon"), "E041", message))
    return out
