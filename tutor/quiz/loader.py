"""Load lesson files and validate them, reporting every problem with its file position.

A lesson file is Markdown with TOML front matter between `+++` lines and
```` ```question ```` blocks of TOML (docs/content-format.md). Instructors edit
these by hand, so the loader never stops at the first mistake: each block is
checked in three steps, each in its own module, and every problem comes back
as `path:line:col: error[CODE]: message` pointing at the offending key or value
in the `.md` file itself:

1. syntax — `tutor.quiz.source` cuts the file into blocks and parses the TOML;
2. schema — the pydantic models of `tutor.quiz.models`, the one definition of
   the format; `tutor.quiz.schema_errors` positions and codes their errors;
3. meaning — `tutor.quiz.semantics` (fields that relate to each other) and,
   across files, `tutor.quiz.crossfile` (ids, prerequisites).

Only files without problems become `Lesson` models. Codes are stable; the table
is `tutor.quiz.problems.CODES` (and docs/content-format.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from tutor.quiz import safety, schema_errors, semantics
from tutor.quiz.crossfile import Draft, cross_file_problems
from tutor.quiz.models import (
    QUESTION_MODELS,
    QUESTION_TYPES,
    Lesson,
    LessonFront,
    Question,
    QuestionBase,
)
from tutor.quiz.problems import CODES, ContentError, Finding, Problem, did_you_mean
from tutor.quiz.source import Block, FileReport, as_lists, parse_block, split_file

__all__ = [
    "CODES",
    "ContentError",
    "LoadResult",
    "Problem",
    "load_lessons",
    "load_paths",
    "summary",
]

_FROM_CONTENT = {"from_content": True}
"""Validation context: the data comes from a content file (it may not set `line`)."""


@dataclass(frozen=True)
class LoadResult:
    """Lessons that loaded cleanly plus every problem found in any file."""

    lessons: tuple[Lesson, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when no file had a problem."""
        return not self.problems


M = TypeVar("M", bound=BaseModel)


def _validate(
    report: FileReport, block: Block, model: type[M], root_name: str = ""
) -> tuple[M | None, set[str] | None]:
    """The block's data as `model` and the top-level keys that failed (None: none did).

    Every schema problem is reported. On problems the model returned is the
    block validated *without* the failing keys (None if that is impossible,
    e.g. a required key is missing), so that the semantic checks can still look
    at the rest of the block — and skip what read a failing key.
    """
    try:
        return model.model_validate(block.data, context=_FROM_CONTENT), None
    except ValidationError as exc:
        errors = exc.errors()
        for finding in schema_errors.findings(exc, model, root_name):
            report.at(block, finding)
    if any(not e["loc"] for e in errors):
        return None, set()
    failed = {str(e["loc"][0]) for e in errors}
    passed: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in block.data and name not in failed:
            adapter = _field_adapter(model, name, field)
            value = block.data[name]
            passed[name] = adapter.validate_python(value, strict=True, context=_FROM_CONTENT)
    # Only the keys that passed, without validation (it would fail on the missing ones);
    # the semantic checks do not read the failed keys (see semantics.question_findings).
    return model.model_construct(**passed), failed


@cache
def _field_adapter(model: type[BaseModel], name: str, field: FieldInfo) -> TypeAdapter[Any]:
    """A validator for one field of `model` alone (its type and constraints)."""
    del model, name  # the cache key: FieldInfo is not hashable by value
    return TypeAdapter(Annotated[field.annotation, field])  # type: ignore[arg-type]


def _question(report: FileReport, block: Block) -> Question | None:
    """One question block through schema and semantic checks; None if it has a problem."""
    qtype = block.data.get("type")
    if "type" not in block.data:
        report.at(block, Finding((), "E004", "missing required key `type`"))
        # still check what every question shares
        base, failed = _validate(report, block, QuestionBase)
        if base is not None:
            for finding in semantics.question_findings(base, skip=failed or ()):
                report.at(block, finding)
        return None
    if not isinstance(qtype, str) or qtype not in QUESTION_MODELS:
        shown = qtype if isinstance(qtype, str) else str(as_lists(qtype))
        message = (
            f"unknown question type `{shown}` (known: {', '.join(QUESTION_TYPES)})"
            f"{did_you_mean(shown, QUESTION_TYPES)}"
        )
        report.at(block, Finding(("type",), "E028", message, at_value=True))
        return None
    model, failed = _validate(report, block, QUESTION_MODELS[qtype])
    question = cast("Question | None", model)
    if question is None:
        return None
    problems = semantics.question_findings(question, skip=failed or ())
    for finding in problems:
        report.at(block, finding)
    if problems or failed is not None:
        return None
    return question.model_copy(update={"line": block.fence_line})


def _draft(report: FileReport, display: str, front: Block) -> Draft:
    """Id and prerequisites of a file for the cross-file checks, read from the raw TOML."""
    fm = front.data
    prerequisites = fm.get("prerequisites")
    prereqs = [
        (str(as_lists(p)), report.position(front, ("prerequisites", n)))
        for n, p in enumerate(prerequisites if isinstance(prerequisites, tuple) else ())
    ]
    lesson_id = fm.get("id")
    return Draft(
        display,
        lesson_id if isinstance(lesson_id, str) else None,
        report.position(front, ("id",)),
        prereqs,
        None,
    )


def _load_one(path: Path, display: str) -> tuple[Draft, list[Problem]]:
    report = FileReport(display)
    empty = Draft(display, None, (1, 1), [], None)
    try:
        text = safety.read_text(path)
    except safety.UnsafeFile as exc:
        report.add(1, 1, exc.code, f"cannot read file: {exc.message}")
        return empty, report.problems
    except (OSError, UnicodeDecodeError) as exc:
        report.add(1, 1, "E032", f"cannot read file: {safety.printable(str(exc))}")
        return empty, report.problems
    text = text.replace("\r\n", "\n")
    for tp in safety.text_problems(text):
        report.add(tp.line, tp.col, tp.code, tp.message)
    front, blocks, prose = split_file(report, text)
    if front is None or not parse_block(report, front):
        for block in blocks:  # still report syntax errors in the questions
            parse_block(report, block)
        return empty, report.problems
    lesson_front, failed = _validate(report, front, LessonFront, "front matter")
    if lesson_front is not None:
        for finding in semantics.front_findings(lesson_front, skip=failed or ()):
            report.at(front, finding)
    draft = _draft(report, display, front)

    questions: list[Question] = []
    seen: dict[str, int] = {}
    for block in blocks:
        if not parse_block(report, block):
            continue
        question = _question(report, block)
        qid = block.data.get("id")
        if isinstance(qid, str):
            if qid in seen:
                message = f"question id `{qid}` already used on line {seen[qid]}"
                report.at(block, Finding(("id",), "E007", message, at_value=True))
                question = None
            else:
                seen[qid] = block.fence_line
        if question is not None:
            questions.append(question)
    if report.problems or lesson_front is None:
        return draft, report.problems
    fields: dict[str, Any] = dict(lesson_front)
    draft.lesson = Lesson(**fields, body=prose, path=display, questions=tuple(questions))
    return draft, report.problems


def _expand(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Files as given plus every *.md under given folders (sorted, for stable output)."""
    out: list[tuple[Path, str]] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*.md")):
                if f.name.lower() in ("readme.md",):
                    continue
                out.append((f, str(f)))
        else:
            out.append((path, str(p)))
    return out


def load_paths(paths: Iterable[str | Path] | None = None) -> LoadResult:
    """Load and validate lesson files and folders (default: the shipped content dir).

    Returns the lessons that are clean and every problem found, sorted by file and position.
    Nothing is raised for bad content: the caller decides whether problems are fatal.
    """
    if paths is None:
        from tutor.quiz.paths import content_dir

        paths = [content_dir()]
    drafts: list[Draft] = []
    problems: list[Problem] = []
    for path, display in _expand(paths):
        try:
            draft, found = _load_one(path, display)
        except RecursionError:
            draft = Draft(display, None, (1, 1), [], None)
            found = [Problem(display, 1, 1, safety.CODE_TOO_DEEP, safety.too_deep_message())]
        drafts.append(draft)
        problems.extend(found)
    problems.extend(cross_file_problems(drafts))
    lessons = [d.lesson for d in drafts if d.lesson is not None]
    lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return LoadResult(tuple(lessons), tuple(sorted(problems)))


def load_lessons(paths: Iterable[str | Path] | None = None) -> tuple[Lesson, ...]:
    """All lessons, in display order; raises ContentError if any file has a problem."""
    result = load_paths(paths)
    if result.problems:
        raise ContentError(result.problems)
    return result.lessons


def summary(lessons: Sequence[Lesson]) -> str:
    """One line: lesson count and question counts by type."""
    counts = dict.fromkeys(QUESTION_TYPES, 0)
    for lesson in lessons:
        for q in lesson.questions:
            counts[q.type] += 1
    total = sum(counts.values())
    by_type = ", ".join(f"{n} {t}" for t, n in counts.items())
    return f"{len(lessons)} lessons, {total} questions ({by_type})"
