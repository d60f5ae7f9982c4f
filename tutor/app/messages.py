"""Requests the Lessons and Progress screens send up to the app.

Screens never reach into the app (or into another screen): they post one of
these and the app, which owns the screen stack, the lab and the quiz bridge,
decides what happens. Each message is handled by an `on_<name>` method of
`TutorApp`. The lab's own messages (new events, a restarted stream) are
nested in `LabScreen`, as Textual widgets nest theirs.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class BackToLab(Message):
    """Close everything above the lab."""


class AskQuestions(Message):
    """Ask these questions (AskItems) one after another, over the lab."""

    def __init__(self, items: list[Any], title: str = "") -> None:
        super().__init__()
        self.items = items
        self.title = title


class LeaveLesson(Message):
    """No lesson active any more: free exploration, no questions pop up."""


class StudyLesson(Message):
    """Make this lesson active (its triggered questions open in the lab) and go there."""

    def __init__(self, lesson: Any) -> None:
        super().__init__()
        self.lesson = lesson


class RunTryIt(Message):
    """Set the lab up from try-it step `index` of `lesson`, make the lesson active, go there."""

    def __init__(self, lesson: Any, index: int) -> None:
        super().__init__()
        self.lesson = lesson
        self.index = index


class OpenLesson(Message):
    """Show the Lessons screen at this lesson."""

    def __init__(self, lesson_id: str) -> None:
        super().__init__()
        self.lesson_id = lesson_id
