"""Lessons, questions, grading, progress and spaced review (never imports textual).

Public API (import from the submodules; this package import stays cheap):

    from tutor.quiz.loader import load_lessons, load_paths, ContentError, summary
    lessons = load_lessons()              # shipped content, display order; ContentError if broken
    result = load_paths(paths)            # LoadResult(lessons, problems) — never raises on content

    from tutor.quiz.grading import instantiate, grade, with_confidence, mark_target_time
    q = instantiate(question, lesson.id, seed)          # params drawn + substituted (new object)
    attempt = grade(q, lesson.id, answer, measured=value, confidence=None)   # frozen Attempt

    from tutor.quiz.store import Store, StoreError, lesson_progress
    with Store(data_dir, now=clock) as store:           # --data-dir / $TUTOR_DATA_DIR / user dir
        store.record(attempt, seed=seed)                # committed before it returns
        store.due()                       # [DueCard(card_id, lesson, question, due, card)]
        lesson_progress(lessons, store)                 # [LessonProgress(mastery, due, ...)]

    from tutor.quiz.session import select_questions, parse_number, mark_trace, ...
    from tutor.quiz.plain import PlainSession           # the line-mode session
"""
