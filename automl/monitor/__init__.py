"""Monitoring: drift of new rows against the training profile, prediction drift, a performance
estimate without labels, and champion against challenger on labelled rows (docs/monitoring.md)."""

from automl.monitor._check import MonitorReport
from automl.monitor._check import compare_bundles
from automl.monitor._check import monitor_bundle
from automl.monitor._columns import ColumnDrift
from automl.monitor._columns import DriftReport
from automl.monitor._columns import drift_report
from automl.monitor._compare import CompareVerdict
from automl.monitor._compare import Comparison
from automl.monitor._compare import paired_bootstrap
from automl.monitor._drift import ColumnCheck
from automl.monitor._drift import DriftResult
from automl.monitor._drift import Verdict
from automl.monitor._drift import check_drift
from automl.monitor._estimate import Estimate
from automl.monitor._estimate import estimate_performance
from automl.monitor._policy import DriftPolicy
from automl.monitor._policy import DriftTest
from automl.monitor._reference import REFERENCE_FILE
from automl.monitor._reference import reference_files
from automl.monitor._report import draw_drift
from automl.monitor._report import monitoring_folder
from automl.monitor._report import read_history
from automl.monitor._report import record_comparison
from automl.monitor._report import to_markdown
from automl.monitor._report import write_report

__all__ = [
    "REFERENCE_FILE",
    "ColumnCheck",
    "ColumnDrift",
    "CompareVerdict",
    "Comparison",
    "DriftPolicy",
    "DriftReport",
    "DriftResult",
    "DriftTest",
    "Estimate",
    "MonitorReport",
    "Verdict",
    "check_drift",
    "compare_bundles",
    "draw_drift",
    "drift_report",
    "estimate_performance",
    "monitor_bundle",
    "monitoring_folder",
    "paired_bootstrap",
    "read_history",
    "record_comparison",
    "reference_files",
    "to_markdown",
    "write_report",
]
