"""Which numbers the lessons state, and which test (or allowlist entry) answers for each.

A lesson states numbers about the model it teaches ("the peak is +40.5 mV"); the
standard is that a test recomputes every one of them from the engine. This module
makes that checkable without running the tests:

- `visible_segments` cuts a lesson into the text a learner reads (title, prose,
  try-it labels, and each question's prompt, explanation, options, feedback), each
  with its whitespace folded, so a phrase may span a line break but never the TOML
  that configures a run;
- `number_occurrences` finds every number there that carries a unit or a model
  meaning (mV, ms, µA/cm², %, ×, …; any decimal; any number after = or ≈; any number
  in a table row);
- `says(lesson, *phrases)` is what a number test calls: it asserts the lesson still
  says each phrase. The inventory reads those calls statically (`declared_claims`
  parses the test files with `ast`, so it does not depend on which tests ran, or in
  which order): each literal phrase claims the numbers inside it, wherever it occurs;
- `tests/quiz/lesson_numbers_not_from_the_model.toml` lists the numbers that are not
  claims about this model (a protocol setting, a literature value, a definition or
  piece of arithmetic, a date), each with its reason.

tests/quiz/test_number_inventory.py requires every occurrence to be claimed by
exactly one of the two, and every declared phrase to still be in its lesson.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from tutor.quiz.loader import load_paths
from tutor.quiz.models import RunSpec
from tutor.sim.params import load_preset

TESTS = Path(__file__).resolve().parent
CONTENT = TESTS.parent / "content"
ALLOWLIST = TESTS / "quiz" / "lesson_numbers_not_from_the_model.toml"
PENDING = TESTS / "quiz" / "lesson_numbers_pending.toml"
CATEGORIES = ("protocol", "literature", "definition", "arithmetic", "history", "distractor")
"""Why a number may be listed rather than recomputed. `distractor`: the text of a wrong
option (a deliberately false statement its feedback refutes); only there."""


def fold(text: str) -> str:
    """Whitespace runs (line breaks included) as one space: a phrase may span lines."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Segment:
    """One piece of learner-visible text of a lesson (folded), and where it comes from."""

    where: str
    text: str


@cache
def _load(
    path: Path, mtime_ns: int
) -> tuple[tuple[Segment, ...], dict[str, dict[str, set[float]]], frozenset[str]]:
    result = load_paths([path])
    if not result.lessons:
        problems = "; ".join(str(p) for p in result.problems[:3])
        raise AssertionError(f"{path} does not load: {problems}")
    lesson = result.lessons[0]
    found: list[Segment] = [Segment("title", lesson.title), Segment("prose", lesson.body)]
    settings: dict[str, dict[str, set[float]]] = {}
    wrong: set[str] = set()
    for k, step in enumerate(lesson.try_it):
        found.append(Segment(f"try_it[{k}].label", step.label))
        settings[f"try_it[{k}].label"] = protocol_values(step, lesson.preset)
    for q in lesson.questions:
        first = len(found)
        found.append(Segment(f"{q.id}.prompt", q.prompt))
        if q.explanation:
            found.append(Segment(f"{q.id}.explanation", q.explanation))
        for k, option in enumerate(getattr(q, "option", ())):
            found.append(Segment(f"{q.id}.option[{k}].text", option.text))
            if not option.correct:
                wrong.add(f"{q.id}.option[{k}].text")
            found.append(Segment(f"{q.id}.option[{k}].feedback", option.feedback))
        for k, near in enumerate(getattr(q, "near", ())):
            found.append(Segment(f"{q.id}.near[{k}].feedback", near.feedback))
        for key in ("feedback_right", "feedback_wrong"):
            value = getattr(q, key, None)
            if value:
                found.append(Segment(f"{q.id}.{key}", value))
        from_model = getattr(q, "from_model", None)
        run = getattr(q, "run", None) or (from_model.run if from_model else None)
        if run is not None:  # every text of the question may name its run's settings
            for segment in found[first:]:
                settings[segment.where] = protocol_values(run, lesson.preset)
        tolerances = [getattr(q, k, None) for k in ("tolerance", "tolerance_pct", "tolerance_ms")]
        if any(isinstance(t, float) for t in tolerances):  # "(±0.08)", "(±25 %)", "±0.3 ms"
            by_unit = settings.setdefault(f"{q.id}.prompt", {})
            by_unit["±"] = {float(t) for t in tolerances if isinstance(t, float)}
    return tuple(Segment(s.where, fold(s.text)) for s in found), settings, frozenset(wrong)


def _segments_of(path: Path) -> tuple[Segment, ...]:
    return _load(path, path.stat().st_mtime_ns)[0]


def run_settings(path: Path) -> dict[str, dict[str, set[float]]]:
    """For each try-it label and each prompt of a question with a run: the run's settings
    by unit (µA/cm², ms, mV, °C, …), the values a number in that text may be describing."""
    return _load(path, path.stat().st_mtime_ns)[1]


def wrong_options(path: Path) -> frozenset[str]:
    """The segments that are the text of a wrong option."""
    return _load(path, path.stat().st_mtime_ns)[2]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def protocol_values(run: RunSpec, lesson_preset: str) -> dict[str, set[float]]:
    """The settings of a run by the unit a lesson would write them in.

    Durations include each pulse's onset, the gaps between successive onsets and the
    run's length; the temperature is the one the run has (its preset's unless it sets
    one; an axon of the squid preset runs at 18.5 °C unless told).
    """
    values: dict[str, set[float]] = {}

    def add(unit: str, *numbers: float | str | None) -> None:
        for number in numbers:
            if isinstance(number, int | float):
                values.setdefault(unit, set()).add(float(number))

    onsets = [float(p[0]) for p in run.pulses if isinstance(p[0], int | float)]
    add("ms", *onsets, *(b - a for a, b in pairwise(onsets)), run.tstop)
    for pulse in run.pulses:
        add("ms", pulse[1])
        add("µA/cm²", pulse[2])
    add("µA/cm²", run.hold)
    preset = run.preset or lesson_preset
    celsius = run.celsius
    if celsius is None:
        celsius = (
            18.5 if run.axon is not None and preset == "squid" else load_preset(preset).celsius
        )
    add("°C", celsius)
    add("mV", *run.set.values())  # ek, ena, el …
    add("mS/cm²", *run.set.values())  # gna, gk, gl …
    add("µm", *run.set.values())  # volarea
    if run.clamp is not None:
        c = run.clamp
        add("mV", c.hold, *c.steps, *c.prepulse, c.tail)
        add("ms", c.dur, c.pre_dur, c.tail_dur)
    if run.axon is not None:
        a = run.axon
        add("µm", a.diam)
        add("mm", a.length, *(a.demyelinate or ()))
    if run.neuron is not None:
        input_onsets = sorted(
            {float(p.split(",")[2]) for p in run.neuron.inputs if _is_number(p.split(",")[2])}
        )
        add("ms", *(b - a for a, b in pairwise(input_onsets)))
        for spec in run.neuron.inputs:
            parts = spec.split(",")
            try:
                add("ms", float(parts[2]))
                add("nS", float(parts[3]))
                if parts[1].startswith("dend:"):
                    add("dend:", float(parts[1].removeprefix("dend:")))
            except (IndexError, ValueError):  # a "{name}" placeholder: no fixed value
                continue
    return values


def visible_segments(path: Path) -> tuple[Segment, ...]:
    """The learner-visible text of the lesson file at `path`, piece by piece."""
    return _segments_of(path)


def lesson_path(name: str) -> Path:
    return CONTENT / name


def says(name: str, *phrases: str) -> bool:
    """Assert that lesson `name` (a file in content/) says each phrase in learner-visible text.

    Call it with string literals: the number inventory reads these calls from the test
    source to know which numbers a test answers for.
    """
    segments = visible_segments(lesson_path(name))
    for phrase in phrases:
        folded = fold(phrase)
        assert any(folded in s.text for s in segments), f"{name} should say {phrase!r}"
    return True  # so that `assert value == shown and says(...)` reads as one statement


# -- the numbers ------------------------------------------------------------------------------

_NUM = r"[−+\-]?~?\d+(?:[ \u2009]\d{3}(?![\d.]))*(?:[.,]\d+)?(?:\s*[–\-]\s*\d+(?:\.\d+)?)?"
_UNITS = (
    "µA/cm²",
    "mS/cm²",
    "µF/cm²",
    "mol/cm²",
    "ions/µm²",
    "ions per µm²",
    "mV/ms",
    "Ω·cm",
    "J/(mol·K)",
    "C/mol",
    "m/s",
    "mV",
    "ms",
    "µs",
    "mM",
    "µM",
    "nM",
    "°C",
    "%",
    "µm",
    "mm",
    "cm",
    "nS",
    "pS",
    "Hz",
    "MΩ",
    "kΩ",
    "pmol",
    "nC",
    "µA",
    "nA",
    "pA",
    "minutes",
    "min",
    "seconds",
    "s",
    "K",
    "×",
    "times",
    "fold",
)
_UNIT = "|".join(re.escape(u) for u in _UNITS)
_WITH_UNIT = re.compile(rf"(?<![\w.])({_NUM})\s?(?:{_UNIT})(?![\w⁺/²])")
_TIMES_BEFORE = re.compile(rf"×\s?({_NUM})(?!\w|\.\d)")
_AFTER_EQUALS = re.compile(rf"[=≈]\s?({_NUM})(?!\w|\.\d)")
_DECIMAL = re.compile(r"(?<![\w.])[−+\-]?\d+\.\d+(?!\w|\.\d)")
_ANY = re.compile(rf"(?<![\w.⁻⁺])({_NUM})(?![\w.⁻⁺])")


@dataclass(frozen=True)
class Occurrence:
    """One number in one segment: its span there and the text around it (for messages)."""

    lesson: str
    where: str
    start: int
    end: int
    number: str
    context: str

    def __str__(self) -> str:
        return f"{self.lesson} [{self.where}] {self.number!r} in …{self.context}…"


def _spans(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (_WITH_UNIT, _TIMES_BEFORE, _AFTER_EQUALS):
        for m in pattern.finditer(text):
            yield m.span(1)
    for m in _DECIMAL.finditer(text):
        yield m.span()
    for line in _table_rows(text):
        start, row = line
        for m in _ANY.finditer(row):
            yield start + m.start(1), start + m.end(1)


def _table_rows(text: str) -> Iterator[tuple[int, str]]:
    """Markdown table rows in a folded segment: each starts at '| ' and ends at ' |'."""
    for m in re.finditer(r"\|(?: [^|]* \|)+", text):
        yield m.start(), m.group()


def number_occurrences(path: Path) -> list[Occurrence]:
    """Every number with a unit or a model meaning in the lesson's learner-visible text."""
    found: list[Occurrence] = []
    for segment in visible_segments(path):
        spans = sorted(set(_spans(segment.text)))
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        for start, end in merged:
            context = segment.text[max(0, start - 40) : end + 25]
            found.append(
                Occurrence(path.name, segment.where, start, end, segment.text[start:end], context)
            )
    return found


# -- the claims -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A phrase of a lesson that a test or the allowlist answers for."""

    lesson: str
    phrase: str
    source: str  # "test_file.py:line" or "allowlist: category"


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def declared_claims(roots: Iterable[Path] = (TESTS,)) -> list[Claim]:
    """Every `says("lesson.md", "phrase", …)` call with literal arguments in the test files
    (the lesson may also be a module-level constant holding the file name)."""
    found: list[Claim] = []
    for root in roots:
        for file in sorted(root.rglob("test_*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
            constants = {  # module-level NAME = "lesson.md", usable as says(NAME, ...)
                target.id: value
                for node in tree.body
                if isinstance(node, ast.Assign) and (value := _literal(node.value)) is not None
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                if node.func.id != "says" or not node.args:
                    continue
                first = node.args[0]
                lesson = constants.get(first.id) if isinstance(first, ast.Name) else _literal(first)
                if lesson is None:
                    continue
                where = f"{file.relative_to(TESTS.parent)}:{node.lineno}"
                for arg in node.args[1:]:
                    phrase = _literal(arg)
                    if phrase is not None:
                        found.append(Claim(lesson, fold(phrase), where))
    return found


def allowlisted(path: Path = ALLOWLIST) -> list[Claim]:
    """The allowlist's entries; each names its category (one of CATEGORIES) and a reason."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found: list[Claim] = []
    for entry in data.get("number", []):
        category = entry["category"]
        if category not in CATEGORIES:
            raise AssertionError(f"{path}: unknown category {category!r} in {entry}")
        if not entry.get("reason", "").strip():
            raise AssertionError(f"{path}: an entry needs a reason: {entry}")
        found.append(Claim(entry["lesson"], entry["phrase"], f"allowlist: {category}"))
    return found


def pending(path: Path = PENDING) -> list[Claim]:
    """Model numbers not yet recomputed by a test: reported, never hidden as allowlisted."""
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Claim(e["lesson"], e["phrase"], "pending") for e in data.get("number", [])]


def covered_by(
    occurrence: Occurrence, segments: dict[str, str], claims: Iterable[Claim]
) -> list[Claim]:
    """The claims whose phrase, somewhere in the occurrence's segment, contains it whole."""
    text = segments[occurrence.where]
    hits: list[Claim] = []
    for claim in claims:
        start = text.find(claim.phrase)
        while start != -1:
            if start <= occurrence.start and occurrence.end <= start + len(claim.phrase):
                hits.append(claim)
                break
            start = text.find(claim.phrase, start + 1)
    return hits


def suggest_phrase(occurrence: Occurrence, text: str, reach: int = 22) -> str:
    """A phrase around an occurrence, cut at word boundaries: what a claim would quote."""
    start = max(0, occurrence.start - reach)
    end = min(len(text), occurrence.end + reach)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end].strip()


@dataclass(frozen=True)
class Inventory:
    """The outcome for one lesson: what is unclaimed, claimed twice over, or stale."""

    occurrences: list[Occurrence]
    unclaimed: list[Occurrence]
    conflicting: list[tuple[Occurrence, list[Claim]]]
    stale: list[Claim]
    by_source: dict[str, int]


def as_value(number: str) -> float | None:
    """A number as the lesson prints it ('−65', '~6.9', '1 900') as a float; None for a range."""
    cleaned = number.replace("−", "-").replace("~", "").replace(" ", "").replace("\u2009", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def unit_after(occurrence: Occurrence, text: str) -> str | None:
    m = re.match(rf"\s?({_UNIT})", text[occurrence.end :])
    return m.group(1) if m else None


def describes_its_run(
    occurrence: Occurrence, text: str, settings: dict[str, dict[str, set[float]]]
) -> bool:
    """Is this number, with its unit, one of the settings of the run its text describes?

    A number written right after ± in a question's prompt is its tolerance (absolute, in
    percent, or in ms for a mark question), and must be the question's own.
    """
    by_unit = settings.get(occurrence.where)
    before = text[: occurrence.start]
    unit = "±" if before.endswith("±") else unit_after(occurrence, text)
    if before.endswith("dend:"):  # a synapse's place on the dendrite, 0 … 1
        unit = "dend:"
    value = as_value(occurrence.number)
    if by_unit is None or unit is None or value is None:
        return False
    return any(abs(value - v) < 1e-9 for v in by_unit.get(unit, ()))


def inventory(
    path: Path, tests: list[Claim], allowed: list[Claim], waiting: list[Claim]
) -> Inventory:
    """Check one lesson file: every number claimed by exactly one kind of claim, no stale claim.

    `tests`, `allowed` and `waiting` are the claims for this lesson (by file name) from the
    test files, the allowlist and the pending list.
    """
    segments = {s.where: s.text for s in visible_segments(path)}
    occurrences = number_occurrences(path)
    unclaimed: list[Occurrence] = []
    conflicting: list[tuple[Occurrence, list[Claim]]] = []
    settings = run_settings(path)
    by_source: dict[str, int] = {"test": 0, "run setting": 0, "pending": 0}
    for occurrence in occurrences:
        kinds: dict[str, list[Claim]] = {}
        if describes_its_run(occurrence, segments[occurrence.where], settings):
            kinds["run setting"] = [Claim(path.name, occurrence.number, "run setting")]
        for name, claims in (("test", tests), ("allowlist", allowed), ("pending", waiting)):
            hits = covered_by(occurrence, segments, claims)
            if hits:
                kinds[name] = hits
        if "test" in kinds:  # a test that quotes a run's setting answers for it already
            kinds.pop("run setting", None)
        if not kinds:
            unclaimed.append(occurrence)
        elif len(kinds) > 1:
            conflicting.append((occurrence, [c for hits in kinds.values() for c in hits]))
        else:
            ((name, hits),) = kinds.items()
            key = hits[0].source if name == "allowlist" else name
            by_source[key] = by_source.get(key, 0) + 1
    wrong = wrong_options(path)
    for occurrence in occurrences:  # a distractor entry answers only inside a wrong option
        hits = covered_by(occurrence, segments, allowed)
        if any(c.source == "allowlist: distractor" for c in hits) and occurrence.where not in wrong:
            conflicting.append((occurrence, hits))
    texts = list(segments.values())
    stale = [c for c in (*tests, *allowed, *waiting) if not any(c.phrase in t for t in texts)]
    return Inventory(occurrences, unclaimed, conflicting, stale, by_source)
