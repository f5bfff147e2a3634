"""The wheel, installed as a user installs it: not editable, in a fresh environment.

The wheel is built from a copy of the sources (the working tree is left alone), installed with
``--no-deps`` into a fresh venv that sees this environment's third-party packages (a .pth
file) but not its editable install of this project, and run from a folder outside the repository: the demo
(``automl run`` on a bundled sample) and ``automl-studio --self-test``. So the wheel must carry
the sample data, the style sheet and the icons, and the code must find them through
``importlib.resources``, not through the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "automl", "app")

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, timeout: float, env: dict | None = None):
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(dist), str(src)], cwd=src, timeout=300)
    (found,) = dist.glob("automl_studio-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(root / "env")], cwd=root,
         timeout=120)
    python = _bin(root / "env", "python")
    # The third-party packages of this environment, after the new one's own site-packages. A
    # path line in a .pth file is not itself scanned for .pth files, so this environment's
    # editable install of the project (a .pth hook) stays out: only the wheel provides it.
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=root, timeout=60).stdout.strip()
    ours = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    (Path(site) / "test-environment.pth").write_text("\n".join(sorted(ours)) + "\n")
    # pip of this environment, run by the new interpreter (it sees this site-packages).
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
          "--ignore-installed", str(wheel)], cwd=root, timeout=300)
    return root / "env"


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOML_"))}
    env["AUTOML_HOME"] = str(home)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_the_base_install_needs_no_qt(wheel):
    with zipfile.ZipFile(wheel) as whl:
        (meta,) = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [line.split(":", 1)[1].strip() for line in whl.read(meta).decode().splitlines()
                    if line.startswith("Requires-Dist:")]
        names = whl.namelist()
    qt = [r for r in requires if r.lower().startswith("pyside6")]
    assert qt and all('extra == "gui"' in r or 'extra == "test"' in r for r in qt), requires
    base = [r.split(";")[0].split(">")[0].strip().lower() for r in requires if ";" not in r]
    assert {"optuna", "scikit-learn", "fastapi", "uvicorn"} <= set(base)
    for resource in ("automl/datasets/breast_cancer.csv", "automl/datasets/README.md",
                     "app/resources/style.qss", "app/resources/chevron-down.svg"):
        assert resource in names, f"the wheel lacks {resource}"


def test_the_installed_engine_imports_no_qt_and_finds_its_data(venv, self_test, tmp_path):
    probe = ("import json, sys, automl, automl.cli, automl.data, automl.search, automl.export\n"
             "from automl.datasets import sample_path\n"
             "print(json.dumps({'automl': automl.__file__, 'sample': str(sample_path('wine')),\n"
             "  'qt': sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'app'))}))")
    out = json.loads(_run([str(_bin(venv, "python")), "-c", probe], cwd=tmp_path, timeout=120,
                          env=_env(tmp_path)).stdout)
    assert Path(out["automl"]).is_relative_to(venv), out  # the wheel's copy, not the sources
    assert Path(out["sample"]).is_relative_to(venv) and Path(out["sample"]).is_file()
    assert out["qt"] == []


def test_the_demo_runs_from_the_wheel(venv, self_test, tmp_path):
    python = _bin(venv, "python")
    data = _run([str(python), "-c", "from automl.datasets import sample_path; "
                 "print(sample_path('breast_cancer'))"], cwd=tmp_path, timeout=60).stdout.strip()
    # A few trials, not a few seconds: the budget clock includes the imports, which alone can
    # take 3 s on a loaded machine, and the test is about the install, not the budget.
    done = _run([str(_bin(venv, "automl")), "run", data, "--target", "diagnosis",
                 "--time-budget", "20", "--n-trials", "3", "--out", "demo-bundle"], cwd=tmp_path, timeout=120,
                env=_env(tmp_path))
    assert "rank" in done.stdout and (tmp_path / "demo-bundle" / "model.joblib").is_file()


@pytest.fixture(scope="module")
def self_test(venv, tmp_path_factory):
    """``automl-studio --self-test`` from the wheel, started in the background as soon as the
    venv exists: its 20 s search waits in a child process while the demo and the import probe
    run, and ``test_the_self_test_runs_from_the_wheel`` waits for it and asserts on it. The
    tests before that one request this fixture only to start it early."""
    folder = tmp_path_factory.mktemp("self-test")
    out, err = (folder / "stdout.txt").open("w"), (folder / "stderr.txt").open("w")
    # The self-test waits for three completed trials: 20 s leaves room on a loaded machine.
    cmd = [str(_bin(venv, "automl-studio")), "--self-test", str(folder / "shots"),
           "--budget", "20"]
    proc = subprocess.Popen(cmd, cwd=folder, stdout=out, stderr=err, text=True,
                            env=_env(folder))

    def wait() -> tuple[Path, str]:
        try:
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            out.close()
            err.close()
        stdout, stderr = ((folder / n).read_text() for n in ("stdout.txt", "stderr.txt"))
        assert proc.returncode == 0, f"{' '.join(cmd)}\n{stdout}\n{stderr}"
        return folder, stdout

    yield wait
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    out.close()
    err.close()


def test_the_self_test_runs_from_the_wheel(self_test):
    folder, stdout = self_test()
    assert "self-test passed" in stdout
    # What tests/app used to check of a second self-test run from the sources: a screenshot of
    # every step and the exported bundle (the wheel's code is the same code).
    shots = sorted(p.name for p in (folder / "shots").glob("*.png"))
    for step in ("01-data", "02-target", "03-settings", "04-search", "05-results", "06-export",
                 "07-history"):
        assert f"{step}.png" in shots
    assert (folder / "shots" / "bundle" / "model.joblib").is_file()


def test_without_the_gui_extra_automl_studio_names_it(venv, tmp_path):
    # As if PySide6 were not installed (it is, for the other tests): import of it is refused.
    probe = ("import sys; sys.modules['PySide6'] = None\n"
             "from app.main import main; sys.exit(main([]))")
    done = subprocess.run([str(_bin(venv, "python")), "-c", probe], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert done.returncode == 1, done.stderr
    assert "pip install 'automl-studio[gui]'" in done.stderr
