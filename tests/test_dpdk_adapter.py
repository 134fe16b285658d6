# SPDX-License-Identifier: Apache-2.0
"""The dpdk adapter's settings (--peer-opt) and its choice of known
defects by the version of the testpmd binary it runs, with stand-in
testpmd scripts (lane 50 runs the real one)."""

import pytest

from memif_conformance.peers import PeerConfig, PeerOptions, create
from memif_conformance.peers import dpdk


def fake_testpmd(tmp_path, version):
    """A script that answers `-v` the way DPDK's EAL does."""
    path = tmp_path / f"testpmd-{version}"
    path.write_text(f"#!/bin/sh\necho \"EAL: RTE Version: 'DPDK {version}'\" >&2\nexit 1\n")
    path.chmod(0o755)
    return str(path)


def adapter(**extra):
    return create("dpdk", PeerOptions(extra=extra))


def test_known_defects_follow_the_binary_version(tmp_path):
    old = adapter(testpmd=fake_testpmd(tmp_path, "22.11.4"))
    assert old.dpdk_version == "22.11.4" and old.defect_series == "22.11"
    assert old.capabilities.known_defects == dpdk.DEFECTS_22_11
    assert old.version().startswith("DPDK 22.11.4 (")
    new = adapter(testpmd=fake_testpmd(tmp_path, "23.11.2"))
    assert new.dpdk_version == "23.11.2" and new.capabilities.known_defects == {}
    assert "DPDK 23.11 list (the binary's version)" == new.describe()["known_defects_from"]
    forced = adapter(testpmd=fake_testpmd(tmp_path, "23.11.2"), defects="22.11")
    assert forced.capabilities.known_defects == dpdk.DEFECTS_22_11
    assert adapter(testpmd=fake_testpmd(tmp_path, "22.11.4"), defects="none") \
        .capabilities.known_defects == {}


def test_settings_reach_the_command_line(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(dpdk, "DpdkHandle", lambda argv, prefix, stop: seen.append(argv))
    a = adapter(testpmd=fake_testpmd(tmp_path, "22.11.4"), lcores="0@1,1@1", memory="256",
                eal="--single-file-segments --log-level=pmd.net.memif:debug",
                args="--total-num-mbufs=8192 --burst=16", socket="file")
    a.start(PeerConfig(role="primary", socket="/tmp/x.sock"))
    argv = seen[0]
    assert argv[2].endswith("testpmd-22.11.4") and "--lcores=0@1,1@1" in argv
    assert argv[argv.index("-m") + 1] == "256"
    sep = argv.index("--")
    assert argv.index("--single-file-segments") < sep < argv.index("--burst=16")
    assert argv[-2:] == ["--total-num-mbufs=8192", "--burst=16"]
    assert a.capabilities.file_sockets and not a.capabilities.abstract_sockets
    assert "lcores=0@1,1@1" in a.describe()["settings"]


@pytest.mark.parametrize("extra,message", [
    ({"cores": "2"}, "--peer-opt cores: unknown for the dpdk peer (known: testpmd, eal,"),
    ({"socket": "tcp"}, "socket=tcp: expected file, abstract or both"),
    ({"memory": "lots"}, "memory=lots: expected megabytes"),
    ({"lcores": "0@1;rm"}, "lcores=0@1;rm: expected an EAL --lcores map"),
    ({"defects": "19.11"}, "defects=19.11: no list for that series"),
    ({"eal": "'unclosed"}, "--peer-opt eal: No closing quotation"),
])
def test_bad_settings_are_refused_by_name(extra, message):
    with pytest.raises(ValueError) as e:
        adapter(**extra)
    assert message in str(e.value)


def test_a_missing_binary_is_named(tmp_path):
    a = adapter(testpmd=str(tmp_path / "no-testpmd"))
    assert a.capabilities.known_defects == {} and "not found" in a.version()
    with pytest.raises(RuntimeError, match="no-testpmd not found.*--peer-opt testpmd=PATH"):
        a.start(PeerConfig(role="primary", socket="/tmp/x.sock"))
