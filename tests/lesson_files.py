"""A lesson file with one question in it, for the content tests (tests/quiz)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.quiz.loader import load_paths


@dataclass(frozen=True)
class OneQuestionLesson:
    """A lesson file (front matter, a line of prose) holding one question block, so a test
    can write a question's TOML body and read back what the loader says about it."""

    path: Path
    lesson_id: str
    title: str
    preset: str

    def write(self, body: str) -> Path:
        head = f'+++\nid = "{self.lesson_id}"\ntitle = "{self.title}"\npreset = "{self.preset}"\n'
        self.path.write_text(head + "+++\nText.\n\n```question\n" + body + "\n```\n")
        return self.path

    def codes(self, body: str) -> list[tuple[int, str]]:
        """(line, code) of every problem the loader finds in the lesson with this body."""
        return [(p.line, p.code) for p in load_paths([self.write(body)]).problems]
