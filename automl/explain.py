"""Moved: permutation importance is ``automl.metrics.permutation_importances``.

Kept only for ``automl/search/_evaluate.py``, which imports it from here; delete this module
once that import reads ``from automl.metrics import permutation_importances``.
"""

from automl.metrics import permutation_importances

__all__ = ["permutation_importances"]
