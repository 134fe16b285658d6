# SPDX-License-Identifier: Apache-2.0
"""The conformance suite's own parts: the command adapter's template and
declaration file, known-defect keys, mismatch explanations, the adapter
registry, and `memif-dsa certify`."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from memif_conformance import packets as P
from memif_conformance import peers
from memif_conformance.compare import explain
from memif_conformance.peers.base import Capabilities, PeerConfig
from memif_conformance.peers.command import CommandAdapter, macswap, render

REPO = Path(__file__).resolve().parent.parent


def test_template_fills_placeholders_per_word():
    cfg = PeerConfig(role="secondary", socket="/tmp/a b.sock", id=7, secret="s e", ring_size=256,
                     tx_queues=3, rx_queues=2)
    argv = render("vendor-reflect --{role} {server_client} sock={socket} [--secret {secret}] "
                  "--rsize {log2_ring_size} --q {tx_queues}/{rx_queues}", cfg)
    assert argv == ["vendor-reflect", "--secondary", "client", "sock=/tmp/a b.sock", "--secret",
                    "s e", "--rsize", "8", "--q", "3/2"]


def test_template_drops_optional_parts_with_empty_placeholders():
    cfg = PeerConfig(role="primary", socket="@x")
    assert render("r --socket {socket} [--secret {secret}] [--id {id}]", cfg) == \
        ["r", "--socket", "@x", "--id", "0"]


def test_template_names_an_unknown_placeholder():
    with pytest.raises(ValueError, match=r"unknown placeholder \{sokcet\}"):
        render("r {sokcet}", PeerConfig(role="primary", socket="@x"))


def test_declaration_file_is_checked(tmp_path):
    f = tmp_path / "caps.json"
    f.write_text(json.dumps({"name": "acme", "capabilities": {
        "modes": ["ethernet"], "max_frame": 1518,
        "known_defects": {"chaining/test_every_split_point": "x"}}}))
    a = CommandAdapter(peers.PeerOptions(cmd="acme --role {role}", caps=str(f)))
    assert a.name == "acme" and a.capabilities.modes == ("ethernet",)
    assert a.capabilities.lacks(modes="ip") == "peer does not support mode 'ip'"
    with pytest.raises(ValueError, match="needs --peer-cmd"):
        CommandAdapter(peers.PeerOptions())


# key, value under "capabilities" (or the whole document) -> the words of the refusal
MALFORMED = [
    ({"capabilities": {"roles": "primary"}},
     "capabilities.roles: expected an array, got a string ('primary')"),
    ({"capabilities": {"max_queues": "lots"}},
     "capabilities.max_queues: expected an integer, got a string ('lots')"),
    ({"capabilities": {"max_frame": "9018"}},
     "capabilities.max_frame: expected an integer, got a string ('9018')"),
    ({"capabilities": {"max_frames": 1518}}, "capabilities.max_frames: unknown key"),
    ({"comand": "acme"}, "comand: unknown key"),
    ({"capabilities": {"modes": ["ethernet", "ipv4"]}},
     "capabilities.modes[1]: expected one of 'ethernet', 'ip', 'punt', got 'ipv4'"),
    ({"capabilities": {"chaining": "yes"}}, "capabilities.chaining: expected true or false"),
    ({"capabilities": {"ring_sizes": [1024, 16]}},
     "capabilities.ring_sizes: minimum 1024 is above maximum 16"),
    ({"timeouts": {"idle": 0}}, "timeouts.idle: must be more than 0, got 0"),
    ({"ready": "link ("}, "ready: not a valid regular expression"),
    ({"capabilities": {"known_defects": {"*": "flaky: races"}}},
     "capabilities.known_defects.*: a bare wildcard would turn every failure into an xfail"),
    ({"capabilities": {"known_defects": {"chaining": "flaky: overruns"}}},
     "capabilities.known_defects.chaining: names a whole feature"),
    ({"capabilities": {"known_defects": {"chaining/test_*": "x"}}},
     "capabilities.known_defects.chaining/test_*: names a whole feature"),
    ({"capabilities": {"known_defects": {"chaning/test_every_split_point": "x"}}},
     "unknown feature 'chaning'"),
]


@pytest.mark.parametrize("doc,words", MALFORMED, ids=[w.split(":")[0] for _, w in MALFORMED])
def test_a_malformed_declaration_is_refused_with_key_and_reason(tmp_path, doc, words):
    f = tmp_path / "caps.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(ValueError) as e:
        CommandAdapter(peers.PeerOptions(cmd="acme", caps=str(f)))
    assert str(e.value).startswith(f"--peer-caps {f}: "), e.value
    assert words in str(e.value), e.value


def test_the_declaration_schema_is_json_schema():
    from memif_conformance.declaration import DECLARATION
    text = json.dumps(DECLARATION)   # plain data, exportable as it is
    assert json.loads(text)["properties"]["capabilities"]["properties"]["roles"]["type"] == "array"


def test_known_defect_keys():
    caps = Capabilities(known_defects={
        "lifecycle/test_*under_load": "b",
        "delivery/test_every_vector[peer_role=secondary,mode=ip]": "c",
        "handshake/test_secret[*24-bytes*]": "d"})
    assert caps.defect("lifecycle", "test_peer_survives_us_leaving_under_load", {}) == "b"
    assert caps.defect("lifecycle", "test_peer_restart", {}) is None
    assert caps.defect("delivery", "test_every_vector", {"peer_role": "secondary", "mode": "ip"}) == "c"
    assert caps.defect("delivery", "test_every_vector", {"peer_role": "primary", "mode": "ip"}) is None
    assert caps.defect("handshake", "test_secret", {}, "peer-primary-same-24-bytes") == "d"
    assert caps.defect("handshake", "test_secret", {}, "peer-primary-same") is None


def test_known_defect_rules_against_the_suite():
    from memif_conformance.declaration import DeclarationError
    from memif_conformance.known_defects import KnownDefects
    functions = {"chaining": {"test_every_split_point", "test_chain_fills_the_whole_ring"},
                 "lifecycle": {"test_peer_restart", "test_reconnect_storm"}}
    tests = [("chaining", "test_every_split_point", {"buffer_size": "128"}, "peer-primary-cpu-128"),
             ("lifecycle", "test_peer_restart", {}, "peer-primary-cpu-killed")]
    KnownDefects({"chaining/test_every_split_point[*-128]": "x"}).check_collected(tests, functions)
    cases = {
        "chaining/test_every_slit_point": "matches no test of chaining",
        "chaining/test_*i*": "matches every test of chaining, i.e. the whole feature",
        "chaining/test_every_split_point[*-512]": "matches none of the tests of test_every_split_point",
    }
    for key, words in cases.items():
        with pytest.raises(DeclarationError, match=re.escape(words)):
            KnownDefects({key: "x"}).check_collected(tests, functions)
    with pytest.raises(DeclarationError, match="a flaky: key may cover one test function"):
        KnownDefects({"lifecycle/test_*r*": "flaky: crashes"}).check_collected(
            tests, {"lifecycle": functions["lifecycle"] | {"test_kill"}})
    # a key for a role this run leaves out is not held against the declaration
    KnownDefects({"lifecycle/test_peer_restart[peer-secondary-*]": "x"}).check_collected(
        tests, functions, excluded=["secondary"])


def test_engine_check_words():
    from memif_conformance.engine_check import SUMMED, problem
    clean = dict.fromkeys(SUMMED, 0) | {"state": "normal", "state_reason": "", "engines": []}
    clean.update(bytes=5000, bytes_offloaded=5000, descriptors=50)
    assert problem(clean) is None
    small = dict(clean, bytes_offloaded=0, descriptors=0, cpu_small=50)
    assert problem(small) == ("DSA path not exercised: 0 of 5000 bytes offloaded, 50 CPU fallbacks "
                              "(50 copies under the dsa_threshold)")
    gave_up = dict(clean, bytes_offloaded=1000, cpu_fallbacks=40, fallback_errors=4,
                   fallback_cpu_only=36, state="cpu-only",
                   state_reason="completion timeout on wq0.0: DSA disabled")
    assert problem(gave_up) == (
        "DSA path not exercised: 1000 of 5000 bytes offloaded, 40 CPU fallbacks (4 after DSA "
        "errors; 36 after the engine switched to the CPU; engine cpu-only: completion timeout "
        "on wq0.0: DSA disabled)")
    # fault cells: fallbacks must match what the emulator injected
    full = dict(clean, bytes_offloaded=4000, cpu_fallbacks=10, fallback_queue_full=10,
                refusals=3, emu_faults=3)
    assert problem(full, faults=True) is None
    assert "injected 4 faults but the engine saw 3" in problem(dict(full, emu_faults=4), faults=True)
    assert "the emulator injected none" in problem(dict(clean), faults=True)


def test_explanations_name_packet_offset_and_damage():
    a, b = P.tagged(300, seq=1), P.tagged(100, seq=2)
    assert explain([a, b], [a, b]) is None
    assert explain([a, b], [a]) == ("packet 1 of 2, 100 bytes, never came back: 1 packet(s) "
                                    "missing")
    text = explain([a, b], [a[:-1], b], names=["v/1", "v/2"], buffer_size=128)
    assert text.startswith("packet 0 of 2 (v/1): first difference at offset 299 = buffer 2 of "
                           "the chain, byte 43 with 128-byte buffers; 300 bytes expected, 299 "
                           "received")
    assert text.endswith("the last 1 byte(s) are missing")
    assert "it is packet 1: packets reordered" in explain([a, b], [b, a])
    flipped = a[:128] + bytes([a[128] ^ 1]) + a[129:]
    assert "offset 128 = buffer 1 of the chain, byte 0 (a chain boundary)" in \
        explain([a], [flipped], buffer_size=128)
    assert "earlier exchange's end-of-stream marker" in explain([a], [a, P.end_marker("ethernet")])


def test_tagged_packets_and_macswap():
    p = P.tagged(1000, queue=3, seq=9)
    assert len(p) == 1000 and P.tag_of(p) == (3, 9, 1000)
    ip = P.tagged(48, seq=1, mode="ip")
    assert ip[0] == 0x45 and ip[9] == 17 and P.tag_of(ip, "ip") == (0, 1, 48)
    assert macswap(p, "ethernet")[:12] == p[6:12] + p[:6] and macswap(ip, "ip") == ip


@pytest.mark.parametrize("length", [56, 57, 1000, 9018, 65535])
def test_tagged_packets_are_valid_udp(length):
    """Tagged packets are real IPv4/UDP: scapy rebuilds them byte for byte
    with the checksums it computes itself."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    pkt = Ether(P.tagged(length, queue=2, seq=length))
    assert pkt[UDP].dport == 9 and len(bytes(pkt)) == length
    ref = pkt.copy()
    del ref[IP].chksum, ref[UDP].chksum, ref[IP].len, ref[UDP].len
    assert bytes(Ether(bytes(ref))) == bytes(pkt)


def test_registry():
    assert {"self", "command", "dpdk"} <= set(peers.available())
    with pytest.raises(LookupError, match="unknown peer 'vpp'"):
        peers.create("vpp", peers.PeerOptions())
    assert peers.create("self", peers.PeerOptions()).name == "self"


def test_certify_runs_the_suite_and_prints_the_matrix(tmp_path):
    r = subprocess.run([sys.executable, "-m", "libmemif_dsa", "certify", "--engines", "cpu",
                        "--report", str(tmp_path / "rep"), "--jobs", "0", "--",
                        "-k", "test_connects or test_large_interface_id"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "# memif conformance: self" in r.stdout
    assert "| handshake | primary | ethernet | - | pass | 2 pass |" in r.stdout
    doc = json.loads((tmp_path / "rep" / "certification.json").read_text())
    # four handshake tests ran: the other features were not covered
    assert doc["result"].startswith("PASS (partial: modes not run; ") and doc["counts"] == {"pass": 4}
    assert doc["command_line"].startswith("memif-dsa certify --engines cpu --report ")
    # the progress line per feature (a log, not a terminal: one line per quarter), no dots
    assert "handshake: 4/4 done, 0 failed  |  all: 4/4, 0 failed" in r.stdout
    assert "\n....\n" not in r.stdout
    page = (tmp_path / "rep" / "matrix.html").read_text()
    assert "<h1>memif conformance: self</h1>" in page and doc["verdict"].split(" — ")[0] in page


def test_certify_fails_when_the_peer_does(tmp_path):
    template = (f"{sys.executable} -m memif_conformance.broken.reflector --defect ignore-secret "
                "--role {role} --socket {socket} --id {id} [--secret {secret}]")
    r = subprocess.run([sys.executable, "-m", "libmemif_dsa", "certify", "--peer", "command",
                        "--peer-cmd", template, "--roles", "primary", "--engines", "cpu",
                        "--report", str(tmp_path / "rep"), "--jobs", "0", "--",
                        "-k", "test_secret and different"],
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "**FAIL** — " in r.stdout and "rule broken: a primary with secret" in r.stdout


def test_the_example_declaration_loads():
    a = CommandAdapter(peers.PeerOptions(caps=str(REPO / "memif_conformance/suite/peer-caps.example.json")))
    assert a.capabilities.max_queues == 16 and a.connected == "link up"
    assert a.capabilities.defect("handshake", "test_secret", {}, "peer-primary-same-24-bytes")
