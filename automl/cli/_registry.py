"""``automl registry ...``: list, show, history, alias, rollback, delete, register."""

from __future__ import annotations

import json
import sys


def add_commands(sub) -> None:
    rg = sub.add_parser("registry", help="registered models: versions, aliases, history")
    rg.add_argument("--registry", help="registry folder or URL (default: $AUTOML_REGISTRY or "
                    "$AUTOML_HOME/registry)")
    rsub = rg.add_subparsers(dest="registry_command", required=True, metavar="ACTION")

    def action(name, func, help_, *args):
        p = rsub.add_parser(name, help=help_)
        for a in args:
            p.add_argument(a)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        p.add_argument("--registry", dest="registry_local", help="registry folder or URL")
        p.set_defaults(func=func)
        return p

    action("list", cmd_list, "the registered models, their versions and aliases")
    action("show", cmd_show, "one model's versions and aliases", "model")
    action("history", cmd_history, "every alias move of a model (who, when, why)", "model")
    al = action("alias", cmd_alias, "point an alias (champion, challenger, ...) at a version",
                "model", "alias", "version")
    al.add_argument("--reason", default="", help="why (kept in the history)")
    rb = action("rollback", cmd_rollback, "move an alias back to its previous version",
                "model", "alias")
    rb.add_argument("--reason", default="")
    action("delete", cmd_delete, "delete a version (refused while an alias points at it)",
           "model", "version")
    rr = action("register", cmd_register, "register a bundle folder as a model's next version",
                "bundle")
    rr.add_argument("--name", required=True, metavar="MODEL")
    rr.add_argument("--alias", help="also point this alias at it (default: champion for a "
                    "model's first version)")
    rr.add_argument("--notes", default="")
    rr.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE")


def _open(args):
    from automl.registry import Registry

    return Registry.open(getattr(args, "registry_local", None) or args.registry)


def _version(text: str) -> int:
    from automl.registry import RegistryError

    if not str(text).isdigit():
        raise RegistryError(f"{text!r} is not a version number; give one such as 1 or 2.")
    return int(text)


def _print_json(doc) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, default=str, allow_nan=False) + "\n")


def _score(v) -> str:
    return f"{v:.5g}" if isinstance(v, float) else "-"


def cmd_list(args, started_at: float) -> int:
    reg = _open(args)
    doc = []
    for name in reg.models():
        versions = reg.versions(name)
        doc.append({"name": name, "versions": len(versions),
                    "latest": versions[-1].version if versions else None,
                    "aliases": reg.aliases(name)})
    if args.json:
        _print_json(doc)
        return 0
    if not doc:
        print("the registry holds no model yet; `automl run --project FILE` or `automl registry "
              "register BUNDLE --name MODEL` adds one", file=sys.stderr)
    for m in doc:
        aliases = ", ".join(f"{a}=v{v}" for a, v in m["aliases"].items()) or "no aliases"
        print(f"{m['name']}  {m['versions']} version(s), latest v{m['latest']}  {aliases}")
    return 0


def cmd_show(args, started_at: float) -> int:
    reg = _open(args)
    doc = reg.describe(args.model)
    if args.json:
        _print_json(doc)
        return 0
    by_version: dict[int, list[str]] = {}
    for alias, v in doc["aliases"].items():
        by_version.setdefault(v, []).append(alias)
    print(f"model {args.model!r}")
    rows = [("version", "created", "family", "metric", "score", "rows", "data", "source", "aliases")]
    for v in doc["versions"]:
        src = v["source"]
        origin = f"{src.get('mode', '?')} {src.get('study') or ''}#{src.get('trial')}"
        if src.get("parent_version"):
            origin += f" from v{src['parent_version']}"
        rows.append((str(v["version"]), v["created_at"][:19], v["family"], v["metric"],
                     _score(v["score"]), str(v["rows"]), v["data_sha256"][:12], origin,
                     ", ".join(sorted(by_version.get(v["version"], [])))))
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def cmd_history(args, started_at: float) -> int:
    reg = _open(args)
    events = [e.to_dict() for e in reg.history(args.model)]
    if args.json:
        _print_json(events)
        return 0
    for e in events:
        before = f"v{e['from']}" if e["from"] is not None else "(new)"
        print(f"{e['at']}  {e['alias']:<11} {before} -> v{e['to']}  {e['kind']:<8} by {e['who']}: "
              f"{e['reason']}")
    return 0


def _moved(args, event) -> int:
    if args.json:
        _print_json(event.to_dict())
    elif event.from_version == event.to_version:
        print(f"{args.model}@{event.alias} already points at version {event.to_version}",
              file=sys.stderr)
    else:
        before = f"version {event.from_version}" if event.from_version is not None else "nothing"
        print(f"{args.model}@{event.alias}: {before} -> version {event.to_version}", file=sys.stderr)
    return 0


def cmd_alias(args, started_at: float) -> int:
    reg = _open(args)
    return _moved(args, reg.set_alias(args.model, args.alias, _version(args.version),
                                      reason=args.reason))


def cmd_rollback(args, started_at: float) -> int:
    reg = _open(args)
    return _moved(args, reg.rollback(args.model, args.alias, reason=args.reason))


def cmd_delete(args, started_at: float) -> int:
    reg = _open(args)
    removed = reg.delete(args.model, _version(args.version))
    if args.json:
        _print_json({"deleted": removed.to_dict()})
    else:
        print(f"deleted {removed.model} version {removed.version}", file=sys.stderr)
    return 0


def cmd_register(args, started_at: float) -> int:
    from automl.registry import RegistryError

    tags = {}
    for item in args.tag:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise RegistryError(f"--tag {item!r}: expected KEY=VALUE.")
        tags[key] = value
    reg = _open(args)
    version, event = reg.register(args.bundle, args.name, alias=args.alias or "auto",
                                  notes=args.notes, tags=tags,
                                  reason="registered by hand")
    if args.json:
        _print_json({**version.to_dict(), "alias": event.alias if event else None})
    else:
        alias = f" as {event.alias}" if event else ""
        print(f"registered {version.model} version {version.version}{alias}", file=sys.stderr)
    return 0
