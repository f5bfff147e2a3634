"""Drift: how new rows differ from the data a bundle was trained on.

The reference is the bundle's ``profile.json`` (the training profile), so a check needs the
bundle and the new file only. Per feature column:

* numeric: shift of the mean in training standard deviations, and the share of values
  outside the training range;
* categorical / boolean: the share of rows whose category was never seen in training, and
  the total variation distance between the top-category frequencies;
* every kind: the change in the share of missing values.

Each column gets a status (ok / warning / drift) from fixed thresholds written below, so the
report reads the same in the CLI, in a scheduled job (exit code) and in the GUI.
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl.data import ColumnKind
from automl.data import Profile

MEAN_SHIFT = (0.25, 0.5)  # |mean shift| in training standard deviations: warning, drift
OUT_OF_RANGE = (0.01, 0.05)  # share of values outside the training min..max
UNSEEN = (0.01, 0.05)  # share of rows with a category unseen in training
TVD = (0.1, 0.2)  # total variation distance of category frequencies
MISSING = (0.05, 0.15)  # absolute change of the missing share

_RANK = {"ok": 0, "warning": 1, "drift": 2}


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: str
    status: str  # ok | warning | drift | missing (column absent from the new data)
    findings: tuple[str, ...]
    stats: dict[str, float]


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


def drift_report(reference: Profile, frame: pd.DataFrame, features: tuple[str, ...]) -> DriftReport:
    """Compare ``frame`` with the training profile on the model's feature columns."""
    out = []
    for name in features:
        ref = reference.column(name)
        if name not in frame.columns:
            out.append(ColumnDrift(name, ref.kind.value, "missing", ("column absent",), {}))
            continue
        s = frame[name]
        stats: dict[str, float] = {}
        levels: list[tuple[str, str]] = []  # (status, finding)
        missing_now = float(s.isna().mean()) if len(s) else 0.0
        stats["missing_delta"] = missing_now - ref.missing_pct / 100
        levels.append(_level(abs(stats["missing_delta"]), MISSING,
                             f"missing values {ref.missing_pct:.1f}% -> {missing_now * 100:.1f}%"))
        if ref.kind is ColumnKind.NUMERIC and ref.std is not None:
            values = pd.to_numeric(s, errors="coerce").dropna()
            if len(values):
                shift = (values.mean() - ref.mean) / (ref.std or 1.0)
                outside = float(((values < ref.min) | (values > ref.max)).mean())
                stats.update(mean_shift_sd=float(shift), out_of_range=outside)
                levels.append(_level(abs(shift), MEAN_SHIFT,
                                     f"mean {ref.mean:.4g} -> {values.mean():.4g} ({shift:+.2f} sd)"))
                levels.append(_level(outside, OUT_OF_RANGE,
                                     f"{outside:.1%} of values outside the training range "
                                     f"{ref.min:.4g} .. {ref.max:.4g}"))
        elif ref.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) and ref.categories:
            values = s.dropna().map(_as_str)
            if len(values):
                unseen = float((~values.isin(set(ref.categories))).mean())
                total = sum(n for _, n in ref.top) or 1
                then = {v: n / total for v, n in ref.top}
                now = values.value_counts(normalize=True)
                keys = set(then) | set(now.index[: len(then)])
                tvd = 0.5 * sum(abs(then.get(k, 0.0) - float(now.get(k, 0.0))) for k in keys)
                stats.update(unseen=unseen, tvd=float(tvd))
                levels.append(_level(unseen, UNSEEN, f"{unseen:.1%} of rows have unseen categories"))
                levels.append(_level(tvd, TVD, f"category frequencies moved (TVD {tvd:.2f})"))
        status = max((lv for lv, _ in levels), key=_RANK.__getitem__, default="ok")
        findings = tuple(f for lv, f in levels if lv != "ok")
        out.append(ColumnDrift(name, ref.kind.value, status, findings, stats))
    return DriftReport(len(frame), tuple(out))


def _level(value: float, limits: tuple[float, float], finding: str) -> tuple[str, str]:
    if not np.isfinite(value):
        return "ok", finding
    if value >= limits[1]:
        return "drift", finding
    return ("warning", finding) if value >= limits[0] else ("ok", finding)


def _as_str(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
