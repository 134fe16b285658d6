# SPDX-License-Identifier: Apache-2.0
"""The suite's command-line options, and their checked values.

Every option carries the `--memif-` prefix, so the plugin (registered for
every pytest run of an environment where libmemif-dsa is installed) never
clashes with another plugin's `--peer` or `--report`.  `memif-dsa certify`
takes the same options without the prefix (it is our own command).
"""

from dataclasses import dataclass, field
from typing import Optional, Tuple

from libmemif_dsa.interface import ENGINES

from .peers import PeerOptions

ROLES = ("primary", "secondary")


def shared():
    """(name, argparse keywords) of the options pytest (as --memif-NAME) and
    `memif-dsa certify` (as --NAME) both take: one definition of each."""
    return [
        ("peer", dict(default="self",
                      help="the memif implementation under test: self (libmemif-dsa's reflector, "
                           "default), command (your own: see peer-cmd), dpdk, or an adapter another "
                           "package registers (entry-point group memif_conformance.peers; "
                           "`memif-dsa certify --list-peers`)")),
        ("peer-cmd", dict(default=None, metavar="TEMPLATE",
                          help="peer command: how to start your reflector; placeholders {socket} {id} "
                               "{role} {mode} {secret} {queues} {tx_queues} {rx_queues} {ring_size} "
                               "{buffer_size} {rx_mode} ...; [optional parts] vanish when a "
                               "placeholder in them is empty")),
        ("peer-caps", dict(default=None, metavar="FILE.json",
                           help="peer command: the peer's name, capabilities, known defects and output "
                                "patterns (memif_conformance/suite/peer-caps.example.json)")),
        ("peer-opt", dict(action="append", default=[], metavar="KEY=VALUE",
                          help="an adapter setting (repeatable), e.g. for dpdk: testpmd=PATH, "
                               "eal='--single-file-segments', lcores=0@1,1@0, socket=file")),
        ("engines", dict(default="cpu,dsa-emu",
                         help=f"our side's copy engines, comma separated ({', '.join(ENGINES)}); "
                              "default cpu,dsa-emu")),
        ("roles", dict(default="primary,secondary",
                       help="the PEER's roles to test, comma separated; default primary,secondary")),
        ("report", dict(default=None, metavar="DIR",
                        help="write junit.xml, certification.json, matrix.md, matrix.html and "
                             "failure pcaps to DIR")),
        ("require-dsa-hw", dict(action="store_true",
                                help="test with dsa-hw too, and fail (not skip) when no DSA hardware "
                                     "is usable")),
    ]


def add(parser):
    g = parser.getgroup("memif-conformance", "memif conformance suite (memif_conformance)")
    for name, kwargs in shared():
        g.addoption(f"--memif-{name}", **kwargs)
    g.addoption("--memif-peer-ready", default=None, metavar="REGEX",
                help="a line the peer prints once it listens or connects")
    g.addoption("--memif-peer-connected", default=None, metavar="REGEX",
                help="a line the peer prints each time its link comes up")
    g.addoption("--memif-peer-disconnected", default=None, metavar="REGEX",
                help="a line the peer prints each time its link goes down (group 1: the reason)")
    g.addoption("--memif-progress", action="store_true",
                help="print a progress line per feature as tests finish (tests done / total, "
                     "failures so far); memif-dsa certify turns it on")


@dataclass
class Options:
    peer: str = "self"
    engines: Tuple[str, ...] = ("cpu", "dsa-emu")
    roles: Tuple[str, ...] = ROLES
    report: Optional[str] = None
    require_dsa_hw: bool = False
    progress: bool = False
    peer_options: PeerOptions = field(default_factory=PeerOptions)


def _list(text, allowed, what):
    items = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    bad = [x for x in items if x not in allowed]
    if bad or not items:
        raise ValueError(f"--memif-{what}: {', '.join(bad) or 'empty'} (choose from {', '.join(allowed)})")
    return items


def parse_peer_opts(pairs):
    """KEY=VALUE strings -> dict (ValueError naming the bad one)."""
    extra = {}
    for kv in pairs:
        key, eq, value = kv.partition("=")
        if not eq or not key:
            raise ValueError(f"--memif-peer-opt {kv!r}: expected KEY=VALUE")
        extra[key] = value
    return extra


def parse(config) -> Options:
    get = config.getoption
    engines = _list(get("--memif-engines"), ENGINES, "engines")
    if get("--memif-require-dsa-hw") and "dsa-hw" not in engines:
        engines += ("dsa-hw",)
    return Options(
        peer=get("--memif-peer"), engines=engines,
        roles=_list(get("--memif-roles"), ROLES, "roles"),
        report=get("--memif-report"), require_dsa_hw=get("--memif-require-dsa-hw"),
        progress=get("--memif-progress"),
        peer_options=PeerOptions(cmd=get("--memif-peer-cmd"), caps=get("--memif-peer-caps"),
                                 ready=get("--memif-peer-ready"),
                                 connected=get("--memif-peer-connected"),
                                 disconnected=get("--memif-peer-disconnected"),
                                 extra=parse_peer_opts(get("--memif-peer-opt"))))
