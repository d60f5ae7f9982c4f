"""Typed, frozen models of lessons and questions (see docs/content-format.md).

The loader checks the raw TOML itself (to report errors with file positions)
and then builds these models, so everything downstream — grading, the store,
plain mode, the TUI — works on validated, immutable objects and never on dicts.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Scalar = float | str
"""A number, or a `"{name}"` placeholder string replaced by a drawn parameter."""


class _Frozen(BaseModel):
    """Base: immutable and strict about unknown keys, so a typo never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class RunSpec(_Frozen):
    """A simulation protocol described in content (a `run` table or a `try_it` step).

    Numbers may be `"{name}"` placeholders until the question is instantiated.
    """

    preset: str | None = None
    """Preset name (`textbook`, `squid`); None means the lesson's preset."""
    pulses: tuple[tuple[Scalar, Scalar, Scalar], ...] = ()
    """Current pulses as (delay_ms, width_ms, amp_uA_cm2)."""
    block: tuple[str, ...] = ()
    """Drug blocks applied from t = 0 (`ttx` removes gNa, `tea` removes gK)."""
    set: dict[str, Scalar] = Field(default_factory=dict)
    """Parameter overrides by name (gna gk gl in mS/cm², ena ek el in mV, cm µF/cm², celsius °C)."""
    celsius: Scalar | None = None
    """Temperature in °C; None keeps the preset's."""
    tstop: Scalar = 50.0
    """Length of the run in ms."""
    hold: Scalar = 0.0
    """Holding current in µA/cm² from t = 0 (inward/depolarising positive)."""

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
    values: tuple[float | int | str, ...] | None = None
    """Explicit choices; mutually exclusive with min/max."""


class Trigger(_Frozen):
    """Ties a question to the live event stream of the phase machine."""

    on: str
    """Event listened for: one of `tutor.lab.names.TRIGGER_ON`."""
    phase: str | None = None
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
    tolerance: float
    """Absolute window around `value` (> 0)."""
    feedback: str
    """What to tell a learner whose answer falls in the window."""
    misconception: str | None = None
    """Misconception tag recorded with the attempt."""


class FromModel(_Frozen):
    """States that a numeric answer is a model value; tests recompute it."""

    run: RunSpec
    """The protocol whose measure is the answer."""
    measure: str
    """Measure name from `tutor.lab.names.MEASURES`."""


class _QuestionBase(_Frozen):
    """Keys shared by every question type."""

    id: str
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
    """1-based line of the ```question fence in the source file (for messages)."""


class ChoiceQuestion(_QuestionBase):
    """Pick one option (or several when `multiple`)."""

    type: Literal["choice"] = "choice"
    """Discriminator."""
    multiple: bool = False
    """Several options may be correct; graded per option."""
    shuffle: bool = True
    """Show the options in a per-learner order (seeded); false keeps the file order, for
    options that refer to each other ("both of the above")."""
    option: tuple[Option, ...]
    """The options, in display order."""


class NumericQuestion(_QuestionBase):
    """Type a number in a unit; right within an absolute or relative tolerance."""

    type: Literal["numeric"] = "numeric"
    """Discriminator."""
    answer: float
    """The key."""
    unit: str
    """Unit the learner answers in (shown)."""
    tolerance: float | None = None
    """Absolute tolerance (> 0); exclusive with `tolerance_pct`."""
    tolerance_pct: float | None = None
    """Relative tolerance in percent of `answer` (> 0)."""
    near: tuple[Near, ...] = ()
    """Known wrong answers with targeted feedback."""
    from_model: FromModel | None = None
    """When set, `answer` is a model value checked by the test suite."""


class OrderQuestion(_QuestionBase):
    """Put phase names in order; partial credit per adjacent pair."""

    type: Literal["order"] = "order"
    """Discriminator."""
    items: tuple[str, ...]
    """Phase names in the correct order."""


class PredictQuestion(_QuestionBase):
    """Predict, then the run is simulated and its measure is the key."""

    type: Literal["predict"] = "predict"
    """Discriminator."""
    run: RunSpec
    """The protocol simulated after the learner answers."""
    measure: str
    """Measure read from the run (`tutor.lab.names.MEASURES`)."""
    answer_as: Literal["yes_no", "number", "count"]
    """How the learner answers: yes/no (bool measure), a number, or a count (int measure)."""
    unit: str | None = None
    """Unit for `number` answers."""
    tolerance: float | None = None
    """Absolute tolerance for `number` answers."""
    tolerance_pct: float | None = None
    """Relative tolerance (percent of the measured value) for `number` answers."""
    feedback_right: str | None = None
    """Extra text when the prediction matches."""
    feedback_wrong: str | None = None
    """Extra text when it does not."""


class MarkQuestion(_QuestionBase):
    """Place a cursor on the trace at an event; right within `tolerance_ms`."""

    type: Literal["mark"] = "mark"
    """Discriminator."""
    run: RunSpec
    """The trace shown (frozen)."""
    target: str
    """`threshold`, `peak`, `ahp_min`, `spike` or `phase:NAME` (`tutor.lab.names.MARK_TARGETS`)."""
    tolerance_ms: float
    """Half-width of the accepted window in ms (> 0)."""


Question = Annotated[
    ChoiceQuestion | NumericQuestion | OrderQuestion | PredictQuestion | MarkQuestion,
    Field(discriminator="type"),
]
"""Any question, discriminated on `type`."""

QUESTION_TYPES: tuple[str, ...] = ("choice", "numeric", "order", "predict", "mark")
"""Every question type, in the order summaries list them."""


class Lesson(_Frozen):
    """One lesson file: front matter, prose and questions."""

    id: str
    """Unique across all content files."""
    title: str
    """Shown in the lesson list."""
    preset: str
    """Preset runs use unless they name another."""
    order: int = 100
    """Position in the lesson list (ties broken by id)."""
    prerequisites: tuple[str, ...] = ()
    """Lesson ids to study first."""
    try_it: tuple[TryIt, ...] = ()
    """Lab set-ups offered next to the prose."""
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
