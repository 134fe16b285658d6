# SPDX-License-Identifier: Apache-2.0
"""The peer-adapter interface: how the conformance suite drives the memif
implementation under test (the DUT), whoever wrote it.

An adapter starts the peer in a role on a socket with the given parameters,
makes it reflect every packet it receives back on the same queue, tells
when it is ready and connected, and stops it.  It declares what the peer
can do (Capabilities); a test that needs something the peer lacks is
skipped with the reason, and a known defect is a strict xfail.
"""

from dataclasses import dataclass, field, fields
from typing import Callable, Dict, Mapping, Optional, Tuple

from ..known_defects import KnownDefects


@dataclass(frozen=True)
class Capabilities:
    roles: Tuple[str, ...] = ("primary", "secondary")
    modes: Tuple[str, ...] = ("ethernet", "ip", "punt")
    max_frame: int = 65535              # largest packet the peer reflects
    chaining: bool = True               # receives and sends chained buffers
    interrupt_mode: bool = True         # can receive in interrupt mode
    polling_mode: bool = True
    max_queues: int = 255
    unequal_queues: bool = True
    secret: bool = True
    abstract_sockets: bool = True
    file_sockets: bool = True
    ring_sizes: Tuple[int, int] = (2, 16384)   # min, max slots it accepts
    buffer_sizes: Tuple[int, int] = (128, 65535)
    engines: Tuple[str, ...] = ()       # copy engines the peer itself can use
    reconnect: bool = True              # as secondary, connects again after the primary left
    # robustness classes (memif_conformance/robustness_cases.CLASSES) the
    # vendor declares too destructive to run: skipped, and named in the verdict
    robustness_exclude: Tuple[str, ...] = ()
    # the next two need the peer told more ({zero_copy}, {ids}): off unless declared
    zero_copy: bool = False             # as secondary, can expose its own buffers (zero-copy)
    same_queue: bool = True             # sends a packet back on the queue it came in on
    checks_mode: bool = True            # as primary, refuses a secondary of another mode
    max_log2_ring_size: int = 14        # the largest log2 ring size it takes (libmemif's; VPP takes 15)
    ids_per_socket: int = 1             # interface ids it serves on one socket at once
    # test key -> reason: a strict xfail (a fixed peer becomes a visible
    # failure to update the declaration); a reason starting with "flaky:" is
    # a non-strict xfail, for a defect that shows only sometimes (a race).
    # Key: "feature/test_name", then optionally "[...]": either param=value
    # pairs ("[peer_role=secondary,mode=ip]") or a pattern for the test id
    # ("[*24-bytes*]"); the test name and id pattern are shell wildcards.
    # E.g. "lifecycle/test_*under_load", "handshake/test_secret[*24*]".
    # Rules: memif_conformance/known_defects.py (no whole feature, no key that
    # matches nothing, a flaky: key covers one test function at most).
    known_defects: Dict[str, str] = field(default_factory=dict)

    def lacks(self, **need) -> Optional[str]:
        """The reason this peer cannot run a test needing `need`, or None."""
        for key, value in need.items():
            have = getattr(self, key)
            if key in ("roles", "modes", "engines"):
                if value not in have:
                    return f"peer does not support {key[:-1]} {value!r}"
            elif key in ("max_frame", "max_queues", "max_log2_ring_size", "ids_per_socket"):
                if value > have:
                    return f"peer {key.replace('_', ' ')} is {have}, test needs {value}"
            elif key in ("ring_sizes", "buffer_sizes"):
                lo, hi = have
                if not lo <= value <= hi:
                    return f"peer {key[:-1].replace('_', ' ')} range is {lo}..{hi}, test needs {value}"
            elif not have and value:
                return f"peer lacks {key.replace('_', ' ')}"
        return None

    def turned_off(self):
        """What this declaration turns off compared with a peer that can do
        everything the suite tests, in words (for the verdict line)."""
        full, out = EVERYTHING, []
        for f in fields(self):
            mine, most = getattr(self, f.name), getattr(full, f.name)
            if f.name in ("known_defects", "engines") or mine == most:
                continue
            if f.name == "robustness_exclude":
                out.append(f"robustness classes {','.join(mine)}")
            elif f.name in ("roles", "modes"):
                missing = [x for x in most if x not in mine]
                if missing:
                    out.append(f"{f.name} {','.join(missing)}")
            elif f.name in ("ring_sizes", "buffer_sizes"):
                out.append(f"{f.name} {mine[0]}..{mine[1]}")
            elif isinstance(most, bool):
                out.append(f.name)
            else:
                out.append(f"{f.name} {mine}")
        return out

    def defect(self, feature: str, test: str, params: Mapping[str, object],
               test_id: str = "") -> Optional[str]:
        """The reason of the first known defect whose key matches this test
        (`test_id`: its parametrization id, e.g. "peer-primary-cpu"), or None."""
        hit = KnownDefects(self.known_defects).lookup(feature, test, params, test_id)
        return hit[1] if hit else None


# a peer that can do everything the suite tests (the defaults, plus what is
# off unless declared)
EVERYTHING = Capabilities(zero_copy=True, ids_per_socket=16, max_log2_ring_size=15)


@dataclass(frozen=True)
class Timeouts:
    """How long the suite waits for the peer (seconds); every wait of a
    test derives from these, and `test` bounds a whole test."""
    ready: float = 10.0     # from start until it says it listens or connects
    connect: float = 10.0   # until a link comes up or a handshake is refused
    reconnect: float = 10.0  # as secondary, until it is back after a primary came (back)
    idle: float = 5.0       # for the next packet back while it holds packets of ours
    stop: float = 10.0      # from SIGTERM until it exits (then SIGKILL)
    test: float = 300.0     # a whole test: the last guard against a hung peer


@dataclass
class PeerConfig:
    """What the suite asks of a peer for one test."""
    role: str                      # the PEER's role: "primary" or "secondary"
    socket: str                    # file path or "@abstract"
    id: int = 0
    mode: str = "ethernet"
    secret: Optional[str] = None
    queues: int = 1                # queue pairs (secondary's choice)
    tx_queues: Optional[int] = None
    rx_queues: Optional[int] = None
    ring_size: int = 1024
    buffer_size: int = 2048
    rx_mode: str = "interrupt"
    zero_copy: bool = False        # secondary: expose its own buffers (zero-copy mode)
    ids: Optional[Tuple[int, ...]] = None  # serve all these ids on the socket (None: just id)
    engine: Optional[str] = None   # the peer's copy engine, when it has them
    engine_config: Optional[str] = None  # that engine's settings (DSA emulator string)


class PeerHandle:
    """A running peer."""

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Until the peer listens (primary) or is trying to connect."""
        raise NotImplementedError

    def wait_connected(self, timeout: float = 10.0) -> None:
        """Until the peer reports the memif connection up (from its output)."""
        raise NotImplementedError

    def wait_disconnected(self, timeout: float = 10.0) -> Optional[str]:
        """Until the peer reports the connection down: its reason ("" when it
        gives none).  None when the adapter cannot see disconnects at all;
        TimeoutError when it can but none came."""
        return None

    def quiesce(self) -> None:
        """Stop the peer's traffic before our side disconnects (some peers
        crash when the other side leaves under load)."""

    def stop(self) -> int:
        """Stop the peer, clean up after it; returns its exit status."""
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    @property
    def alive(self) -> bool:
        raise NotImplementedError

    def health(self) -> Optional[str]:
        """The peer's own health check, when its declaration names one: None
        when healthy (or when there is no check), else what it said."""
        return None

    def log(self) -> str:
        """The peer's output so far (for failure reports)."""
        return ""


class PeerAdapter:
    """A memif implementation the suite can drive.

    `--memif-peer NAME` (certify: `--peer NAME`) loads memif_conformance/peers/NAME.py, or
    what another package registers as NAME in the entry-point group
    memif_conformance.peers (memif_conformance.peers.create): the module's
    `make_adapter(options)` if it has one, else the PeerAdapter subclass it
    defines (or the class the entry point names), built with `options` (a
    memif_conformance.peers.PeerOptions; its `extra` holds --peer-opt
    KEY=VALUE settings) when its constructor takes an argument.
    """

    name: str = "?"
    capabilities: Capabilities = Capabilities()
    timeouts: Timeouts = Timeouts()
    # What the peer's reflector does to a packet: identity for a pure
    # reflector, a MAC swap for testpmd's macswap; the suite compares
    # received packets against expect(sent).
    expect: Callable[[bytes, str], bytes] = staticmethod(lambda pkt, mode: pkt)

    def start(self, cfg: PeerConfig) -> PeerHandle:
        raise NotImplementedError

    def describe(self) -> Dict[str, str]:
        """Name, implementation and settings, for the certification report."""
        return {"name": self.name}

    def version(self) -> Optional[str]:
        """The peer's own word on its version (e.g. the output of a version
        command), or None; the report then names the app the peer calls
        itself in the handshake."""
        return None
