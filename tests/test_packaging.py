"""batchlab installs one import name, ``batchlab``, and works beside a user's own ``sim``, ``theory``, ``figures``."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import batchlab

ROOT = Path(__file__).resolve().parents[1]
SOURCE_SKIP = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".hypothesis",
                                     ".pytest_cache", "gallery")


def test_wheel_installs_exactly_one_top_level_name(tmp_path):
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=SOURCE_SKIP)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), "."],
                   cwd=source, check=True, capture_output=True)
    (wheel,) = tmp_path.glob("batchlab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        assert archive.read(top_level).decode().split() == ["batchlab"]
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"batchlab"}
    # Every package of the installed folders, found on disk: one missing from pyproject's list fails here.
    packages = [init.parent.relative_to(ROOT).as_posix() for folder in ("sim", "theory", "figures", "paper_checks")
                for init in (ROOT / folder).rglob("__init__.py")]
    assert "sim/sfo" in packages
    for package in packages:
        assert f"batchlab/{package}/__init__.py" in names, f"{package} is not in pyproject's packages"
    assert not any(name.startswith(("batchlab/tests/", "batchlab/benchmarks/")) for name in names)


def _user_folder(tmp_path) -> Path:
    """A project folder holding its own ``sim.py``, ``theory/`` and ``figures/``, as a user's might."""
    folder = tmp_path / "project"
    for package in ("theory", "figures"):
        (folder / package).mkdir(parents=True)
        (folder / package / "__init__.py").write_text(f"OWNER = 'user {package}'\n")
    (folder / "sim.py").write_text("OWNER = 'user sim'\n")
    return folder


def _run(args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True)


def test_cli_and_python_work_beside_user_modules_of_the_same_names(tmp_path):
    folder = _user_folder(tmp_path)
    script = Path(sys.executable).with_name("batchlab")
    args = ["linreg", "risk", "--a", "1.5", "--b", "2", "--dim", "50", "--samples", "256", "--batch", "8", "--lr",
            "0.4", "--json"]
    by_script = json.loads(_run([str(script), *args], folder).stdout)
    by_module = json.loads(_run([sys.executable, "-m", "batchlab", *args], folder).stdout)
    assert by_script == by_module and by_script["steps"] == 32
    code = ("import sim, theory, figures, batchlab as bl; "
            "print(sim.OWNER, theory.OWNER, figures.OWNER, bl.theory.linreg.cbs_exponent(1.5, 2.0), "
            "bl.linreg.exact_risk(bl.linreg.LinRegProblem.power_law(1.5, 2.0, 50), lr=0.4, batch=8, "
            "samples=256).steps)")
    assert _run([sys.executable, "-c", code], folder).stdout.split() == ["user", "sim", "user", "theory", "user",
                                                                        "figures", "0.25", "32"]


def test_version_from_the_distribution_metadata(tmp_path):
    from importlib.metadata import version

    assert batchlab.__version__ == version("batchlab")
    out = _run([sys.executable, "-m", "batchlab", "--version"], tmp_path).stdout
    assert out.strip() == f"batchlab {batchlab.__version__}"


def test_the_readme_quick_start_runs_beside_user_modules_of_the_same_names(tmp_path):
    """The README's Python quick start, as a doctest, from the user's folder (its own sim.py, theory/, figures/
    first on sys.path)."""
    folder = _user_folder(tmp_path)
    script = ("import doctest, re, sys, pathlib\n"
              f"text = pathlib.Path({str(ROOT / 'README.md')!r}).read_text()\n"
              "examples = '\\n'.join(re.findall(r'^```pycon\\n(.*?)^```', text, re.S | re.M))\n"
              "test = doctest.DocTestParser().get_doctest(examples, {}, 'README', 'README.md', 0)\n"
              "runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)\n"
              "runner.run(test)\n"
              "import sim, theory\n"
              "print(runner.tries, runner.failures, sim.OWNER, theory.OWNER)\n")
    last = _run([sys.executable, "-c", script], folder).stdout.splitlines()[-1].split(" ", 2)
    assert int(last[0]) > 10 and last[1:] == ["0", "user sim user theory"]
