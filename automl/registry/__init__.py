"""The model registry: versions with lineage, aliases with an event history and rollback,
immutable bundle copies checked file by file, and ``MODEL@ALIAS`` / ``MODEL/N`` URIs."""

from automl.registry._registry import Registry
from automl.registry._registry import default_location
from automl.registry._registry import hash_tree
from automl.registry._sql import SqlRegistryStore
from automl.registry._store import CHALLENGER
from automl.registry._store import CHAMPION
from automl.registry._store import AliasEvent
from automl.registry._store import EventKind
from automl.registry._store import ModelVersion
from automl.registry._store import RegistryError
from automl.registry._store import RegistryStore
from automl.registry._store import check_alias
from automl.registry._uri import ModelUri
from automl.registry._uri import parse_model_uri
from automl.registry._uri import resolve_model_uri

__all__ = ["CHALLENGER", "CHAMPION", "AliasEvent", "EventKind", "ModelUri", "ModelVersion", "Registry",
           "RegistryError", "RegistryStore", "SqlRegistryStore", "check_alias", "default_location",
           "hash_tree", "parse_model_uri", "resolve_model_uri"]
