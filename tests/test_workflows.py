# SPDX-License-Identifier: Apache-2.0
"""The GitHub Actions workflows (.github/workflows/) cannot drift from what
CI proves here: they pass GitHub's workflow schema (check-jsonschema's
bundled copy, offline), every step that runs something runs a ci/ script
that .ci/run also runs, every lane has a kind some workflow runs and a
section in ci/README.md, and a nightly lane skips where .ci/run runs it.

The rule for nightly lanes (ci/README.md): a lane whose "# ci-lane:" line
says `nightly (skips without X)` runs only in the nightly workflow; .ci/run
runs it too, and there it skips (exit 77) because X is missing -- an
environment variable (MEMIF_NIGHTLY=1, checked here by running the lane)
or hardware (a DSA work queue)."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
LANES = sorted(p.name for p in (REPO / "ci" / "lanes").iterdir() if os.access(p, os.X_OK))
KINDS = {"pr": "ci.yml", "pr-vm": "ci.yml", "nightly": "nightly.yml"}


def load(path):
    return YAML(typ="safe").load(path.read_text())


def ci_run_scripts():
    """The ci/ scripts .ci/run runs: those it names, then what they run --
    ci/test every executable lane, ci/setup every set-up step."""
    named = set(re.findall(r"\./(ci/[\w./-]+)", (REPO / ".ci" / "run").read_text()))
    assert {"ci/setup", "ci/test"} <= named, named
    assert "for lane in ci/lanes/*" in (REPO / "ci" / "test").read_text()
    setup = (REPO / "ci" / "setup").read_text()
    assert "for step in ci/setup.d/*" in setup and "for step in ci/setup.d/post/*" in setup
    out = set(named) | {f"ci/lanes/{n}" for n in LANES}
    for d in ("ci/setup.d", "ci/setup.d/post"):
        out |= {f"{d}/{p.name}" for p in (REPO / d).iterdir() if p.is_file()}
    return out


def lane_kind(name):
    m = re.search(r"^# ci-lane: ([a-z-]+)(.*)$", (REPO / "ci/lanes" / name).read_text(), re.M)
    return (m.group(1), m.group(2).strip()) if m else ("pr", "")


def listed(kind):
    return json.loads(subprocess.run([REPO / "ci" / "test", "--list", kind], capture_output=True,
                                     text=True, check=True, timeout=60,
                                     env={k: v for k, v in os.environ.items()
                                          if k != "GITHUB_OUTPUT"}).stdout)


def steps():
    for wf in WORKFLOWS:
        for job_name, job in load(wf)["jobs"].items():
            for step in job["steps"]:
                yield wf.name, job_name, job, step


def test_workflows_pass_the_github_workflow_schema():
    assert {w.name for w in WORKFLOWS} == {"ci.yml", "nightly.yml"}
    r = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                        "vendor.github-workflows", *map(str, WORKFLOWS)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_step_runs_a_ci_script_that_ci_run_runs():
    allowed = ci_run_scripts()
    plans = {}
    for wf, job_name, job, step in steps():
        if "uses" in step:
            assert step["uses"].split("@")[0] in (
                "actions/checkout", "actions/upload-artifact", "actions/cache/restore",
                "actions/cache/save"), f"{wf} {job_name}: {step['uses']}"
            continue
        cmd = step["run"].strip()
        assert "\n" not in cmd and not re.search(r"[;&|`]|\$\(", cmd), \
            f"{wf} {job_name}: one script per step, no shell around it: {cmd!r}"
        script = shlex.split(cmd)[0]
        if script == "ci/lanes/${{":   # ci/lanes/${{ matrix.lane }}: from ci/test --list
            matrix = job["strategy"]["matrix"]["lane"]
            m = re.fullmatch(r"\$\{\{ fromJSON\(needs\.(\w+)\.outputs\.(\w+)\) \}\}", matrix)
            assert m, f"{wf} {job_name}: lanes must come from ci/test --list, not {matrix!r}"
            plans[(wf, m.group(1), m.group(2))] = job_name
            continue
        assert script in allowed, f"{wf} {job_name}: {script} is not run by .ci/run"
    for (wf, plan_job, output), job_name in plans.items():
        plan = load(REPO / ".github/workflows" / wf)["jobs"][plan_job]
        step_id = re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.lanes \}\}",
                               plan["outputs"][output]).group(1)
        run = next(s["run"] for s in plan["steps"] if s.get("id") == step_id)
        assert run.startswith("ci/test --list "), run


def test_every_lane_has_a_kind_a_workflow_runs():
    ci = load(REPO / ".github/workflows/ci.yml")["jobs"]
    plan_runs = [s["run"] for s in ci["plan"]["steps"] if "run" in s]
    for name in LANES:
        kind, _ = lane_kind(name)
        assert kind in KINDS, f"ci/lanes/{name}: unknown ci-lane kind {kind!r}"
        assert name in listed(kind)
        if kind != "nightly":
            assert f"ci/test --list {kind}" in plan_runs, f"no ci.yml job runs {kind} lanes"
    nightly = [s["run"] for s in load(REPO / ".github/workflows/nightly.yml")["jobs"]["nightly"]["steps"]
               if "run" in s]
    assert "ci/test" in nightly, "the nightly runs every lane (ci/test), the nightly ones included"
    assert sorted(listed("all")) == LANES


def test_lanes_upload_their_reports():
    for wf, job_name, job, step in steps():
        runs_lanes = any(re.match(r"ci/(lanes/|test$)", s.get("run", "")) for s in job["steps"])
        if runs_lanes and step.get("uses", "").startswith("actions/upload-artifact"):
            assert step.get("if") == "always()" and step["with"]["path"].startswith("reports")
    for wf in WORKFLOWS:
        for job_name, job in load(wf)["jobs"].items():
            if any(re.match(r"ci/(lanes/|test$)", s.get("run", "")) for s in job["steps"]):
                assert any(s.get("uses", "").startswith("actions/upload-artifact")
                           for s in job["steps"]), f"{wf.name} {job_name} uploads no artifacts"


@pytest.mark.parametrize("name", [n for n in LANES if lane_kind(n)[0] == "nightly"])
def test_a_nightly_lane_skips_where_ci_run_runs_it(name):
    kind, gate = lane_kind(name)
    assert gate.startswith("(skips without "), f"ci/lanes/{name}: say what it skips without"
    if "MEMIF_NIGHTLY" in gate:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEMIF_NIGHTLY")}
        r = subprocess.run([REPO / "ci/lanes" / name], capture_output=True, text=True, timeout=120,
                           env=env, cwd=REPO)
        assert r.returncode == 77, r.stdout + r.stderr


def test_ci_readme_documents_every_lane():
    text = (REPO / "ci" / "README.md").read_text()
    for name in LANES:
        m = re.search(rf"^## {re.escape(name)}\b.*?(?=^## |\Z)", text, re.M | re.S)
        assert m, f"ci/README.md has no section '## {name}'"
        for part in ("**What it needs", "**How long", "**What it produces", "**Run it locally"):
            assert part in m.group(0), f"ci/README.md, {name}: no {part}"
