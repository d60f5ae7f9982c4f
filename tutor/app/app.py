"""The Textual application: a thin shell that owns screens and the quiz bridge.

``create_app`` is the one factory used by the CLI, the tests and the
benchmarks, so all three run the very same app with different settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tutor.app import messages
from tutor.app.screens.lab import LabScreen
from tutor.app.settings import AppSettings

if TYPE_CHECKING:
    from tutor.app.quizbridge import QuizBridge


class TutorApp(App[None]):
    """neuron-tutor: the lab by default; lessons, progress and help on keys."""

    CSS_PATH = "tutor.tcss"
    TITLE = "neuron-tutor"
    SUB_TITLE = "the action potential, live"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "lessons", "Lessons", tooltip="lesson list, text and try-it steps"),
        Binding("a", "axon", "Axon", tooltip="a spike travelling along an axon (space–time view)"),
        Binding(
            "n", "neuron", "Neuron", tooltip="synaptic inputs on a neuron: EPSPs, IPSPs, summation"
        ),
        Binding("P", "progress", "Progress", tooltip="mastery per lesson, due reviews"),
        Binding("question_mark", "help", "Help", tooltip="every key, and what the colours mean"),
        Binding("C", "clamp", "Clamp", tooltip="voltage clamp: steps, currents by ion, I–V curve"),
        Binding("q", "quit", "Quit", tooltip="leave the tutor (progress is already saved)"),
    ]

    def __init__(self, settings: AppSettings) -> None:
        super().__init__()
        self.settings = settings
        self._quiz: QuizBridge | None = None
        self.asked: list[Any] = []
        """Every answered question this session (AnswerRecord), newest last."""
        self.startup_quiz: tuple[str | None, bool] | None = None
        """`tutor quiz` in a terminal: (lesson id or None, review only) to ask at start."""
        self.last_summary: Any = None
        """The summary of the last question session (`tutor.quiz.plain.SessionSummary`)."""

    # -- wiring ------------------------------------------------------------------------
    @property
    def quiz(self) -> QuizBridge:
        """The quiz bridge, created on first use (content loading is not free)."""
        if self._quiz is None:
            from tutor.app.quizbridge import QuizBridge

            self._quiz = QuizBridge(self.settings)
        return self._quiz

    @property
    def lab(self) -> LabScreen:
        """The Lab screen (always at the bottom of the stack)."""
        for screen in self.screen_stack:
            if isinstance(screen, LabScreen):
                return screen
        raise LookupError("no lab screen")

    def on_mount(self) -> None:
        self.push_screen(LabScreen(self.settings))
        self.call_after_refresh(self._maybe_welcome)
        if self.settings.lesson:
            self.quiz.active_lesson = self.settings.lesson
        if self.startup_quiz is not None:
            self.call_after_refresh(self._ask_startup_quiz)

    def _maybe_welcome(self) -> None:
        """The getting-started panel on the first launch (see `AppSettings.welcome`)."""
        from tutor.app import firstrun

        want = self.settings.welcome
        if want is None:
            want = (
                self.settings.live
                and self.startup_quiz is None
                and not firstrun.seen(self.settings.data_dir)
            )
        if want:
            self.lab.show_welcome()
            firstrun.mark_seen(self.settings.data_dir)

    def action_welcome(self) -> None:
        """Show the getting-started panel again (from help: `w`)."""
        self.back_to_lab().show_welcome()

    def _ask_startup_quiz(self) -> None:
        """Ask what `tutor quiz` selected (same selection as plain mode), over the lab."""
        from tutor.quiz.session import select_questions

        lesson_id, review = self.startup_quiz or (None, False)
        picked = select_questions(
            self.quiz.lessons, self.quiz.store, lesson_id=lesson_id, review=review
        )
        if not picked:
            self.notify("Nothing is due for review." if review else "No questions to ask.")
            return
        title = "Review" if review else (lesson_id or "All lessons")
        self.ask([self.quiz.item(ls, q) for ls, q in picked], title=title, summary=True)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Palette entries: Textual's own plus every described binding of the screen."""
        from tutor.app.screens.help import key_label

        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for b in [*screen.BINDINGS, *self.BINDINGS]:
            if isinstance(b, Binding) and b.description and b.action not in seen:
                seen.add(b.action)
                action = b.action
                target = screen if hasattr(screen, f"action_{action.split('(')[0]}") else self
                tip = b.tooltip or b.description
                yield SystemCommand(
                    b.description,
                    f"{tip} (key: {key_label(b.key)})",
                    lambda a=action, t=target: self.call_later(self.run_action, a, t),
                )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a question is open, only quitting leaves it (the answer is saved)."""
        in_dialog = type(self.screen).__name__.endswith("Dialog")
        if action == "lessons" and type(self.screen).__name__ == "LessonsScreen":
            return False  # already there: not in the footer, which has no room to spare
        in_summary = type(self.screen).__name__ == "SummaryScreen"
        blocked = ("lessons", "progress", "help", "clamp", "axon", "neuron")
        return not ((in_dialog or in_summary) and action in blocked)

    # -- app-level actions -------------------------------------------------------------
    def action_help(self) -> None:
        """Show every key of the current screen."""
        from tutor.app.screens.help import HelpScreen

        if type(self.screen).__name__ != "HelpScreen":
            titles = {ls.id: ls.title for ls in self.quiz.lessons}
            self.push_screen(HelpScreen(self.screen, lesson_titles=titles))

    def action_lessons(self) -> None:
        """Open the lesson list."""
        from tutor.app.screens.lessons import LessonsScreen

        if not isinstance(self.screen, LessonsScreen):
            self.back_to_lab()
            self.push_screen(LessonsScreen(self.quiz))

    def action_axon(self) -> None:
        """Open the axon view (propagation on the cable engine)."""
        from tutor.app.screens.axon import AxonScreen

        if not isinstance(self.screen, AxonScreen):
            self.back_to_lab()
            self.push_screen(AxonScreen(live=self.settings.live, fps=self.settings.fps))

    def action_neuron(self) -> None:
        """Open the neuron view (synapses on the ball-and-stick neuron)."""
        from tutor.app.screens.neuron import NeuronScreen

        if not isinstance(self.screen, NeuronScreen):
            self.back_to_lab()
            self.push_screen(
                NeuronScreen(
                    live=self.settings.live, fps=self.settings.fps, seed=self.settings.seed
                )
            )

    def action_progress(self) -> None:
        """Open mastery per lesson and due reviews."""
        from tutor.app.screens.progress import ProgressScreen

        if not isinstance(self.screen, ProgressScreen):
            self.back_to_lab()
            self.push_screen(ProgressScreen(self.quiz))

    def action_clamp(self) -> None:
        """Open the voltage-clamp view on the lab's membrane."""
        from tutor.app.screens.clamp import open_clamp

        open_clamp(self)

    def back_to_lab(self) -> LabScreen:
        """Pop everything above the lab and return it."""
        lab = self.lab
        while self.screen is not lab:
            self.pop_screen()
        return lab

    # -- requests from the screens -----------------------------------------------------
    def on_back_to_lab(self, message: messages.BackToLab) -> None:
        self.back_to_lab()

    def on_ask_questions(self, message: messages.AskQuestions) -> None:
        self.ask(message.items, title=message.title, summary=True)

    def on_open_lesson(self, message: messages.OpenLesson) -> None:
        from tutor.app.screens.lessons import LessonsScreen

        self.back_to_lab()
        self.push_screen(LessonsScreen(self.quiz, start=message.lesson_id))

    def on_leave_lesson(self, message: messages.LeaveLesson) -> None:
        """No active lesson: free exploration, no questions pop up; back to the lab."""
        self.quiz.active_lesson = None
        self.back_to_lab().note("free play: no active lesson, no pop-ups")

    def on_study_lesson(self, message: messages.StudyLesson) -> None:
        """The lesson becomes active; the lab restarts on its preset (every reset included)."""
        self.quiz.active_lesson = message.lesson.id
        self.back_to_lab().study(message.lesson.preset, message.lesson.title)

    def on_run_try_it(self, message: messages.RunTryIt) -> None:
        lesson = message.lesson
        step = lesson.try_it[message.index]
        spec = step.to_dict(lesson.preset)
        spec["label"] = step.label
        self.quiz.active_lesson = lesson.id
        self.back_to_lab().apply_spec(spec)

    # -- questions ---------------------------------------------------------------------
    def on_lab_screen_new_events(self, message: LabScreen.NewEvents) -> None:
        """New events from the lab: open the question a trigger names, if any."""
        from tutor.app.dialogs.question import QuestionDialog

        try:
            lab = self.lab
        except LookupError:  # events still queued while the app shuts down
            return
        if isinstance(self.screen, QuestionDialog) or self.screen is not lab:
            return
        hit = self.quiz.match_triggers(message.events)
        if hit is None:
            return
        item, pause = hit
        if pause:
            lab.pause("question", at=item.event)  # the banner shows the dialog's moment
        self.ask([item], resume=pause)

    def ask(
        self, items: list[Any], resume: bool = False, title: str = "", summary: bool = False
    ) -> None:
        """Ask questions one after another (a worker awaits each modal); a session
        (``summary``) ends with its summary, as plain mode's does."""
        self.run_worker(
            self._ask_all(items, resume, title, summary), group="questions", exclusive=True
        )

    async def _ask_all(self, items: list[Any], resume: bool, title: str, summary: bool) -> None:
        from tutor.app.dialogs.question import make_dialog

        shown: list[Any] = []
        attempts: list[Any] = []
        for k, item in enumerate(items):
            try:
                view = self.lab.convention  # read per question: `v` may change between them
            except LookupError:
                view = "modern"
            dialog = make_dialog(
                item, self.quiz, position=(k + 1, len(items)), title=title, lab_convention=view
            )
            shown.append(item)
            record = await self.push_screen_wait(dialog)
            if record is None:
                break
            self.asked.append(record)
            attempts.append(record.attempt)
        if summary and shown:
            from tutor.app.dialogs.summary import SummaryScreen, session_summary

            self.last_summary = session_summary(self.settings.seed, shown, attempts)
            await self.push_screen_wait(SummaryScreen(self.last_summary, title))
        if resume:
            self.lab.resume()


def create_app(settings: AppSettings | None = None, **overrides: Any) -> TutorApp:
    """Build the app; keyword overrides go into :class:`AppSettings`.

    ``create_app(live=False, data_dir=tmp)`` is what tests use: no timer, a
    throw-away progress store, fully deterministic frames.
    """
    if settings is None:
        settings = AppSettings.from_env(**overrides)
    elif overrides:
        settings = settings.replace(**overrides)
    return TutorApp(settings)
