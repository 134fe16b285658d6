# SPDX-License-Identifier: Apache-2.0
"""ci/dsa-setup against a fake sysfs tree and a fake accel-config that
records its arguments: the exact invocations, the verification from
sysfs, the refusals, and --undo restoring exactly what was there."""

import json
import os
import pathlib
import stat
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SETUP = ROOT / "ci" / "dsa-setup"
FAKE = pathlib.Path(__file__).resolve().parent / "fake_accel_config.py"

# a WQ as an SPR device shows it before anyone configured it
BLANK_WQ = {"state": "disabled", "mode": "dedicated", "type": "none", "size": "0",
            "priority": "0", "group_id": "-1", "threshold": "0", "max_batch_size": "32",
            "max_transfer_size": "16384", "block_on_fault": "0", "name": "", "driver_name": ""}


class Tree:
    def __init__(self, tmp):
        self.tmp = tmp
        self.sysfs = tmp / "sys"
        self.devdir = tmp / "dev"
        self.log = tmp / "accfg.log"
        self.state = tmp / "state" / "dsa-setup.json"
        self.sysfs.mkdir()
        self.devdir.mkdir()
        self.bin = tmp / "accel-config"
        self.bin.write_text(f"#!{sys.executable}\nimport runpy, sys\n"
                            f"runpy.run_path({str(FAKE)!r}, run_name='__main__')\n")
        self.bin.chmod(self.bin.stat().st_mode | stat.S_IXUSR)

    def put(self, rel, **attrs):
        d = self.sysfs / rel
        d.mkdir(exist_ok=True)
        for k, v in attrs.items():
            (d / k).write_text(f"{v}\n")

    def get(self, rel, attr):
        return (self.sysfs / rel / attr).read_text().strip()

    def device(self, n, wqs=3, engines=4, **attrs):
        base = {"state": "disabled", "pasid_enabled": "1", "configurable": "1",
                "max_work_queues_size": "128", "max_batch_size": "1024",
                "max_transfer_size": "2147483648", "version": "0x100"}
        self.put(f"dsa{n}", **dict(base, **attrs))
        for i in range(wqs):
            self.put(f"wq{n}.{i}", **BLANK_WQ)
        for i in range(engines):
            self.put(f"engine{n}.{i}", group_id="-1")

    def snapshot(self):
        return {p.relative_to(self.sysfs).as_posix(): p.read_text()
                for p in sorted(self.sysfs.rglob("*")) if p.is_file()}

    def run(self, *args, **env):
        e = dict(os.environ, FAKE_SYSFS=str(self.sysfs), FAKE_ACCFG_LOG=str(self.log),
                 FAKE_DEVDIR=str(self.devdir), **env)
        return subprocess.run([sys.executable, str(SETUP), "--sysfs", str(self.sysfs),
                               "--devdir", str(self.devdir), "--accel-config", str(self.bin),
                               "--state", str(self.state), *args],
                              capture_output=True, text=True, env=e, timeout=60)

    def calls(self):
        if not self.log.exists():
            return []
        calls = [json.loads(line) for line in self.log.read_text().splitlines()]
        self.log.unlink()
        return calls


@pytest.fixture
def tree(tmp_path):
    t = Tree(tmp_path)
    t.device(0)
    t.put("iax1", state="enabled", pasid_enabled="1")  # IAA on the same bus
    t.put("wq1.0", **BLANK_WQ)
    return t


def expected_setup(dev="dsa0", n=0, disable=(), driver=True):
    def wq(mode, name, size, extra=()):
        # config-wq options in their order: group, mode, type, name, driver,
        # size, priority, block-on-fault, threshold, batch, transfer
        opts = ["--group-id=0", f"--mode={mode}", "--type=user", f"--name=memif-dsa-{name}"]
        opts += ["--driver-name=user"] if driver else []
        opts += [f"--wq-size={size}", "--priority=10", "--block-on-fault=0", *extra,
                 "--max-batch-size=1024", "--max-transfer-size=2097152"]
        return opts
    return ([*disable] +
            [["config-engine", f"{dev}/engine{n}.{i}", "--group-id=0"] for i in range(4)] +
            [["config-wq", f"{dev}/wq{n}.0", *wq("dedicated", "dwq", 64)],
             ["config-wq", f"{dev}/wq{n}.1", *wq("shared", "swq", 64, ["--threshold=63"])],
             ["enable-device", dev], ["enable-wq", f"{dev}/wq{n}.0"], ["enable-wq", f"{dev}/wq{n}.1"]])


def test_setup_exact_invocations_and_verified_state(tree):
    r = tree.run()
    assert r.returncode == 0, r.stderr
    assert tree.calls() == expected_setup()
    for wq, mode, size in (("wq0.0", "dedicated", "64"), ("wq0.1", "shared", "64")):
        assert tree.get(wq, "state") == "enabled"
        assert tree.get(wq, "mode") == mode and tree.get(wq, "size") == size
        assert tree.get(wq, "type") == "user" and tree.get(wq, "driver_name") == "user"
        assert (tree.devdir / wq).exists()
    assert tree.get("wq0.1", "threshold") == "63"
    assert tree.get("wq0.2", "state") == "disabled"  # untouched
    assert "+ accel-config config-wq dsa0/wq0.1 --group-id=0 --mode=shared" in r.stdout
    assert "dsa0/wq0.0: dedicated user WQ, size 64, max_batch_size 1024" in r.stdout
    assert "previous configuration saved" in r.stdout
    assert json.loads(tree.state.read_text())["device"] == "dsa0"


def test_undo_restores_the_saved_configuration(tree):
    # a device somebody had configured: wq0.2 enabled, engines in groups
    tree.put("dsa0", state="enabled")
    tree.put("wq0.2", state="enabled", type="kernel", mode="dedicated", size="16",
             group_id="1", name="dmaengine", driver_name="dmaengine")
    tree.put("wq0.0", group_id="1", size="8", type="user", name="old", priority="3")
    tree.put("engine0.0", group_id="1")
    before = tree.snapshot()
    r = tree.run()
    assert r.returncode == 0, r.stderr
    assert tree.calls() == expected_setup(disable=[["disable-wq", "dsa0/wq0.2"],
                                                   ["disable-device", "dsa0"]])
    r = tree.run("--undo")
    assert r.returncode == 0, r.stderr
    assert tree.calls() == [
        ["disable-wq", "dsa0/wq0.0"], ["disable-wq", "dsa0/wq0.1"], ["disable-device", "dsa0"],
        ["config-engine", "dsa0/engine0.0", "--group-id=1"],
        ["config-engine", "dsa0/engine0.1", "--group-id=-1"],
        ["config-engine", "dsa0/engine0.2", "--group-id=-1"],
        ["config-engine", "dsa0/engine0.3", "--group-id=-1"],
        ["config-wq", "dsa0/wq0.0", "--group-id=1", "--mode=dedicated", "--type=user",
         "--name=old", "--wq-size=8", "--priority=3", "--block-on-fault=0",
         "--max-batch-size=32", "--max-transfer-size=16384"],
        ["config-wq", "dsa0/wq0.1", "--group-id=-1", "--mode=dedicated", "--wq-size=0",
         "--priority=0", "--block-on-fault=0", "--max-batch-size=32",
         "--max-transfer-size=16384"],
        ["enable-device", "dsa0"], ["enable-wq", "dsa0/wq0.2"]]
    after = tree.snapshot()
    # what set-up wrote that the undo cannot unset: the shared WQ's threshold
    # (applies to shared WQs only), names/driver/type of a never-configured WQ
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed <= {"wq0.1/threshold", "wq0.1/name", "wq0.1/type", "wq0.1/driver_name",
                       "wq0.0/driver_name"}, changed
    assert after["wq0.2/state"] == "enabled\n" and after["dsa0/state"] == "enabled\n"
    assert not tree.state.exists(), "the state file goes once undone"
    assert tree.run("--undo").returncode == 1  # nothing left to undo


def test_kernel_without_driver_name_attribute(tmp_path):
    t = Tree(tmp_path)
    t.device(2)
    for wq in ("wq2.0", "wq2.1", "wq2.2"):
        (t.sysfs / wq / "driver_name").unlink()
    r = t.run()
    assert r.returncode == 0, r.stderr
    assert t.calls() == expected_setup(dev="dsa2", n=2, driver=False)


@pytest.mark.parametrize("case, message", [
    ("sva-off", "dsa0: PASID/SVA not enabled (pasid_enabled=0"),
    ("iax-only", "iax1: no such DSA device"),
    ("no-bus", "does not exist (no idxd driver loaded"),
    ("leftover-state", "a previous set-up was not undone"),
    ("accel-config-fails", "accel-config config-wq dsa0/wq0.0"),
    ("too-big", "exceed max_work_queues_size 128"),
])
def test_refusals_name_their_reason(tree, case, message):
    args, env = [], {}
    if case == "sva-off":
        tree.put("dsa0", pasid_enabled="0")
    elif case == "iax-only":
        args = ["--device", "iax1"]
    elif case == "no-bus":
        args = ["--sysfs", str(tree.tmp / "nothing")]
    elif case == "leftover-state":
        tree.state.parent.mkdir()
        tree.state.write_text("{}")
    elif case == "accel-config-fails":
        env = {"FAKE_ACCFG_FAIL": "config-wq dsa0/wq0.0"}
    elif case == "too-big":
        args = ["--dwq-size", "100", "--swq-size", "100"]
    r = tree.run(*args, **env)
    assert r.returncode == 1
    assert message in r.stderr
    if case in ("sva-off", "iax-only", "no-bus", "too-big"):
        assert tree.calls() == [], "nothing touched"


def test_dry_run_prints_and_changes_nothing(tree):
    before = tree.snapshot()
    r = tree.run("--dry-run")
    assert r.returncode == 0, r.stderr
    assert tree.calls() == []
    assert tree.snapshot() == before
    assert r.stdout.count("+ accel-config") == len(expected_setup())


def test_discovered_by_the_library_afterwards(tree):
    """What ci/dsa-setup leaves is what the engine's discovery accepts."""
    from libmemif_dsa.cli import dsa_info
    assert tree.run().returncode == 0
    text = dsa_info(f"sysfs={tree.sysfs},devdir={tree.devdir}")
    assert "wq0.0 mode=dedicated type=user state=enabled size=64" in text
    assert "wq0.1 mode=shared type=user state=enabled size=64 threshold=63" in text
    assert text.count(": usable") == 2
    assert "on iax1, an IAA device (not DSA)" in text


LANE = ROOT / "ci" / "lanes" / "60-dsa-hw"


def run_lane(tree, **env):
    setup_args = f"--sysfs {tree.sysfs} --devdir {tree.devdir} --accel-config {tree.bin}"
    e = dict(os.environ, FAKE_SYSFS=str(tree.sysfs), FAKE_ACCFG_LOG=str(tree.log),
             FAKE_DEVDIR=str(tree.devdir), MEMIF_DSA_SETUP="1", MEMIF_DSA_SETUP_ARGS=setup_args,
             MEMIF_DSA_HW_REPORT=str(tree.tmp / "out"), MEMIF_PYTHON=sys.executable,
             # the fake nodes are plain files: write() only, a short probe
             MEMIF_DSA_EMU=f"sysfs={tree.sysfs},devdir={tree.devdir},submit=write,probe_ms=20")
    e.update(env)
    return subprocess.run([str(LANE)], capture_output=True, text=True, env=e, timeout=300)


def test_lane_60_sets_up_then_undoes_even_when_it_skips(tree):
    before = tree.snapshot()
    r = run_lane(tree)
    assert r.returncode == 77, r.stdout + r.stderr  # fake nodes never complete: no dsa-hw
    assert "60-dsa-hw: skipped:" in r.stdout
    calls = tree.calls()
    assert calls[:len(expected_setup())] == expected_setup()
    assert calls[len(expected_setup()):][0] == ["disable-wq", "dsa0/wq0.0"]  # the undo
    after = tree.snapshot()
    assert {k for k in before if before[k] != after.get(k)} <= {
        "wq0.1/threshold", "wq0.1/name", "wq0.1/type", "wq0.1/driver_name", "wq0.0/name",
        "wq0.0/type", "wq0.0/driver_name"}
    assert after["wq0.0/state"] == "disabled\n" and after["wq0.1/state"] == "disabled\n"
    log = (tree.tmp / "out" / "dsa-setup.log").read_text()
    assert "previous configuration saved" in log and "previous configuration restored" in log
    assert not (tree.tmp / "out" / "dsa-setup-state.json").exists()


def test_lane_60_undoes_a_failed_setup(tree):
    r = run_lane(tree, FAKE_ACCFG_FAIL="enable-wq dsa0/wq0.1")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "ci/dsa-setup failed" in r.stdout
    assert tree.get("wq0.0", "state") == "disabled", "the half-done set-up was undone"
    assert not (tree.tmp / "out" / "dsa-setup-state.json").exists()


def test_lane_60_without_the_variable_touches_nothing(tree):
    r = run_lane(tree, MEMIF_DSA_SETUP="0")
    assert r.returncode == 77
    assert tree.calls() == []


def test_artifacts_of_the_hardware_lane(tree, tmp_path):
    """ci/dsa-hw-artifacts, run here on the emulator instead of hardware."""
    out = tmp_path / "art"
    tool = ROOT / "ci" / "dsa-hw-artifacts"
    base = [sys.executable, str(tool), "--sysfs", str(tree.sysfs)]
    r = subprocess.run([*base, "--engine", "dsa-emu", "--dsa-config", "async=1", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    eng = json.loads((out / "engine.json").read_text())
    assert eng["byte_exact"] is True
    for side in ("primary", "secondary"):
        st = eng[side]
        assert st["name"].startswith("dsa-emu(async") and st["batches"] > 0
        assert st["bytes_offloaded"] == st["bytes"] and st["state"] == "normal"
        for k in ("swerrors", "lost_completions", "partial_completions", "timeouts", "wq_resets"):
            assert k in st
    assert "dsa0: " in (out / "wq-config.txt").read_text()
    info = json.loads((out / "info.json").read_text())
    assert "dsa-hw" in info["engines"] and "engine_state" in info
    r = subprocess.run([*base, "--after", str(out)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    (tree.sysfs / "dsa0" / "errors").write_text("0x0 0x0 0x0 0x0\n")
    subprocess.run([*base, "--after", str(out)], check=True, timeout=60)
    assert "dsa0 errors: 0x0 0x0 0x0 0x0" in (out / "device-errors.txt").read_text()
