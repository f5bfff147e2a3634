"""Start-up work that would otherwise stall the window later, in the middle of a search.

* The first ``Leaderboard.from_study`` imports about 200 modules (SQLAlchemy's ORM and
  dialects, Alembic, Mako) and the first chart loads matplotlib's fonts: over half a second,
  partly inside single C calls that hold Python's GIL. :func:`warm_up` does both on a worker
  while the user is still choosing a file.
* Python's cyclic garbage collector: a full (generation 2) collection walks every tracked
  object. With pandas, scikit-learn, SQLAlchemy and matplotlib loaded that is ~300,000
  objects and 100-500 ms under load, a stall in whichever thread triggers it, the GUI
  thread included. :func:`settle_heap` collects once and then freezes the survivors
  (``gc.freeze``, the use case it was added for), so later collections walk only newer objects.
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import optuna

from app.widgets.plot_canvas import render_plot


def warm_up_storage() -> None:
    """Open a throw-away SQLite study storage: the same imports as the real one (Alembic's
    version check included, which an in-memory database skips)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="automl-warmup-") as folder:
        url = f"sqlite:///{(Path(folder) / 'warmup.db').as_posix()}"
        created = optuna.storages.RDBStorage(url)
        optuna.create_study(storage=created, study_name="warmup")
        created.engine.dispose()
        existing = optuna.storages.RDBStorage(url)  # an existing file: Alembic's check
        optuna.load_study(study_name="warmup", storage=existing).get_trials(deepcopy=False)
        existing.engine.dispose()


def _draw_nothing(ax) -> None:
    ax.plot([0, 1], [0, 1])
    ax.set_title("warm-up")


def warm_up_charts() -> None:
    render_plot(_draw_nothing, (), {}, 160, 120, 100.0)


def warm_up() -> None:
    """Everything above, one after the other (run it on the chart thread)."""
    warm_up_storage()
    warm_up_charts()


def settle_heap() -> None:
    """Collect garbage once, then exclude every surviving object from later collections.

    Call on the GUI thread when the user is not waiting (after the start-up warm-up).
    """
    gc.collect()
    gc.freeze()
