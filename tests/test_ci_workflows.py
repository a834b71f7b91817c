"""The CI workflows cannot run here; they are checked here: valid YAML, the jobs the project
promises, and the server matrix's pytest command run as written (collect-only) against this tree."""

import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict) and data.get("jobs"), name
    assert "on" in data or True in data, f"{name} has no trigger"  # YAML 1.1 reads `on:` as True
    return data


def runs(job: dict) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def test_every_workflow_is_valid_yaml_with_named_steps():
    for path in WORKFLOWS.glob("*.yml"):
        for name, job in load(path.name)["jobs"].items():
            assert job.get("runs-on"), f"{path.name}:{name}"
            for step in job["steps"]:
                assert "uses" in step or "run" in step, f"{path.name}:{name}: {step}"


def test_linux_runs_the_whole_make_test_on_debian_12():
    job = load("test.yml")["jobs"]["make-test"]
    assert job["container"]["image"] == "debian:12"
    assert "make test" in runs(job)


def test_windows_and_macos_build_and_smoke_test():
    job = load("build.yml")["jobs"]["build"]
    assert set(job["strategy"]["matrix"]["os"]) == {"windows-latest", "macos-latest"}
    commands = runs(job)
    assert any("--onefile" in c for c in commands) and any("--onedir" in c for c in commands)
    assert any("tests/test_build_smoke.py" in c for c in commands)


def test_server_matrix_covers_mysql_mariadb_and_tidb_allowed_to_fail():
    job = load("test.yml")["jobs"]["servers"]
    entries = {e["image"]: e for e in job["strategy"]["matrix"]["include"]}
    assert {"mysql:8.0", "mysql:8.4", "mariadb:11.4"} <= set(entries)
    tidb = next(e for image, e in entries.items() if image.startswith("pingcap/tidb"))
    assert tidb["allowed_to_fail"] is True
    assert not any(e["allowed_to_fail"] for image, e in entries.items() if not image.startswith("pingcap/tidb"))
    assert job["continue-on-error"] == "${{ matrix.allowed_to_fail }}"
    assert job["env"]["EDDY_TEST_DSN"] == "${{ matrix.dsn }}"
    for entry in entries.values():
        assert entry["dsn"].startswith("mysql://") and "@db:" in entry["dsn"], "the service is reached as `db`"


def test_server_matrix_pytest_command_selects_the_server_tests_here():
    """The command exactly as the job runs it (the venv's python swapped for this one), collecting."""
    job = load("test.yml")["jobs"]["servers"]
    command = next(c for c in runs(job) if "-m pytest" in c)
    argv = shlex.split(command)
    assert argv[0] == ".venv/bin/python"
    done = subprocess.run(
        [sys.executable, *argv[1:], "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    collected = done.stdout
    assert "tests/db/" in collected and "tests/connections/" in collected
    assert "test_e2e" not in collected and "test_ui_" not in collected, "UI tests are deselected"
    assert "tests/sandbox/" not in collected and "test_build_smoke" not in collected


def test_wait_for_server_says_when_nothing_answers():
    done = subprocess.run(
        [sys.executable, "-m", "tests.wait_for_server", "mysql://root@127.0.0.1:1", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "did not answer" in done.stderr, done.stderr
