"""The content schema: typed, frozen, strict models of lessons and questions.

These models *are* the content format (docs/content-format.md). The loader
validates every TOML block against them and turns pydantic's error locations
into file positions (`tutor.quiz.schema_errors`), so what one field may hold —
its type, the names it may take (`Literal`s from `tutor.lab.names`), its range
— is written here and nowhere else. Checks that relate several fields (one
correct option, placeholders declared, `answer_as` fits the measure) live in
`tutor.quiz.semantics`, checks across files in `tutor.quiz.crossfile`.

Everything downstream — grading, the store, plain mode, the TUI — works on
these validated, immutable objects and never on dicts. Models are strict: a
string is never read as a number nor `1` as `true`; arrays are tuples (the
loader turns TOML arrays into tuples before validating).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from tutor.lab.names import (
    BlockName,
    ExcitabilityState,
    MarkTarget,
    MeasureName,
    ParameterName,
    Phase,
    PresetName,
    TriggerOn,
)

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
"""Lesson and question ids: lowercase letters, digits and single dashes."""

PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""A `{name}` placeholder for a parameter drawn from the seed."""

ContentId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""An id that is safe in card ids, file names and command lines."""


def _scalar(value: Any) -> float | str:
    """A number (ints become floats) or a whole-string `"{name}"` placeholder."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and PLACEHOLDER_RE.fullmatch(value):
        return value
    raise PydanticCustomError("scalar_type", "Input should be a number or a placeholder")


def _at_least(bound: float, strict: bool) -> Any:
    """A check that a number (placeholders pass; they are checked once drawn) is above a bound."""
    error = "greater_than" if strict else "greater_than_equal"

    def check(value: float | str) -> float | str:
        if isinstance(value, float) and (value <= bound if strict else value < bound):
            raise PydanticCustomError(error, "Input is out of range", {"bound": bound})
        return value

    return AfterValidator(check)


def _param_value(value: Any) -> float | int | str:
    """One of a parameter's explicit choices: a number or a string."""
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("value_type", "Input should be a number or a string")


ParamValue = Annotated[float | int | str, PlainValidator(_param_value)]
"""A choice of a drawn parameter (numbers keep their type: 5 stays an int)."""
Scalar = Annotated[float | str, PlainValidator(_scalar)]
"""A number, or a `"{name}"` placeholder string replaced by a drawn parameter."""
PositiveScalar = Annotated[Scalar, _at_least(0.0, strict=True)]
"""A scalar that must be > 0 when it is a number."""
NonNegativeScalar = Annotated[Scalar, _at_least(0.0, strict=False)]
"""A scalar that must be ≥ 0 when it is a number."""
Positive = Annotated[float, Field(gt=0)]
"""A number > 0 (tolerances)."""
Pulse = tuple[NonNegativeScalar, PositiveScalar, Scalar]
"""One current pulse: (delay_ms ≥ 0, width_ms > 0, amp_uA_cm2)."""


class _Frozen(BaseModel):
    """Base: immutable, strict, and closed to unknown keys, so a typo never passes silently."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True
    )


class ClampSpec(_Frozen):
    """A voltage-clamp protocol in content (`run.clamp`), as `tutor clamp` takes it.

    Ideal clamp: hold from t = −∞, optional prepulse from 5 ms, test step(s), optional tail.
    """

    steps: tuple[Scalar, ...]
    """Test-step voltages in mV (one run per step; −150 … +100)."""
    hold: Scalar = -65.0
    """Holding potential in mV (−150 … +100)."""
    dur: PositiveScalar = 20.0
    """Test-step length in ms (> 0)."""
    prepulse: tuple[Scalar, ...] = ()
    """Prepulse voltages in mV (two-step protocol); each is followed by every step."""
    pre_dur: PositiveScalar = 50.0
    """Prepulse length in ms (> 0)."""
    tail: Scalar | None = None
    """Tail potential after the step in mV; None means the holding potential."""
    tail_dur: Scalar | None = None
    """Tail length in ms (5 when `tail` is given, else 0)."""

    def to_dict(self) -> dict[str, object]:
        """The plain `clamp` table `tutor.lab.clamp.protocol_from_spec` takes."""
        out: dict[str, object] = {
            "steps": list(self.steps),
            "hold": self.hold,
            "dur": self.dur,
            "prepulse": list(self.prepulse),
            "pre_dur": self.pre_dur,
        }
        if self.tail is not None:
            out["tail"] = self.tail
        if self.tail_dur is not None:
            out["tail_dur"] = self.tail_dur
        return out


class AxonRun(_Frozen):
    """An axon (a cable, `tutor propagate`'s protocol) instead of a patch of membrane.

    Ranges (sizes > 0, nseg ≥ 3, a known `stim`, a well-formed `demyelinate` that
    needs `myelin`) are checked in `tutor.quiz.semantics`, whose messages give units.
    """

    diam: float | None = None
    """Diameter in µm (bare axon) or fibre diameter (myelin); None: 476 µm / 10 µm."""
    length: float | None = None
    """Length in mm; None: 50 mm bare, 40 internodes myelinated."""
    ra: float | None = None
    """Axial resistivity in Ω·cm; None: 35.4."""
    myelin: bool = False
    """Nodes of Ranvier and myelinated internodes (data/fibres/myelinated.toml)."""
    stim: str = "left"
    """Which end(s) the 0.5 ms pulse at t = 1 ms goes to: left, right or both."""
    demyelinate: tuple[float, float, float] | None = None
    """(from_mm, to_mm, factor): internodes there keep 1/factor of their myelin."""
    nseg: int | None = None
    """Compartments (bare: of the axon; myelin: per internode); None: the d_lambda rule."""

    def to_dict(self) -> dict[str, object]:
        """The `axon` table of the engine's run dict (only the keys that were given)."""
        return self.model_dump(exclude_defaults=True)


class NeuronRun(_Frozen):
    """Synaptic inputs on the ball-and-stick neuron (`tutor synapse`'s protocol).

    Each input is `tutor synapse --input`'s KIND,WHERE,T_MS,WEIGHT_NS; they are
    parsed (and their ranges checked) in `tutor.quiz.semantics` (E031).
    """

    inputs: tuple[str, ...]
    """Inputs as "KIND,WHERE,T_MS,WEIGHT_NS" (ampa|nmda|gabaa, soma|dend:X, ms, nS)."""

    def to_dict(self) -> dict[str, object]:
        """The `neuron` table of the engine's run dict."""
        return {"inputs": list(self.inputs)}


class RunSpec(_Frozen):
    """A simulation protocol described in content (a `run` table or a `try_it` step).

    Numbers may be `"{name}"` placeholders until the question is instantiated.
    """

    preset: PresetName | None = None
    """Preset name (`textbook`, `squid`); None means the lesson's preset."""
    pulses: tuple[Pulse, ...] = ()
    """Current pulses as (delay_ms, width_ms, amp_uA_cm2)."""
    block: tuple[BlockName, ...] = ()
    """Drug blocks applied from t = 0 (`ttx` removes gNa, `tea` removes gK)."""
    set: dict[ParameterName, Scalar] = Field(default_factory=dict)
    """Parameter overrides by name (gna gk gl in mS/cm², ena ek el in mV, cm µF/cm², celsius °C)."""
    celsius: Scalar | None = None
    """Temperature in °C; None keeps the preset's."""
    tstop: PositiveScalar = 50.0
    """Length of the run in ms (> 0)."""
    hold: Scalar = 0.0
    """Holding current in µA/cm² from t = 0 (inward/depolarising positive)."""
    clamp: ClampSpec | None = None
    """A voltage clamp instead of current pulses (then `pulses`, `hold`, `tstop` are unused)."""
    axon: AxonRun | None = None
    """An axon run (propagation) instead of a patch; its measures are the axon ones."""
    neuron: NeuronRun | None = None
    """Synaptic inputs on the ball-and-stick neuron instead of a patch (`tstop` applies)."""

    def to_dict(self, default_preset: str) -> dict[str, object]:
        """The plain dict the engine's `measure(run, ...)` takes (preset filled in)."""
        out: dict[str, object] = {
            "preset": self.preset or default_preset,
            "pulses": [list(p) for p in self.pulses],
            "block": list(self.block),
            "set": dict(self.set),
            "tstop": self.tstop,
            "hold": self.hold,
        }
        if self.celsius is not None:
            out["celsius"] = self.celsius
        if self.clamp is not None:
            out["clamp"] = self.clamp.to_dict()
        if self.axon is not None:
            out["axon"] = self.axon.to_dict()
        if self.neuron is not None:
            out["neuron"] = self.neuron.to_dict()
        return out


class TryIt(RunSpec):
    """A "try it" step in a lesson: a label plus a run that sets the lab up."""

    label: str
    """What the button/key in the Lessons screen says."""


class ParamSpec(_Frozen):
    """A parameter drawn reproducibly from the seed: a grid `min..max` or a list of values."""

    min: float | None = None
    """Lower bound (inclusive) when drawing from a range."""
    max: float | None = None
    """Upper bound (inclusive) when drawing from a range."""
    step: float | None = None
    """Grid step for a range; None draws uniformly (rounded to 3 decimals)."""
    values: tuple[ParamValue, ...] | None = None
    """Explicit choices; mutually exclusive with min/max."""


class Trigger(_Frozen):
    """Ties a question to the live event stream of the phase machine."""

    on: TriggerOn
    """Event listened for: one of `tutor.lab.names.TRIGGER_ON`."""
    phase: Literal[Phase, ExcitabilityState] | None = None
    """Phase or excitability state, required for `phase_enter`/`phase_exit`."""
    once: bool = True
    """Fire at most once per session."""
    pause: bool = True
    """Pause the live run when the question opens."""


class Option(_Frozen):
    """One option of a choice question."""

    text: str
    """What the learner sees."""
    correct: bool = False
    """Whether choosing it is right."""
    feedback: str
    """Why it is right or wrong; required on every option so no answer goes unexplained."""
    misconception: str | None = None
    """Tag of the misconception a wrong option embodies (never on a correct option)."""


class Near(_Frozen):
    """A known wrong numeric answer that earns targeted feedback."""

    value: float
    """The wrong value the misconception produces."""
    tolerance: Positive
    """Absolute window around `value` (> 0)."""
    feedback: str
    """What to tell a learner whose answer falls in the window."""
    misconception: str | None = None
    """Misconception tag recorded with the attempt."""


class FromModel(_Frozen):
    """States that a numeric answer is a model value; tests recompute it."""

    run: RunSpec
    """The protocol whose measure is the answer."""
    measure: MeasureName
    """Measure name from `tutor.lab.names.MEASURES`."""


class QuestionBase(_Frozen):
    """Keys shared by every question type."""

    id: ContentId
    """Unique within the lesson; `lesson/question` is the review card id."""
    prompt: str
    """The question text; may contain `{name}` placeholders for `params`."""
    explanation: str | None = None
    """Shown after any answer."""
    trigger: Trigger | None = None
    """Live event that opens the question in the lab, if any."""
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    """Parameters drawn from the seed, by name."""
    tags: tuple[str, ...] = ()
    """Free topic tags."""
    line: int = 0
    """1-based line of the ```question fence in the source file (set by the loader)."""

    @field_validator("line", mode="before")
    @classmethod
    def _line_is_not_content(cls, value: Any, info: ValidationInfo) -> Any:
        """Content cannot set `line`: the loader does (validation context `from_content`)."""
        if info.context and info.context.get("from_content"):
            raise PydanticCustomError("extra_forbidden", "Extra inputs are not permitted")
        return value


class ChoiceQuestion(QuestionBase):
    """Pick one option (or several when `multiple`)."""

    type: Literal["choice"] = "choice"
    """Discriminator."""
    multiple: bool = False
    """Several options may be correct; graded per option."""
    shuffle: bool = True
    """Show the options in a per-learner order (seeded); false keeps the file order, for
    options that refer to each other ("both of the above")."""
    option: Annotated[tuple[Option, ...], Field(min_length=2)]
    """The options (at least two), in display order."""


class NumericQuestion(QuestionBase):
    """Type a number in a unit; right within an absolute or relative tolerance."""

    type: Literal["numeric"] = "numeric"
    """Discriminator."""
    answer: float
    """The key."""
    unit: str
    """Unit the learner answers in (shown)."""
    tolerance: Positive | None = None
    """Absolute tolerance (> 0); exclusive with `tolerance_pct`."""
    tolerance_pct: Positive | None = None
    """Relative tolerance in percent of `answer` (> 0)."""
    near: tuple[Near, ...] = ()
    """Known wrong answers with targeted feedback."""
    from_model: FromModel | None = None
    """When set, `answer` is a model value checked by the test suite."""


class OrderQuestion(QuestionBase):
    """Put phase names in order; partial credit per adjacent pair."""

    type: Literal["order"] = "order"
    """Discriminator."""
    items: Annotated[tuple[Phase, ...], Field(min_length=3)]
    """Phase names (at least three) in the correct order."""


AnswerAs = Literal["yes_no", "number", "count"]
"""How a predict question is answered."""

ANSWER_AS_MEASURE_TYPE: dict[str, str] = {"yes_no": "bool", "number": "float", "count": "int"}
"""The measure type (`tutor.lab.names.MEASURES`) each way of answering fits."""


VoltageConvention = Literal["modern", "1952"]
"""How a trace is drawn: modern V, or Hodgkin & Huxley 1952 (rest = 0, depolarization
negative; `tutor.lab.notation.Notation`)."""


class PredictQuestion(QuestionBase):
    """Predict, then the run is simulated and its measure is the key."""

    type: Literal["predict"] = "predict"
    """Discriminator."""
    run: RunSpec
    """The protocol simulated after the learner answers."""
    measure: MeasureName
    """Measure read from the run (`tutor.lab.names.MEASURES`)."""
    answer_as: AnswerAs
    """How the learner answers: yes/no (bool measure), a number, or a count (int measure)."""
    unit: str | None = None
    """Unit for `number` answers."""
    tolerance: Positive | None = None
    """Absolute tolerance for `number` answers."""
    tolerance_pct: Positive | None = None
    """Relative tolerance (percent of the measured value) for `number` answers."""
    feedback_right: str | None = None
    """Extra text when the prediction matches."""
    feedback_wrong: str | None = None
    """Extra text when it does not."""
    convention: VoltageConvention | None = None
    """The voltage convention the question's words assume (its run is drawn in it); None:
    the words hold in either, and the run is drawn as the lab shows V now."""


class MarkQuestion(QuestionBase):
    """Place a cursor on the trace at an event; right within `tolerance_ms`."""

    type: Literal["mark"] = "mark"
    """Discriminator."""
    run: RunSpec
    """The trace shown (frozen)."""
    target: MarkTarget
    """`threshold`, `peak`, `ahp_min`, `spike` or `phase:NAME` (`tutor.lab.names.MARK_TARGETS`)."""
    tolerance_ms: Positive
    """Half-width of the accepted window in ms (> 0)."""
    convention: VoltageConvention | None = None
    """The voltage convention the prompt's words assume ("the lowest point", "points
    downward"); the trace is drawn in it. None: the words hold in either convention, and
    the trace is drawn as the lab shows V now (`v`)."""


Question = Annotated[
    ChoiceQuestion | NumericQuestion | OrderQuestion | PredictQuestion | MarkQuestion,
    Field(discriminator="type"),
]
"""Any question, discriminated on `type`."""

QUESTION_MODELS: dict[str, type[QuestionBase]] = {
    "choice": ChoiceQuestion,
    "numeric": NumericQuestion,
    "order": OrderQuestion,
    "predict": PredictQuestion,
    "mark": MarkQuestion,
}
"""The model of each question `type`."""

QUESTION_TYPES: tuple[str, ...] = tuple(QUESTION_MODELS)
"""Every question type, in the order summaries list them."""


class LessonFront(_Frozen):
    """The TOML front matter of a lesson file (between the `+++` lines)."""

    id: ContentId
    """Unique across all content files."""
    title: str
    """Shown in the lesson list."""
    preset: PresetName
    """Preset runs use unless they name another."""
    order: int = 100
    """Position in the lesson list (ties broken by id)."""
    prerequisites: tuple[str, ...] = ()
    """Lesson ids to study first."""
    try_it: tuple[TryIt, ...] = ()
    """Lab set-ups offered next to the prose."""


class Lesson(LessonFront):
    """One lesson file: front matter, prose and questions."""

    body: str = ""
    """Markdown prose with the question blocks removed."""
    questions: tuple[Question, ...] = ()
    """Questions in file order."""
    path: str = ""
    """Source file (for messages)."""

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if absent)."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)
