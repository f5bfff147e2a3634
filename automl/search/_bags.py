"""Fold models kept on disk: the final model that needs no refit.

Every completed trial has fitted one model per fold. Averaged, one complete k-fold's fold
models are a complete model of the whole table (a bagged model, the way AutoGluon ships its
fold models), available the moment the trial ends. On a repeated k-fold only the first
repeat's k are held and saved (every row out of fold once); scores and out-of-fold
predictions still come from every repeat. The other repeats' models would triple what a
worker holds on small tables (5-fold x 3) and what a bagged ensemble loads, for more copies
of models that differ only in their shuffle. The search keeps them for the few trials that could
become the final model (the best few overall and the best of each family; on small tables
every candidate of the ensemble), so a run whose
refit cannot fit the time left still ends with a model, and on small tables the average of
the fold models can be chosen because it scores better than a refit.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

PREFIX = "automl-folds-"  # then the search's process id: automl-folds-PID-XXXX
KEEP_TOP = 3  # trials kept besides each family's best
# On tables where the final stage measures fold models against a refit, an ensemble it
# prefers bagged needs every member's fold models: there the kept set is the ensemble's
# whole candidate pool (``FoldBags(keep_top=...)``), and the trials kept beyond the best
# three and each family's best stop at this many bytes on disk (counted at each offer, from
# the files written by then), worst first.
POOL_BYTES = 256 * 2**20
# A worker holds the fold models of the trial it is running, in memory, until the search
# says whether to save them; past this size it lets them go (that trial gets no bagged
# fallback; its refit is still in the chain). Wide forests on a few thousand rows reach
# 200 MB for five folds, which alone would double the process tree's memory. Only one
# repeat's folds are held (``Evaluator.run_trial``), so the bound is on k models, not k x r:
# 48 MB is 9.6 MB per fold model of a 5-fold, more than the 6.4 MB that 96 MB left each of
# the fifteen a small table's 5-fold x 3 held before.
HOLD_BYTES = 48 * 2**20
WAIT_S = 3.0  # for fold models a worker is still writing when the final model is chosen
START_S = 1.0  # a worker starts writing within this long of the request


class HeldModels(list):
    """The fold models of one trial, appended fold by fold, given up for good (emptied, and
    further appends ignored) once their estimated size passes ``limit`` bytes."""

    def __init__(self, limit: int = HOLD_BYTES):
        super().__init__()
        self.limit = limit
        self.bytes = 0
        self.given_up = False

    def append(self, model: Any) -> None:
        if self.given_up:
            return
        self.bytes += model_nbytes(model)
        if self.bytes > self.limit:
            self.given_up = True
            self.clear()
            return
        super().append(model)


def model_nbytes(obj: Any) -> int:
    """The memory a fitted model holds in arrays (numpy, scipy sparse, tree nodes), found by
    walking its attributes; Python objects around them are not counted. Cheap: no pickling."""
    from sklearn.tree._tree import Tree

    seen: set[int] = set()

    def walk(x: Any, depth: int) -> int:
        if depth > 12 or id(x) in seen:
            return 0
        seen.add(id(x))
        if isinstance(x, np.ndarray):
            return x.nbytes if x.dtype != object else sum(walk(v, depth + 1) for v in x.flat)
        if isinstance(x, Tree):
            return x.capacity * 64 + x.value.nbytes  # a node is a 64-byte struct
        if sp.issparse(x):
            return sum(getattr(x, a).nbytes for a in ("data", "indices", "indptr", "row", "col")
                       if hasattr(x, a))
        if isinstance(x, dict):
            return sum(walk(v, depth + 1) for v in x.values())
        if isinstance(x, (list, tuple)):
            return sum(walk(v, depth + 1) for v in x)
        if isinstance(x, (str, bytes, int, float, bool, type(None))):
            return 0
        attrs = getattr(x, "__dict__", None)
        return walk(attrs, depth + 1) if attrs else 0

    return walk(obj, 0)


@dataclass(frozen=True)
class Kept:
    score: float
    family: str
    path: str
    offered: float  # time.monotonic() of the request


def sweep_orphans() -> None:
    """Remove the fold-model folders of searches whose process is gone: a search killed
    outright (a crash, SIGKILL, a power cut) could not remove its own, and fold models of a
    large table run to hundreds of megabytes, in a folder that is often memory."""
    for folder in glob.glob(os.path.join(tempfile.gettempdir(), f"{PREFIX}*-*")):
        pid = os.path.basename(folder)[len(PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if os.name != "posix":  # Windows' os.kill would end the process: keep its folder
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by another user (or the platform cannot tell)
        return True
    return True


class FoldBags:
    """Which trials' fold models are saved, and where; the folder goes with ``close``.

    Kept: the best ``keep_top`` trials and each family's best; past the best ``KEEP_TOP``
    and the family bests, only while their files stay under ``pool_bytes``."""

    def __init__(self, greater_is_better: bool, keep_top: int = KEEP_TOP,
                 pool_bytes: int = POOL_BYTES):
        self._sign = 1.0 if greater_is_better else -1.0
        self.keep_top, self.pool_bytes = max(keep_top, KEEP_TOP), pool_bytes
        sweep_orphans()
        self._dir = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
        self._kept: dict[int, Kept] = {}  # sampler trial number -> kept fold models
        self._study: dict[int, int] = {}  # study trial number -> sampler trial number

    def offer(self, number: int, family: str, score: float) -> str | None:
        """A path to save trial ``number``'s fold models at, if it is worth keeping; the
        trials it pushes out of the kept set lose their files."""
        better = [k for k in self._kept.values() if self._sign * k.score >= self._sign * score]
        family_best = all(k.family != family or self._sign * score > self._sign * k.score
                          for k in self._kept.values())
        if len(better) >= self.keep_top and not family_best:
            return None
        path = os.path.join(self._dir, f"trial-{number}.joblib")
        self._kept[number] = Kept(score, family, path, time.monotonic())
        self._forget_surplus()
        return path if number in self._kept else None

    def committed(self, number: int, study_number: int) -> None:
        """The recorder gave sampler trial ``number`` its study number."""
        if number in self._kept:
            self._study[study_number] = number

    def kept(self, study_number: int) -> bool:
        """Whether a study trial's fold models are kept (on disk, or being written)."""
        return self._study.get(study_number, -1) in self._kept

    def path(self, study_number: int) -> str | None:
        """The saved fold models of a study trial, if they are on disk."""
        kept = self._kept.get(self._study.get(study_number, -1))
        return kept.path if kept and os.path.exists(kept.path) else None

    def megabytes(self, study_number: int) -> float | None:
        """Size of a trial's saved fold models on disk, if they are there."""
        path = self.path(study_number)
        return os.path.getsize(path) / 2**20 if path else None

    def ready(self, study_number: int, wait_s: float = WAIT_S) -> bool:
        """Whether a study trial's fold models are on disk, waiting up to ``wait_s`` for a
        worker still writing them."""
        kept = self._kept.get(self._study.get(study_number, -1))
        if kept is None:
            return False
        give_up = time.monotonic() + wait_s
        while not os.path.exists(kept.path):
            now = time.monotonic()
            # Written, being written, or just asked for (the worker starts when it reads
            # the request); otherwise its worker died before writing, or never held them.
            coming = os.path.exists(kept.path + ".partial") or now < kept.offered + START_S
            if now >= give_up or not coming:
                return False
            time.sleep(0.02)
        return True

    def take(self, study_number: int, wait_s: float = WAIT_S) -> str | None:
        """Move a trial's saved fold models out of the folder (it survives ``close``), once
        they are ``ready``; None if they do not come."""
        if not self.ready(study_number, wait_s):
            return None
        fd, out = tempfile.mkstemp(prefix="automl-bagged-", suffix=".joblib")
        os.close(fd)
        os.replace(self._kept[self._study[study_number]].path, out)
        return out

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def _forget_surplus(self) -> None:
        ranked = sorted(self._kept, key=lambda n: -self._sign * self._kept[n].score)
        best_of_family: dict[str, int] = {}
        for n in ranked:
            best_of_family.setdefault(self._kept[n].family, n)
        keep = set(ranked[:KEEP_TOP]) | set(best_of_family.values())
        pool_bytes = 0
        for n in ranked[:self.keep_top]:  # the rest of the pool, best first, under the bound
            if n not in keep:
                path = self._kept[n].path
                pool_bytes += os.path.getsize(path) if os.path.exists(path) else 0
                if pool_bytes > self.pool_bytes:
                    break
                keep.add(n)
        for n in [n for n in self._kept if n not in keep]:
            kept = self._kept.pop(n)
            if os.path.exists(kept.path):  # a file still being written is swept by close()
                os.unlink(kept.path)
