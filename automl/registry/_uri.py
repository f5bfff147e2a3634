"""Registry URIs: ``MODEL@ALIAS`` and ``MODEL/VERSION`` (also with MLflow's ``models:/``
prefix) wherever a bundle folder is accepted."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from automl.registry._store import RegistryError

_URI = re.compile(r"^(?:models:/)?(?P<model>[A-Za-z0-9][\w.-]*)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))$")


@dataclass(frozen=True)
class ModelUri:
    """A parsed registry URI: a model and either an alias or a version number."""

    model: str
    alias: str | None = None
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.model}@{self.alias}" if self.alias else f"{self.model}/{self.version}"


def parse_model_uri(text: str) -> ModelUri | None:
    """The URI in ``text``, or None when it does not read as one."""
    m = _URI.match(str(text))
    if not m:
        return None
    version = m.group("version")
    return ModelUri(m.group("model"), m.group("alias"), int(version) if version else None)


def resolve_model_uri(target: str | os.PathLike, registry: str | os.PathLike | None = None) -> Path:
    """The bundle folder for a bundle path, ``MODEL@ALIAS`` or ``MODEL/N``.

    An existing folder is returned as is (a folder named like a URI wins). A URI is looked
    up in the registry (``registry``, else ``$AUTOML_REGISTRY``, else the workspace's), and
    every file of the version's bundle copy is checked against the sha256 recorded at
    registration before its folder is returned.

    Raises:
        RegistryError: Unknown model, alias or version, or a bundle copy that changed.
    """
    text = os.fspath(target)
    if Path(text).is_dir() and not text.startswith("models:/"):
        return Path(text)
    uri = parse_model_uri(text)
    if uri is None:
        return Path(text)  # the bundle loader says what is wrong with the path
    from automl.registry._registry import Registry

    reg = Registry.open(registry)
    try:
        if uri.alias is not None:
            version = reg.by_alias(uri.model, uri.alias).version
        else:
            version = uri.version
        return reg.bundle_path(uri.model, version)
    except RegistryError as exc:
        raise RegistryError(f"{text}: {exc}") from None
    finally:
        reg.store.close()
