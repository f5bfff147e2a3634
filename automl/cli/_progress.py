"""What ``automl run`` prints on stderr while it searches (not with ``--json`` or ``--events``).

On a terminal: one live status line, rewritten in place (elapsed, remaining, trials, best so
far), with a line above it for each failed trial, its reason shortened to the terminal's width
at a word boundary. Elsewhere (a pipe, a log file, a scheduled job): one line per finished
trial with the whole reason, since a log has no width and should lose nothing.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from automl.events import Phase
from automl.events import Progress
from automl.events import RunFinished
from automl.events import SearchStarted
from automl.events import TrialFinished

__all__ = ["RunPrinter", "fit_width"]

DEFAULT_WIDTH = 100
_CLEAR_LINE = "\r\x1b[K"


def fit_width(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` on one line of at most ``width`` characters, cut at a word boundary.

    A single word longer than the line is the only thing ever cut inside a word.
    """
    text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ").rstrip()
    if len(text) <= width:
        return text
    room = width - len(ellipsis)
    if room <= 0:
        return ellipsis[:max(width, 0)]
    cut = text[:room + 1]  # one more: a space just past the room still ends a whole word
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else cut[:room]
    return cut.rstrip(" ,;:(-") + ellipsis


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.5g}"


def _seconds(value: float) -> str:
    value = max(value, 0.0)
    return f"{value:.0f} s" if value < 120 else f"{value // 60:.0f} min {value % 60:02.0f} s"


class RunPrinter:
    """The search's events as lines for a person; call it with each event, then ``close()``."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None,
                 width: int | None = None):
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty()) if live is None else live
        self._width = width
        encoding = (getattr(self.stream, "encoding", None) or "").lower().replace("-", "")
        utf = encoding.startswith("utf")
        self.ellipsis, self.separator = ("…", " · ") if utf else ("...", " | ")
        self.metric = "score"
        self.family_of: dict[int, str] = {}
        self.finished = 0
        self.status = ""

    def width(self) -> int:
        if self._width:
            return self._width
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns

    def __call__(self, event) -> None:
        if isinstance(event, SearchStarted):
            self.metric = event.metric or self.metric
            for note in event.notes:
                self._line(f"note: {note}", fit=False)
        elif isinstance(event, TrialFinished):
            self.family_of[event.number] = event.family
            self.finished += 1
            if not self.live or event.status == "failed":
                self._line(self.trial_line(event), fit=self.live)
        elif isinstance(event, Progress) and self.live:
            self._status(self.status_line(event))
        elif isinstance(event, RunFinished):
            self.close()

    def trial_line(self, event: TrialFinished) -> str:
        score = _number(event.score) if event.score is not None else event.status
        line = f"trial {event.number:>4}  {event.family:<7} {score:<10} {event.duration_s:6.2f} s"
        if event.message and event.status != "complete":
            line += "  " + " ".join(event.message.split())
        return line

    def status_line(self, p: Progress) -> str:
        if p.phase == Phase.REFIT:
            where = f"{_seconds(p.elapsed_s)} elapsed, refitting the final model"
        elif p.phase == Phase.DONE:
            where = f"{_seconds(p.elapsed_s)} elapsed, done"
        else:
            where = (f"{_seconds(p.elapsed_s)} elapsed, "
                     f"{_seconds(p.budget_s - p.elapsed_s)} left")
        trials = f"{p.n_complete + p.n_pruned + p.n_failed} trials ({p.n_complete} complete"
        trials += f", {p.n_pruned} pruned" if p.n_pruned else ""
        trials += f", {p.n_failed} failed)" if p.n_failed else ")"
        if p.best_trial is None:
            best = "no model yet"
        else:
            family = self.family_of.get(p.best_trial)
            best = (f"best {self.metric} {_number(p.best_score)} (trial {p.best_trial}"
                    + (f", {family})" if family else ")"))
        return self.separator.join((where, trials, best))

    def close(self) -> None:
        """Take the live line off the screen (before the leaderboard, or an error message)."""
        if self.live and self.status:
            self.stream.write(_CLEAR_LINE)
            self.stream.flush()
            self.status = ""

    def _line(self, text: str, *, fit: bool) -> None:
        status = self.status
        self.close()
        if fit:
            text = fit_width(text, self.width() - 1, self.ellipsis)
        self.stream.write(text + "\n")
        if status:
            self._status(status)
        else:
            self.stream.flush()

    def _status(self, text: str) -> None:
        # One character short of the width: a full line would wrap, and \r would then
        # rewrite only its second half.
        self.status = fit_width(text, self.width() - 1, self.ellipsis)
        self.stream.write(_CLEAR_LINE + self.status)
        self.stream.flush()
