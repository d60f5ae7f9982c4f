"""Every number a lesson states is answered for: recomputed by a test, or listed with a reason.

tests/lesson_claims.py finds each number with a unit or a model meaning in the text a
learner reads, and the phrases the number tests quote through `says(...)` (read from
their source, so no test has to run first). Each number must lie inside exactly one kind
of claim: a test's phrase, an entry of lesson_numbers_not_from_the_model.toml (a protocol
setting, a literature value, a definition or arithmetic, a date — never a claim about what
this model does), or an entry of lesson_numbers_pending.toml (a model number whose test is
still to be written: the count is printed, never hidden). A phrase no longer in its lesson
is a failure too, so a changed number fails here even where its own test would be skipped.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from lesson_claims import (
    CONTENT,
    Claim,
    Inventory,
    allowlisted,
    declared_claims,
    describes_its_run,
    inventory,
    number_occurrences,
    pending,
    run_settings,
    suggest_phrase,
    unit_after,
    visible_segments,
)

LESSONS = sorted(p.name for p in CONTENT.glob("*.md") if p.name != "README.md")


@cache
def all_claims() -> tuple[tuple[Claim, ...], tuple[Claim, ...], tuple[Claim, ...]]:
    return tuple(declared_claims()), tuple(allowlisted()), tuple(pending())


def claims_for(name: str) -> tuple[list[Claim], list[Claim], list[Claim]]:
    tests, allowed, waiting = all_claims()
    return tuple([c for c in group if c.lesson == name] for group in (tests, allowed, waiting))  # type: ignore[return-value]


def problems(path: Path, result: Inventory) -> Iterator[str]:
    segments = {s.where: s.text for s in visible_segments(path)}
    for occurrence in result.unclaimed:
        phrase = suggest_phrase(occurrence, segments[occurrence.where])
        yield f"unclaimed: {occurrence}\n    quote it in a test: says({path.name!r}, {phrase!r})"
    for occurrence, claims in result.conflicting:
        sources = ", ".join(sorted({c.source for c in claims}))
        yield f"claimed twice over ({sources}): {occurrence}"
    for claim in result.stale:
        yield f"stale ({claim.source}): {claim.lesson} no longer says {claim.phrase!r}"


@pytest.mark.parametrize("name", LESSONS)
def test_every_number_in_the_lesson_is_claimed_once(name: str) -> None:
    path = CONTENT / name
    result = inventory(path, *claims_for(name))
    found = list(problems(path, result))
    assert not found, f"{len(found)} problem(s) in {name}:\n" + "\n".join(found)


def test_the_shipped_lessons_are_one_folder() -> None:
    """Claims name a lesson by its file name: lessons in sub-folders would need paths."""
    assert LESSONS and not list(CONTENT.glob("*/**/*.md"))


def test_every_claim_names_a_shipped_lesson() -> None:
    for group in all_claims():
        for claim in group:
            assert claim.lesson in LESSONS, f"{claim.source}: no lesson {claim.lesson!r}"


def test_inventory_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Counts by kind, and every pending number listed: what is not yet verified is visible."""
    totals: dict[str, int] = {}
    found = 0
    for name in LESSONS:
        result = inventory(CONTENT / name, *claims_for(name))
        found += len(result.occurrences)
        for key, count in result.by_source.items():
            totals[key] = totals.get(key, 0) + count
    claimed = sum(totals.values())
    assert claimed <= found and totals["test"] > 0
    _tests, _allowed, waiting = all_claims()
    with capsys.disabled():
        print(
            f"\nlesson numbers: {found} found; " + ", ".join(f"{k} {v}" for k, v in totals.items())
        )
        if totals["pending"]:
            print(f"PENDING (model numbers no test recomputes yet): {len(waiting)} phrases")
            for claim in waiting:
                print(f"  {claim.lesson}: {claim.phrase!r}")


# -- the inventory itself catches a changed or added number ----------------------------------


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(CONTENT / name, target)
    return target


def test_a_changed_number_is_caught(tmp_path: Path) -> None:
    """Change a number a test claims ('0.79 ms' → '0.81 ms'): the claim goes stale."""
    name = "03-depolarization.md"
    path = _copy(tmp_path, name)
    text = path.read_text(encoding="utf-8")
    assert "in 0.79 ms" in text
    path.write_text(text.replace("in 0.79 ms", "in 0.81 ms"), encoding="utf-8")
    result = inventory(path, *claims_for(name))
    assert any("0.79 ms" in c.phrase for c in result.stale)
    assert any(o.number == "0.81" for o in result.unclaimed)
    clean = inventory(CONTENT / name, *claims_for(name))
    assert not clean.stale and not any(o.number == "0.79" for o in clean.unclaimed)


def test_an_added_number_is_caught(tmp_path: Path) -> None:
    """A new sentence with a number nobody claims is reported, with the phrase to quote."""
    name = "02-threshold.md"
    path = _copy(tmp_path, name)
    text = path.read_text(encoding="utf-8")
    marker = "\n```question"
    added = "\nThe spike peaks 12.5 ms after the pulse.\n"
    path.write_text(text.replace(marker, added + marker, 1), encoding="utf-8")
    result = inventory(path, *claims_for(name))
    assert [o.number for o in result.unclaimed] == ["12.5"]
    assert "unclaimed" in next(problems(path, result))


def test_every_kind_of_number_is_found(tmp_path: Path) -> None:
    """Units, multipliers, ranges, values after = or ≈, decimals and table cells all count."""
    path = tmp_path / "x.md"
    path.write_text(
        '+++\nid = "x"\ntitle = "X"\npreset = "squid"\n+++\n'
        "A −65 mV rest, 1.6–1.7 ms, 20 µA/cm², 37 °C, 12 %, ×3, 15 times, n = 7, 0.60.\n\n"
        "| a | b |\n|---|---|\n| 4 | 9 |\n\nLesson 6 and 2 spikes are not numbers with meaning.\n"
        '\n```question\nid = "q"\ntype = "choice"\nprompt = "Is 3 mV small?"\n'
        '[[option]]\ntext = "yes"\ncorrect = true\nfeedback = "At 8 ms, yes."\n'
        '[[option]]\ntext = "no"\nfeedback = "No."\n```\n',
        encoding="utf-8",
    )
    numbers = [o.number for o in number_occurrences(path)]
    prose = ["−65", "1.6–1.7", "20", "37", "12", "3", "15", "7", "0.60", "4", "9"]
    assert numbers == [*prose, "3", "8"]  # then the prompt, then the option's feedback


def test_a_claim_and_an_allowlist_entry_on_one_number_conflict(tmp_path: Path) -> None:
    name = "03-depolarization.md"
    tests, allowed, waiting = claims_for(name)
    twice = [*allowed, Claim(name, "from −55 to +40 mV in 0.79 ms", "allowlist: protocol")]
    result = inventory(CONTENT / name, tests, twice, waiting)
    assert any(o.number == "0.79" for o, _ in result.conflicting)


# -- a try-it's label says what the try-it runs ----------------------------------------------


@pytest.mark.parametrize("name", LESSONS)
def test_try_it_labels_state_their_own_settings(name: str) -> None:
    """'A weak pulse (2 µA/cm², 1 ms)' must be the pulse the try-it delivers: every number
    with a unit in a label is one of that try-it's settings (temperature: the preset's own
    unless the try-it sets one)."""
    path = CONTENT / name
    segments = {s.where: s.text for s in visible_segments(path)}
    settings = run_settings(path)
    for occurrence in number_occurrences(path):
        if not occurrence.where.startswith("try_it["):
            continue
        text = segments[occurrence.where]
        if unit_after(occurrence, text) is None:
            continue
        assert describes_its_run(occurrence, text, settings), (
            f"{occurrence}: not a setting of this try-it {settings[occurrence.where]}"
        )


def test_a_label_that_misstates_its_pulse_is_caught(tmp_path: Path) -> None:
    path = _copy(tmp_path, "02-threshold.md")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("(2 µA/cm², 1 ms)", "(3 µA/cm², 1 ms)"), encoding="utf-8")
    segments = {s.where: s.text for s in visible_segments(path)}
    label = [o for o in number_occurrences(path) if o.where == "try_it[0].label"]
    assert [o.number for o in label] == ["3", "1"]
    verdicts = [describes_its_run(o, segments[o.where], run_settings(path)) for o in label]
    assert verdicts == [False, True]
