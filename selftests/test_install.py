"""The suite as a distribution: the wheel built from pyproject.toml, installed into a fresh
virtual environment outside the checkout, certifies the reference endpoint it carries with
one command run from an empty directory; the command's options reach the suite whatever their
values look like; the Dockerfile installs and runs what the README says.

The fresh environment gets the project's dependencies without a download: a ``.pth`` line
names the site-packages of the interpreter running the self-tests (the project's ``.venv``,
from requirements.lock). Only that folder is added, never the checkout: the ``.pth`` files
inside it (the checkout's own among them) are not read.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from ec2conformance import CONFIG, ROOT
from ec2conformance.cli import pytest_arguments
from ec2conformance.reference import DENIED, PERMITTED
from ec2conformance.report import versions

COMMAND = "ec2-conformance"
_NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".git", "reports", "build", "*.egg-info", "__pycache__", ".hypothesis", ".*_cache"
)


def _run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout (the checkout gets no build/ folder)."""
    base = tmp_path_factory.mktemp("build")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_COPIED, symlinks=True)
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "-w",
            str(base / "dist"),
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
        ],
        cwd=base,
    )
    assert built.returncode == 0, built.stderr
    (found,) = (base / "dist").glob("*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; its ``bin`` folder."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    made = _run([sys.executable, "-m", "venv", str(home)], cwd=home.parent)
    assert made.returncode == 0, made.stderr
    python = home / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=home,
    ).stdout.strip()
    dependencies = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "project-dependencies.pth").write_text(dependencies + "\n")
    installed = _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        cwd=home,
    )
    assert installed.returncode == 0, installed.stderr
    return home / "bin"


def test_the_wheel_keeps_everything_inside_its_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"ec2conformance"}
    for carried in (
        "ec2conformance/suites/test_wire.py",
        "ec2conformance/strategies/registered.py",
        "ec2conformance/golden_data/requirements.json",
        "ec2conformance/golden_data/responses/errors/MissingParameter.xml",
        "ec2conformance/golden_data/schemas/cases.schema.json",
        "ec2conformance/conformance.ini",
    ):
        assert carried in names


def test_every_package_of_the_checkout_is_in_the_wheel_list():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "ec2conformance").rglob("__init__.py")
    }
    assert found <= listed


@pytest.mark.slow
def test_the_installed_package_imports_nothing_from_the_checkout(venv, tmp_path):
    probe = (
        "import json, ec2conformance, ec2conformance.strategies, ec2conformance.golden as g\n"
        "print(json.dumps({'package': ec2conformance.__file__, 'installed': "
        "ec2conformance.INSTALLED, 'strategies': ec2conformance.strategies.__file__, "
        "'golden': str(ec2conformance.GOLDEN), 'contract': g.requirements() is not None}))\n"
        "for name in ('strategies', 'suites'):\n"
        "    try:\n"
        "        __import__(name)\n"
        "    except ModuleNotFoundError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit(name + ' is importable')\n"
    )
    done = _run([str(venv / "python"), "-c", probe], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    home = venv.parent.resolve()
    assert found["installed"] is True and found["contract"] is True
    for key in ("package", "strategies", "golden"):
        assert Path(found[key]).resolve().is_relative_to(home), found
        assert not Path(found[key]).resolve().is_relative_to(ROOT.resolve()), found


@pytest.mark.slow
def test_version_names_the_suite_the_contract_and_botocore(venv, tmp_path):
    v = versions()
    for command in ([str(venv / COMMAND)], [str(venv / "python"), "-m", "ec2conformance"]):
        done = _run([*command, "--version"], cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == f"{COMMAND} {v['suite_version']}"
        assert lines[1] == f"contract version {v['contract_version']}"
        assert lines[2].startswith(f"botocore {v['botocore_version']} ")


@pytest.mark.slow
def test_the_installed_command_certifies_the_installed_reference(venv, tmp_path):
    """From an empty directory: the reference endpoint the package carries, then the command
    against it; reports/ lands in that directory and says conformant."""
    reference = subprocess.Popen(
        [str(venv / "python"), "-u", "-m", "ec2conformance", "reference", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = reference.stdout.readline()  # "... endpoint: http://127.0.0.1:PORT (...)"
        url = first.split("endpoint: ")[1].split()[0]
        work = tmp_path / "run"
        work.mkdir()
        done = _run(
            [
                str(venv / COMMAND),
                "--endpoint",
                url,
                "--hypothesis-profile",
                "ci",
                "-q",
                "--access-key-id",
                PERMITTED.access_key_id,
                "--secret-access-key",
                PERMITTED.secret_access_key,
                "--denied-access-key-id",
                DENIED.access_key_id,
                "--denied-secret-access-key",
                DENIED.secret_access_key,
            ],
            cwd=work,
        )
    finally:
        reference.terminate()
        reference.communicate(timeout=30)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((work / "reports" / "summary.json").read_text())
    assert summary["verdict"] == "conformant"
    assert summary["endpoint"] == url
    assert {k: summary[k] for k in versions()} == versions()
    assert (work / "reports" / "junit.xml").is_file()
    assert f"reports in {work / 'reports'}" in done.stdout
    package = venv.parent / "lib"
    assert not list(package.rglob(".hypothesis")) and not list(package.rglob("reports"))


def test_reports_dir_takes_an_existing_directory_as_a_separate_word(tmp_path):
    """`--reports-dir DIR` (DIR exists) is an option's value, not a path pytest looks for a
    configuration in: the run gets as far as the endpoint (none listens: not-run, exit 4)."""
    existing = tmp_path / "existing"
    existing.mkdir()
    with socket.socket() as taken:  # bound, never listening: connections are refused
        taken.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{taken.getsockname()[1]}"
        done = _run(
            [
                sys.executable,
                "-m",
                "ec2conformance",
                "--endpoint",
                url,
                "-q",
                "--access-key-id",
                "AKID",
                "--secret-access-key",
                "secret",
                "--reports-dir",
                str(existing),
            ],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout, not the .pth one
        )
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr[-3000:]
    assert json.loads((existing / "summary.json").read_text())["verdict"] == "not-run"
    assert not (tmp_path / "reports").exists()


def test_the_command_gives_pytest_its_configuration_reports_and_suites(tmp_path):
    args = pytest_arguments(["-q", "--reports-dir", "/x"], tmp_path)
    assert args[:4] == ["-c", str(CONFIG), "--rootdir", str(ROOT)]
    assert args.count("--reports-dir") == 1 and args[-1] == str(ROOT / "suites")
    args = pytest_arguments(["--reports-dir=/x", "suites/test_wire.py::test_x"], tmp_path)
    assert str(ROOT / "suites") not in args and "--reports-dir" not in args
    args = pytest_arguments([], tmp_path)
    assert args[args.index("--reports-dir") + 1] == str(tmp_path / "reports")


DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined), comments left out."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    rows = [line.strip() for line in joined.splitlines()]
    return [(r.split(None, 1)[0].upper(), r.split(None, 1)[1]) for r in rows if r and r[0] != "#"]


def _documented() -> list[str]:
    """The ``docker`` commands the Dockerfile's header gives (``#   docker ...``)."""
    return [
        line.removeprefix("#").strip()
        for line in DOCKERFILE.read_text().splitlines()
        if line.removeprefix("#").strip().startswith("docker ")
    ]


def test_the_dockerfile_installs_the_locked_dependencies_and_runs_the_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    steps = _instructions()
    (image,) = [arg for op, arg in steps if op == "FROM"]
    assert image.startswith("python:") and image.endswith("-slim")
    wanted = project["requires-python"].removeprefix(">=")
    assert image == f"python:{wanted}-slim"
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert "--require-hashes" in runs and "requirements.lock" in runs
    assert "--no-deps" in runs
    (entrypoint,) = [arg for op, arg in steps if op == "ENTRYPOINT"]
    assert json.loads(entrypoint) == [COMMAND]
    assert COMMAND in project["scripts"]


def test_the_readme_documents_the_dockerfiles_commands():
    documented = _documented()
    assert any(c.startswith("docker build ") for c in documented)
    assert any(c.startswith("docker run ") for c in documented)
    readme = (ROOT / "README.md").read_text()
    if "docker build" not in readme:
        pytest.skip("README.md has no Docker section yet")
    for command in documented:
        assert command in readme, command


def test_the_examples_run_the_command_with_a_baseline_and_waivers():
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load((ROOT / "examples" / "github-actions.yml").read_text())
    steps = workflow["jobs"]["importinstance"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    (certify,) = [r for r in runs if r.startswith(COMMAND)]
    assert "--baseline" in certify and "--waivers" in certify
    (kept,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert kept["if"] == "always()" and "reports/" in kept["with"]["path"]
    recipe = (ROOT / "examples" / "ci.sh").read_text()
    assert f"bin/{COMMAND} " in recipe and "--baseline" in recipe and "--waivers" in recipe
    assert _run(["bash", "-n", str(ROOT / "examples" / "ci.sh")], cwd=ROOT).returncode == 0
