"""Where studies live: Optuna storages per backend.

* SQLite (the default): one file, WAL mode, for one machine.
* PostgreSQL (``postgresql://`` or ``postgresql+psycopg://``): a pooled, pre-pinged connection
  with trial heartbeats, for workers on several machines sharing one study.
* ``journal:///path/studies.log``: Optuna's journal file (append-only, file lock), for
  processes sharing a folder without a database server; trials are written when they end.
* ``:memory:``: tests and the API's throw-away runs.

See docs/scale-out.md for which to use when.
"""

from automl.storage._live import LIVE
from automl.storage._live import TrialFollower
from automl.storage._live import heartbeats_enabled
from automl.storage._live import sweep_stale_trials
from automl.storage._live import worker_identity
from automl.storage._open import default_storage_url
from automl.storage._open import mask_url
from automl.storage._open import normalize_url
from automl.storage._open import open_storage
from automl.storage._open import workspace_dir
from automl.storage._sqlite import check_shared_sqlite
from automl.storage._sqlite import pragmas as sqlite_pragmas
from automl.storage._sqlite import release_all as release_connections
from automl.storage._sqlite import track as track_sqlite

__all__ = [
    "LIVE",
    "TrialFollower",
    "check_shared_sqlite",
    "default_storage_url",
    "heartbeats_enabled",
    "mask_url",
    "normalize_url",
    "open_storage",
    "release_connections",
    "sqlite_pragmas",
    "sweep_stale_trials",
    "track_sqlite",
    "worker_identity",
    "workspace_dir",
]
