"""What `automl run` prints while it searches: a live line on a terminal, whole lines in a log."""

from __future__ import annotations

import io

import pytest

from automl.cli._progress import RunPrinter
from automl.cli._progress import fit_width
from automl.events import Progress
from automl.events import RunFinished
from automl.events import SearchStarted
from automl.events import TrialFinished

REASON = ("stopped: time budget reached (at the pace of its first 1 folds it would end after "
          "the search's deadline)")


@pytest.mark.parametrize("width", range(8, 120, 7))
def test_fit_width_never_cuts_inside_a_word(width):
    line = fit_width(REASON, width)
    assert len(line) <= width
    if line != REASON:
        body = line.removesuffix("…")
        assert body and REASON.startswith(body), line
        assert REASON[len(body)] in " :,;(-", f"cut inside a word: {line!r}"


class Terminal(io.StringIO):
    encoding = "utf-8"


def test_fit_width_leaves_a_short_text_alone_and_cuts_a_lone_long_word():
    assert fit_width("a short\ntext", 40) == "a short text"
    assert fit_width("x" * 50, 10) == "x" * 9 + "…"


def events():
    yield SearchStarted("s", "sqlite://", "binary", "roc_auc", True, 30.0, 569, 30,
                        ("hgb", "linear"), "5-fold", ("rows sampled",))
    yield TrialFinished(0, "linear", "complete", 0.99, (0.99,), 0.5)
    yield Progress(3.2, 30.0, 1, 0, 0, 0.99, 0)
    yield TrialFinished(1, "hgb", "pruned", None, (), 2.0, REASON)
    yield TrialFinished(2, "svm", "failed", None, (), 0.1, "ValueError: " + REASON)
    yield Progress(12.0, 30.0, 1, 1, 1, 0.99, 0)
    yield Progress(29.0, 30.0, 1, 1, 1, 0.99, 0, phase="refit")
    yield RunFinished("s", 0, 0.99, 3, 31.0, "budget")


def test_on_a_terminal_one_live_line_and_the_failures_above_it():
    out = Terminal()
    printer = RunPrinter(out, live=True, width=110)
    for event in events():
        printer(event)
    text = out.getvalue()
    assert text.endswith("\r\x1b[K")  # the live line is gone before the leaderboard
    screens = [part for part in text.replace("\r\x1b[K", "\n").split("\n") if part]
    assert all(len(s) <= 109 for s in screens), screens
    lines = text.split("\n")
    assert lines[0] == "note: rows sampled"
    assert "trial    2  svm" in text and "trial    1" not in text  # only failures scroll
    failed = next(s for s in screens if s.startswith("trial    2"))
    assert failed.endswith("…") and "ValueError" in failed
    live = list(dict.fromkeys(s for s in screens if "elapsed" in s))  # redrawn under a failure
    assert live[0].startswith("3 s elapsed, 27 s left") and "1 trials (1 complete)" in live[0]
    assert "best roc_auc 0.99 (trial 0, linear)" in live[0]
    assert "1 pruned, 1 failed" in live[1] and "refitting" in live[2]


def test_in_a_log_every_trial_with_its_whole_reason():
    out = Terminal()
    printer = RunPrinter(out, live=False, width=40)
    for event in events():
        printer(event)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and "elapsed" not in out.getvalue()
    assert [ln.split()[1] for ln in lines if ln.startswith("trial")] == ["0", "1", "2"]
    assert lines[2].endswith(REASON)


def test_without_utf8_the_terminal_gets_plain_ascii():
    out = io.StringIO()  # no encoding: assume the worst
    printer = RunPrinter(out, live=True, width=50)
    for event in events():
        printer(event)
    out.getvalue().encode("ascii")


def test_on_a_narrow_terminal_nothing_wraps():
    out = Terminal()
    printer = RunPrinter(out, live=True, width=48)
    for event in events():
        printer(event)
    screens = [p for p in out.getvalue().replace("\r\x1b[K", "\n").split("\n") if p]
    assert all(len(s) <= 47 for s in screens if not s.startswith("note:")), screens
