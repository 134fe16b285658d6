# SPDX-License-Identifier: Apache-2.0
"""The `command` peer: a vendor's own memif reflector, started from a
command template given on the command line.

    --peer command --peer-cmd 'acme-reflect --role {role} --socket {socket} [--secret {secret}]'
                   --peer-caps acme.json

Placeholders: {socket} {id} {ids} {role} {master_slave} {server_client}
{mode} {secret} {queues} {tx_queues} {rx_queues} {ring_size}
{log2_ring_size} {buffer_size} {rx_mode} {zero_copy}.  {ids} is every id to
serve on the socket, comma separated (normally just {id}); {zero_copy} is
yes when a secondary is to expose its own buffers, else no.  A part in [brackets] is left out when a
placeholder in it is empty (no secret).  The same values are in the
environment as MEMIF_SOCKET, MEMIF_ID, ... for launcher scripts.  The
command runs without a shell, in a process group of its own; the suite
stops it with SIGTERM (SIGKILL for the kill tests).

--peer-caps FILE.json declares the peer (see memif_conformance/suite/peer-caps.example.json;
every key and its type: memif_conformance/declaration.py):
    {"name": ..., "command": ..., "version": COMMAND, "ready": REGEX,
     "connected": REGEX, "disconnected": REGEX, "expect": "identity"|"macswap",
     "health": COMMAND (exit 0 = healthy; run after each robustness case),
     "capabilities": {<base.Capabilities fields>}, "timeouts": {<base.Timeouts fields>}}
"""

import json
import os
import re
import shlex
import subprocess

from .. import declaration
from .base import Capabilities, PeerAdapter, PeerConfig, Timeouts
from .process import ProcessHandle

TUPLE_FIELDS = {"roles", "modes", "engines", "ring_sizes", "buffer_sizes", "robustness_exclude"}
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_FIELD = re.compile(r"{(\w+)}")


def macswap(pkt: bytes, mode: str) -> bytes:
    """What a MAC-swapping reflector (testpmd --forward-mode=macswap) sends back."""
    if mode != "ethernet" or len(pkt) < 12:
        return pkt
    return pkt[6:12] + pkt[0:6] + pkt[12:]


EXPECTS = {"identity": lambda pkt, mode: pkt, "macswap": macswap}


def values(cfg: PeerConfig) -> dict:
    tx = cfg.tx_queues or cfg.queues
    rx = cfg.rx_queues or cfg.queues
    primary = cfg.role == "primary"
    return {
        "socket": cfg.socket, "id": cfg.id, "ids": ",".join(map(str, cfg.ids or (cfg.id,))),
        "role": cfg.role,
        "master_slave": "master" if primary else "slave",
        "server_client": "server" if primary else "client",
        "mode": cfg.mode, "secret": cfg.secret or "", "queues": cfg.queues,
        "tx_queues": tx, "rx_queues": rx, "ring_size": cfg.ring_size,
        "log2_ring_size": cfg.ring_size.bit_length() - 1, "buffer_size": cfg.buffer_size,
        "rx_mode": cfg.rx_mode, "zero_copy": "yes" if cfg.zero_copy else "no",
    }


def render(template: str, cfg: PeerConfig) -> list:
    """The argv for one peer: optional [groups] resolved, split like a
    shell would (without running one), then placeholders filled per word."""
    vals = {k: str(v) for k, v in values(cfg).items()}

    def known(name):
        if name not in vals:
            raise ValueError(f"--peer-cmd: unknown placeholder {{{name}}} "
                             f"(known: {', '.join('{%s}' % k for k in vals)})")
        return vals[name]

    def optional(m):
        names = _FIELD.findall(m.group(1))
        return m.group(1) if all(known(n) for n in names) else ""

    text = _OPTIONAL.sub(optional, template)
    return [_FIELD.sub(lambda m: known(m.group(1)), word) for word in shlex.split(text)]


def environment(cfg: PeerConfig) -> dict:
    env = os.environ.copy()
    env.update({f"MEMIF_{k.upper()}": str(v) for k, v in values(cfg).items()})
    return env


def load_spec(path):
    """The peer declaration from --peer-caps, checked against
    memif_conformance.declaration.DECLARATION (key and reason of the first problem)."""
    if not path:
        return {}
    try:
        with open(path) as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"--peer-caps {path}: {e}") from None
    declaration.check(spec, f"--peer-caps {path}")
    return spec


def capabilities(raw: dict) -> Capabilities:
    return Capabilities(**{k: tuple(v) if k in TUPLE_FIELDS else v for k, v in raw.items()})


def version_of(command: str) -> str:
    """First line of what the declaration's version command prints."""
    try:
        r = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        return f"(version command failed: {e})"
    lines = (r.stdout or r.stderr).strip().splitlines()
    if r.returncode or not lines:
        return f"(version command exited with status {r.returncode}: {' '.join(lines)[:200]})"
    return lines[0].strip()


class CommandAdapter(PeerAdapter):
    name = "command"

    def __init__(self, options):
        spec = load_spec(options.caps)
        self.template = options.cmd or spec.get("command")
        if not self.template:
            raise ValueError("--peer command needs --peer-cmd TEMPLATE (or \"command\" in --peer-caps)")
        self.name = spec.get("name", "command")
        self.description = spec.get("description", "")
        self.capabilities = capabilities(spec.get("capabilities", {}))
        self.timeouts = Timeouts(**spec.get("timeouts", {}))
        self.version_cmd = spec.get("version")
        self.ready = options.ready or spec.get("ready")
        self.connected = options.connected or spec.get("connected")
        self.disconnected = options.disconnected or spec.get("disconnected")
        self.health = spec.get("health")
        kind = spec.get("expect", "identity")
        self.expect_kind = kind
        self.expect = EXPECTS[kind]
        for what in ("ready", "connected", "disconnected"):
            try:
                if getattr(self, what):
                    re.compile(getattr(self, what))
            except re.error as e:
                raise ValueError(f"--peer-{what} {getattr(self, what)!r}: {e}") from None
        render(self.template, PeerConfig(role="primary", socket="/x", secret="x"))  # fail early

    def start(self, cfg: PeerConfig) -> ProcessHandle:
        return ProcessHandle(render(self.template, cfg), env=environment(cfg), ready=self.ready,
                             connected=self.connected, disconnected=self.disconnected,
                             new_session=True, stop_timeout=self.timeouts.stop,
                             health=render(self.health, cfg) if self.health else None)

    def describe(self):
        out = {"name": self.name, "command": self.template, "expect": self.expect_kind}
        if self.description:
            out["description"] = self.description
        return out

    def version(self):
        return version_of(self.version_cmd) if self.version_cmd else None


def make_adapter(options):
    return CommandAdapter(options)
