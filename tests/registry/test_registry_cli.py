"""The registry from the command line, on a real project run: URIs in predict and serve,
the tamper check through the registry, the three retrain modes, promotion and rollback."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor

import pandas as pd


def _show(cli) -> dict:
    return json.loads(cli("registry", "show", "wine", "--json").stdout)


def _concurrently(cli, *calls):
    """Independent read-only CLI calls, each ``(args, check)``, run side by side: each is
    mostly a fresh interpreter's imports. Their processes, in the order given."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: cli(*call[0], check=call[1]), calls))


def test_a_project_run_registers_the_champion_and_the_study_keeps_the_project(
        workspace, monkeypatch):
    folder, cli = workspace
    doc = _show(cli)
    assert doc["aliases"] == {"champion": 1}
    v1 = doc["versions"][0]
    assert v1["version"] == 1 and v1["source"]["project"] == "wine.automl.toml"
    assert v1["source"]["mode"] == "run" and v1["rows"] == 178 and v1["family"]
    from automl.project import file_document
    from automl.project import load_project
    from automl.records import StudyRecord
    from automl.records import load_study

    loaded = load_project(folder / "wine.automl.toml")
    assert v1["data_sha256"] == loaded.project.data.sha256
    assert v1["source"]["project_sha256"] == loaded.sha256
    monkeypatch.setenv("AUTOML_HOME", str(folder / "home"))
    record = StudyRecord.from_study(load_study(v1["source"]["study"]))
    assert record.project["document"] == file_document(loaded.project, loaded.path)
    assert record.project["document"]["data"]["path"] == "wine.csv"  # as in the file
    assert record.project["sha256"] == loaded.sha256
    assert record.data_sha256 == loaded.project.data.sha256
    listing = json.loads(cli("registry", "list", "--json").stdout)
    assert listing == [{"name": "wine", "versions": 1, "latest": 1, "aliases": {"champion": 1}}]


def test_predict_and_serve_take_registry_uris(workspace, monkeypatch):
    folder, cli = workspace
    artifact = folder / "home" / "registry" / "artifacts" / _show(cli)["versions"][0]["artifact"]
    *_, bad = _concurrently(
        cli, (("predict", "wine@champion", "wine.csv", "--out", "a.csv", "--proba"), 0),
        (("predict", "wine/1", "wine.csv", "--out", "b.csv", "--proba"), 0),
        (("predict", artifact, "wine.csv", "--out", "c.csv", "--proba"), 0),
        (("predict", "wine@nope", "wine.csv"), 2))
    a, b, c = (pd.read_csv(folder / f"{n}.csv") for n in "abc")
    assert len(a) == 178 and a.equals(b) and a.equals(c)
    assert bad.stderr.strip() == ("error: wine@nope: Model 'wine' has no alias 'nope'; its "
                                  "aliases: champion=v1.")

    import automl.serve
    from automl.cli import main

    served = []
    monkeypatch.setenv("AUTOML_HOME", str(folder / "home"))
    monkeypatch.setattr(automl.serve, "serve", lambda path, *a, **k: served.append(path) or 0)
    assert main(["serve", "wine@champion"]) == 0 and main(["serve", "wine/1"]) == 0
    assert served == [artifact, artifact]


def test_a_changed_byte_in_the_registered_copy_is_refused(workspace):
    folder, cli = workspace
    artifact = folder / "home" / "registry" / "artifacts" / _show(cli)["versions"][0]["artifact"]
    model = artifact / ("model.skops" if (artifact / "model.skops").exists() else "model.joblib")
    model.chmod(stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0x01
    model.write_bytes(bytes(data))
    for proc in _concurrently(cli, (["predict", "wine@champion", "wine.csv"], 2),
                              (["drift", "wine/1", "wine.csv"], 2)):
        assert proc.stderr.count("\n") == 1
        assert f"does not match what was registered ({model.name} changed)" in proc.stderr


def test_retrain_modes_register_challengers_then_promote_and_roll_back(workspace, monkeypatch):
    folder, cli = workspace
    runs = {}
    for mode in ("refit", "warm", "search"):
        proc = cli("retrain", "wine.automl.toml", "--data", "wine-new.csv", "--mode", mode, "--json")
        runs[mode] = json.loads(proc.stdout)
        # New data is the point: the changed fingerprint is reported, not refused.
        assert "the data differs from when the project was saved" in proc.stderr
        assert runs[mode]["alias"] == "challenger" and runs[mode]["mode"] == mode
    doc = _show(cli)
    assert [v["version"] for v in doc["versions"]] == [1, 2, 3, 4]
    assert doc["aliases"] == {"champion": 1, "challenger": 4}
    for v in doc["versions"][1:]:
        assert v["source"]["parent_version"] == 1 and v["rows"] == 151
        assert v["data_sha256"] != doc["versions"][0]["data_sha256"]
    assert [v["source"]["mode"] for v in doc["versions"]] == ["run", "refit", "warm", "search"]

    from automl.records import Leaderboard

    monkeypatch.setenv("AUTOML_HOME", str(folder / "home"))
    boards = {m: Leaderboard.from_study(runs[m]["study"]) for m in runs}
    seeded = {m: [r for r in b.records if (r.reason or "").startswith("seeded from")]
              for m, b in boards.items()}
    # refit: the champion's configuration re-scored and refit, no search around it.
    assert seeded["refit"] and len(boards["refit"].records) == len(seeded["refit"]) + (
        1 if any(r.family == "ensemble" for r in boards["refit"].records) else 0)
    assert runs["refit"]["stop_reason"] == "refit"
    # warm: a search that starts from the champion study's best configurations.
    assert seeded["warm"] and len(boards["warm"].records) > len(seeded["warm"])
    # search: a fresh one.
    assert not seeded["search"]

    cli("registry", "alias", "wine", "champion", "2", "--reason", "refit looks good")
    assert _show(cli)["aliases"]["champion"] == 2
    refused = cli("registry", "delete", "wine", "2", check=2)
    assert "is the champion; move the alias first" in refused.stderr
    cli("registry", "rollback", "wine", "champion")
    assert _show(cli)["aliases"] == {"champion": 1, "challenger": 4}
    history = json.loads(cli("registry", "history", "wine", "--json").stdout)
    champion = [(e["from"], e["to"]) for e in history if e["alias"] == "champion"]
    assert champion == [(None, 1), (1, 2), (2, 1)]
    assert all({"alias", "from", "to", "at", "reason"} <= set(e) for e in history)
    cli("registry", "delete", "wine", "3")
    assert [v["version"] for v in _show(cli)["versions"]] == [1, 2, 4]


def test_registry_errors_are_one_line(workspace):
    _, cli = workspace
    cases = ((["registry", "show", "nope"], "No model named 'nope'"),
             (["registry", "alias", "wine", "latest", "1"], "'latest' is reserved"),
             (["registry", "alias", "wine", "champion", "x"], "not a version number"),
             (["registry", "rollback", "wine", "champion"], "no earlier version"),
             (["retrain", "wine.automl.toml", "--data", "nope.csv"], "nope.csv"))
    procs = _concurrently(cli, *((args, 2) for args, _ in cases))
    for (_, text), proc in zip(cases, procs, strict=True):
        assert text in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


def test_register_any_bundle_by_hand(workspace):
    folder, cli = workspace
    artifact = folder / "home" / "registry" / "artifacts" / _show(cli)["versions"][0]["artifact"]
    doc = json.loads(cli("registry", "register", artifact, "--name", "copy", "--tag", "team=ml",
                         "--notes", "by hand", "--json").stdout)
    assert doc["version"] == 1 and doc["alias"] == "champion" and doc["tags"] == {"team": "ml"}
    assert doc["source"]["mode"] == "register" and doc["notes"] == "by hand"
