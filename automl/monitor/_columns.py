"""``automl drift``: the per-column view of the monitoring checks, kept for scripts that call it.

Each feature column is tested as ``automl monitor`` tests it (``automl.monitor.check_drift``:
Kolmogorov-Smirnov or chi-square on small training sets, Wasserstein or Jensen-Shannon on
large ones, thresholds from ``DriftPolicy``), and gets a status: "drift" (the test fired),
"missing" (the column is absent from the new rows), "warning" (only a finding: the missing
share changed, or categories training never had), or "ok". The report is "drift" when any
column is. ``automl monitor`` adds the dataset verdict, prediction drift and the estimate.
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl.data import ColumnKind
from automl.data import Profile
from automl.data import level_name
from automl.monitor._drift import check_drift
from automl.monitor._policy import DriftPolicy

__all__ = ["ColumnDrift", "DriftReport", "drift_report"]

_RANK = {"ok": 0, "warning": 1, "drift": 2, "missing": 2}


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: str
    status: str  # ok | warning | drift | missing (column absent from the new data)
    findings: tuple[str, ...]
    stats: dict[str, Any]


@dataclass(frozen=True)
class DriftReport:
    n_rows: int
    columns: tuple[ColumnDrift, ...]

    @property
    def status(self) -> str:
        if any(c.status in ("drift", "missing") for c in self.columns):
            return "drift"
        return "warning" if any(c.status == "warning" for c in self.columns) else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "n_rows": self.n_rows,
                "columns": [asdict(c) for c in self.columns]}


def drift_report(reference: Profile, frame: pd.DataFrame, features: tuple[str, ...],
                 policy: DriftPolicy | None = None) -> DriftReport:
    """Compare ``frame`` with the training profile on the model's feature columns."""
    result = check_drift(reference, frame, features, None, policy)
    out = []
    for c in result.columns:
        if c.test is None and c.drifted:
            status = "missing"
        elif c.drifted:
            status = "drift"
        else:
            status = "warning" if c.findings else "ok"
        findings = c.findings
        if c.drifted and c.test:
            findings = (f"{c.test} {c.statistic:.4g} (threshold {c.threshold})", *findings)
        stats = {"test": c.test, "statistic": c.statistic, "threshold": c.threshold,
                 **_summary_stats(reference, frame, c.column)}
        out.append(ColumnDrift(c.column, c.kind, status, findings, stats))
    return DriftReport(len(frame), tuple(out))


def _summary_stats(reference: Profile, frame: pd.DataFrame, name: str) -> dict[str, float]:
    """Mean shift in training sds (numeric) and the unseen-category share (categorical)."""
    if name not in frame.columns:
        return {}
    try:
        ref = reference.column(name)
    except KeyError:
        return {}
    if ref.kind is ColumnKind.NUMERIC and ref.mean is not None:
        values = pd.to_numeric(frame[name], errors="coerce").dropna()
        if len(values):
            return {"mean_shift_sd": float((values.mean() - ref.mean) / (ref.std or 1.0))}
    if ref.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) and ref.categories:
        values = frame[name].dropna().map(level_name)
        if len(values):
            return {"unseen": float(np.mean(~values.isin(set(ref.categories))))}
    return {}
