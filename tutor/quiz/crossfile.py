"""Checks across lesson files: unique lesson ids and a prerequisite graph without holes or cycles.

Each file contributes a `Draft` — its id and prerequisites with their file
positions — even when the file itself has problems, so that one broken file
does not hide a duplicate id or a cycle in the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.quiz.models import Lesson
from tutor.quiz.problems import Problem, did_you_mean


@dataclass
class Draft:
    """What the cross-file checks need from one file (`lesson` is None if the file is broken)."""

    path: str
    lesson_id: str | None
    id_pos: tuple[int, int]
    prerequisites: list[tuple[str, tuple[int, int]]]
    lesson: Lesson | None


def cross_file_problems(drafts: list[Draft]) -> list[Problem]:
    """E006 (id used twice), E022 (unknown prerequisite), E023 (prerequisite cycle).

    A lesson with an E006 or E023 problem is dropped (its `lesson` set to None).
    """
    problems: list[Problem] = []
    by_id: dict[str, Draft] = {}
    for d in drafts:
        if d.lesson_id is None:
            continue
        if d.lesson_id in by_id:
            first = by_id[d.lesson_id]
            message = f"lesson id `{d.lesson_id}` is already used by {first.path}:{first.id_pos[0]}"
            problems.append(Problem(d.path, *d.id_pos, "E006", message))
            d.lesson = None
        else:
            by_id[d.lesson_id] = d
    for d in drafts:
        for pre, pos in d.prerequisites:
            if pre not in by_id:
                message = f"prerequisite `{pre}` is not a lesson{did_you_mean(pre, by_id)}"
                problems.append(Problem(d.path, *pos, "E022", message))
    # A lesson is on a cycle if it can reach itself; report each such lesson once,
    # at the prerequisite that leads back into the cycle.
    graph = {i: [p for p, _ in d.prerequisites if p in by_id] for i, d in by_id.items()}

    def reaches(start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node in seen:
                continue
            seen.add(node)
            stack.extend(graph.get(node, []))
        return False

    for lesson_id, d in by_id.items():
        for pre, pos in d.prerequisites:
            if pre in by_id and reaches(pre, lesson_id):
                message = f"prerequisite `{pre}` leads back to `{lesson_id}` (cycle)"
                problems.append(Problem(d.path, *pos, "E023", message))
                d.lesson = None
                break
    return problems
