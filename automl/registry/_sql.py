"""The registry store on SQLAlchemy: an SQLite file by default, any SQLAlchemy URL for a team.

Five tables (``registry_meta``, ``registry_models``, ``registry_versions``,
``registry_aliases``, ``registry_alias_events``); JSON columns hold the per-file sha256,
the lineage and the tags. SQLite runs in WAL mode with a busy timeout, like the studies.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from automl.registry._store import AliasEvent
from automl.registry._store import EventKind
from automl.registry._store import ModelVersion
from automl.registry._store import RegistryError
from automl.registry._store import RegistryStore
from automl.storage import sqlite_pragmas
from automl.storage import track_sqlite

SCHEMA_VERSION = 1
SQLITE_TIMEOUT_S = 60

meta = sa.MetaData()
t_meta = sa.Table("registry_meta", meta, sa.Column("key", sa.String(64), primary_key=True),
                  sa.Column("value", sa.String(256), nullable=False))
t_models = sa.Table(
    "registry_models", meta,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("last_version", sa.Integer, nullable=False, default=0),
)
t_versions = sa.Table(
    "registry_versions", meta,
    sa.Column("model", sa.String(100), sa.ForeignKey("registry_models.name"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("artifact", sa.String(512), nullable=False),
    sa.Column("files", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("data_sha256", sa.String(64), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("task", sa.String(32), nullable=False),
    sa.Column("metric", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
)
t_aliases = sa.Table(
    "registry_aliases", meta,
    sa.Column("model", sa.String(100), primary_key=True),
    sa.Column("alias", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["model", "version"],
                            ["registry_versions.model", "registry_versions.version"]),
)
t_events = sa.Table(
    "registry_alias_events", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model", sa.String(100), nullable=False, index=True),
    sa.Column("alias", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("from_version", sa.Integer, nullable=True),
    sa.Column("to_version", sa.Integer, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("who", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)
_JSON = ("files", "source", "tags")


class SqlRegistryStore(RegistryStore):
    """``RegistryStore`` on any SQLAlchemy URL (``sqlite://`` is a private in-memory one)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _engine(url)
        meta.create_all(self.engine)
        with self.engine.begin() as c:
            row = c.execute(sa.select(t_meta.c.value).where(t_meta.c.key == "schema_version")).first()
            if row is None:
                c.execute(t_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(row.value) > SCHEMA_VERSION:
                raise RegistryError(f"The registry at {_masked(url)} was written by a newer "
                                    f"AutoML Studio (schema {row.value}); upgrade to use it.")

    # -- versions --------------------------------------------------------------------------

    def add_version(self, version: ModelVersion) -> ModelVersion:
        with self.engine.begin() as c:
            row = c.execute(sa.select(t_models.c.last_version)
                            .where(t_models.c.name == version.model)).first()
            if row is None:
                c.execute(t_models.insert().values(name=version.model, created_at=version.created_at,
                                                   last_version=0))
                number = 1
            else:
                number = row.last_version + 1
            # Conditional update: a concurrent writer that took the number first makes it fail.
            done = c.execute(t_models.update()
                             .where(t_models.c.name == version.model,
                                    t_models.c.last_version == number - 1)
                             .values(last_version=number))
            if done.rowcount != 1:
                raise RegistryError("Another process registered a version at the same moment; "
                                    "run the command again.")
            values = _to_row(version)
            values["version"] = number
            c.execute(t_versions.insert().values(**values))
        return self.get_version(version.model, number)

    def get_version(self, model: str, version: int) -> ModelVersion:
        with self.engine.connect() as c:
            row = c.execute(sa.select(t_versions).where(t_versions.c.model == model,
                                                        t_versions.c.version == int(version))).first()
            if row is None:
                self._require_model(c, model)
                known = [r.version for r in c.execute(sa.select(t_versions.c.version)
                                                      .where(t_versions.c.model == model)
                                                      .order_by(t_versions.c.version))]
                raise RegistryError(f"Model {model!r} has no version {version}; its versions: "
                                    f"{', '.join(map(str, known)) or 'none'}.")
        return _from_row(row)

    def list_versions(self, model: str) -> tuple[ModelVersion, ...]:
        with self.engine.connect() as c:
            self._require_model(c, model)
            rows = c.execute(sa.select(t_versions).where(t_versions.c.model == model)
                             .order_by(t_versions.c.version)).all()
        return tuple(_from_row(r) for r in rows)

    def list_models(self) -> tuple[str, ...]:
        with self.engine.connect() as c:
            return tuple(r.name for r in c.execute(sa.select(t_models.c.name)
                                                   .order_by(t_models.c.name)))

    def delete_version(self, model: str, version: int) -> ModelVersion:
        found = self.get_version(model, version)
        with self.engine.begin() as c:
            aliased = [r.alias for r in c.execute(
                sa.select(t_aliases.c.alias).where(t_aliases.c.model == model,
                                                   t_aliases.c.version == int(version)))]
            if aliased:
                raise RegistryError(
                    f"Version {version} of {model!r} is the {', '.join(sorted(aliased))}; move "
                    f"the alias first (automl registry alias {model} ALIAS VERSION).")
            c.execute(t_versions.delete().where(t_versions.c.model == model,
                                                t_versions.c.version == int(version)))
        return found

    # -- aliases -----------------------------------------------------------------------------

    def get_aliases(self, model: str) -> dict[str, int]:
        with self.engine.connect() as c:
            self._require_model(c, model)
            rows = c.execute(sa.select(t_aliases).where(t_aliases.c.model == model)
                             .order_by(t_aliases.c.alias)).all()
        return {r.alias: r.version for r in rows}

    def move_alias(self, model: str, alias: str, version: int, *, kind: EventKind, who: str,
                   reason: str, at: str) -> AliasEvent:
        self.get_version(model, version)
        with self.engine.begin() as c:
            row = c.execute(sa.select(t_aliases.c.version).where(
                t_aliases.c.model == model, t_aliases.c.alias == alias)).first()
            before = row.version if row else None
            ev = AliasEvent(model, alias, EventKind(kind), before, int(version), at, who, reason)
            if before == int(version):
                return ev
            if row is None:
                c.execute(t_aliases.insert().values(model=model, alias=alias, version=int(version)))
            else:
                c.execute(t_aliases.update().where(t_aliases.c.model == model,
                                                   t_aliases.c.alias == alias)
                          .values(version=int(version)))
            c.execute(t_events.insert().values(model=model, alias=alias, kind=ev.kind.value,
                                               from_version=before, to_version=int(version),
                                               at=at, who=who, reason=reason))
        return ev

    def list_events(self, model: str) -> tuple[AliasEvent, ...]:
        with self.engine.connect() as c:
            self._require_model(c, model)
            rows = c.execute(sa.select(t_events).where(t_events.c.model == model)
                             .order_by(t_events.c.id)).all()
        return tuple(AliasEvent(r.model, r.alias, EventKind(r.kind), r.from_version, r.to_version,
                                r.at, r.who, r.reason) for r in rows)

    def _require_model(self, c, model: str) -> None:
        if c.execute(sa.select(t_models.c.name).where(t_models.c.name == model)).first() is None:
            names = [r.name for r in c.execute(sa.select(t_models.c.name).order_by(t_models.c.name))]
            raise RegistryError(f"No model named {model!r} in the registry; registered models: "
                                f"{', '.join(names) or 'none'}.")

    def close(self) -> None:
        self.engine.dispose()


def _to_row(v: ModelVersion) -> dict[str, Any]:
    row = {c.name: getattr(v, c.name) for c in t_versions.columns}
    for k in _JSON:
        row[k] = json.dumps(row[k], sort_keys=True)
    return row


def _from_row(row) -> ModelVersion:
    d = dict(row._mapping)
    for k in _JSON:
        d[k] = json.loads(d[k])
    return ModelVersion(**d)


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several types here
        raise RegistryError(f"The registry URL {url!r} is malformed ({exc}).") from None
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, future=True)
    if parsed.database in (None, "", ":memory:"):
        return sa.create_engine("sqlite://", poolclass=StaticPool,
                                connect_args={"check_same_thread": False})
    engine = track_sqlite(sa.create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_S}))
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection, record) -> None:
    sqlite_pragmas(connection, record)  # WAL and synchronous=NORMAL, as for the studies
    connection.execute("PRAGMA foreign_keys=ON")


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "<unparseable URL>"
