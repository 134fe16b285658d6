# SPDX-License-Identifier: Apache-2.0
"""Plays one hostile case of robustness_cases.py against a running peer:
a hostile secondary on the peer's socket (the peer is primary) or a hostile
primary on a connection the peer (secondary) made to our listener.  Every
wait is bounded by the case's own timeout; what the peer answered is
returned for the report, never judged: the robustness group judges only
whether the peer survives (serves(), after the case)."""

import mmap
import os
import select
import socket
import struct
import time

from . import hostile as H
from . import hostile_cases as HC
from . import robustness_cases as R

STEP_ANSWER = 2.0   # how long a step waits for the peer's answer to a control message
RINGS = {"s2m": 0, "m2s": 1}


def kick(efd, value=1):
    """Signal an eventfd; False when its counter is full (a flood got there)."""
    try:
        os.eventfd_write(efd, value)
        return True
    except BlockingIOError:
        return False


class Ended(Exception):
    """The case is over (the peer refused, closed, or time ran out): why."""


class RingView:
    """A ring header and its descriptors in a mapped region."""

    def __init__(self, mm, off, log2, efd):
        self.mm, self.off, self.size, self.efd = mm, off, 1 << log2, efd

    def get(self, field):
        fmt, pos = {"cookie": ("<I", 0), "flags": ("<H", 4), "head": ("<H", 6),
                    "tail": ("<H", 64)}[field]
        return struct.unpack_from(fmt, self.mm, self.off + pos)[0]

    def set(self, field, value):
        fmt, pos = {"cookie": ("<I", 0), "flags": ("<H", 4), "head": ("<H", 6),
                    "tail": ("<H", 64)}[field]
        struct.pack_into(fmt, self.mm, self.off + pos, value & (0xFFFFFFFF if fmt == "<I" else 0xFFFF))

    def desc(self, slot):
        return list(struct.unpack_from("<HHII", self.mm, self._at(slot)))

    def set_desc(self, slot, flags, region, length, offset):
        struct.pack_into("<HHII", self.mm, self._at(slot), flags & 0xFFFF, region & 0xFFFF,
                         length & 0xFFFFFFFF, offset & 0xFFFFFFFF)

    def _at(self, slot):
        return self.off + 128 + 16 * (slot & (self.size - 1))

    def value(self, v):
        """A case value: an int, or an expression of `size`."""
        return eval(v, {}, {"size": self.size}) if isinstance(v, str) else v   # noqa: S307 - our data


def _recv(sock, timeout):
    """(type, payload) of the next message, ("eof", "") at EOF, None on timeout;
    fds that come with it are closed (or returned with keep)."""
    if timeout <= 0 or not select.select([sock], [], [], timeout)[0]:
        return None
    try:
        data, fds, _, _ = socket.recv_fds(sock, 8192, 32)
    except OSError as e:
        return "eof", f"connection error: {e.strerror}"
    if not data:
        for fd in fds:
            os.close(fd)
        return "eof", ""
    mtype = struct.unpack_from("<H", data.ljust(2, b"\0"))[0]
    return mtype, (data, fds)


class Player:
    """What both hostile roles share: the control socket, the deadline,
    answers and notes."""

    def __init__(self, sock, case, alive):
        self.sock, self.case, self.alive = sock, case, alive
        self.deadline = time.monotonic() + case.timeout
        self.answer = None        # the peer's DISCONNECT reason, "closed", or None
        self.notes = []
        self.rings = {}
        self.owned = []           # fds we opened and must close
        self.regions = []
        self.mark = None          # the peer's indices before our last ring steps
        self.shrunk = set()       # our regions a Shrink step cut
        self.sock.settimeout(case.timeout)

    def left(self, cap=None):
        rem = self.deadline - time.monotonic()
        if rem <= 0:
            raise Ended(f"the case's steps ran out of their {self.case.timeout:g} s (its timeout)")
        return min(rem, cap) if cap else rem

    def send(self, msg, specs, mem=None):
        fds = [HC.open_fd(s, mem) for s in specs]
        try:
            self.sock.settimeout(self.left())
            if fds:
                socket.send_fds(self.sock, [msg], [fd for fd, _ in fds])
            else:
                self.sock.send(msg)
        except (BrokenPipeError, ConnectionResetError):
            self.answer = self.answer or "closed"
            raise Ended("the peer had closed the connection") from None
        except socket.timeout:
            raise Ended("the peer stopped reading its control socket") from None
        finally:
            for fd, owned in fds:
                if owned:
                    os.close(fd)

    def take(self, got, keep=False):
        """Handle one received message: ends the case on DISCONNECT or EOF;
        returns (type, payload, fds)."""
        mtype, rest = got
        if mtype == "eof":
            self.answer = self.answer or "closed"
            raise Ended("the peer closed the connection" + (f" ({rest})" if rest else ""))
        data, fds = rest
        if not keep:
            for fd in fds:
                os.close(fd)
            fds = []
        if mtype == H.DISCONNECT:
            self.answer = H.parse(data)[1] if len(data) >= 6 else "DISCONNECT"
            for fd in fds:
                os.close(fd)
            raise Ended(f"the peer refused: {self.answer}")
        return mtype, data[2:], fds

    def await_peer(self, moved):
        """Until the peer acts: a control message, its death, or moved() true;
        at most robustness_cases.AWAIT seconds."""
        until = time.monotonic() + min(R.AWAIT, self.left())
        while time.monotonic() < until:
            if not self.alive():
                raise Ended("the peer died")
            got = _recv(self.sock, min(0.01, until - time.monotonic()))
            if got is not None:
                mtype, _, _ = self.take(got)
                self.notes.append(f"the peer sent message type {mtype} while we waited")
                return
            if moved():
                return

    def state(self):
        """The ring indices only the peer writes (PEER_OWNED of our role)."""
        if self.shrunk:   # our own ring memory may be gone: reading it would SIGBUS us
            return []
        return [self.rings[r].get(f) for r, f in self.PEER_OWNED if r in self.rings]

    def moved(self):
        """A predicate for Await: has the peer moved an index of its own since
        our first ring step after the last Await (it consumed or sent)?"""
        before, self.mark = self.mark if self.mark is not None else self.state(), None
        return lambda: self.state() != before

    def ring_step(self, step):
        ring = self.rings.get(step.ring)
        if ring is None:
            raise Ended(f"no {step.ring} ring to act on")
        if self.mark is None:
            self.mark = self.state()
        if 0 in self.shrunk and not isinstance(step, R.Kick):
            raise Ended("our ring memory was shrunk: no more ring steps")
        if isinstance(step, R.SetRing):
            for field in ("head", "tail", "flags", "cookie"):
                v = getattr(step, field)
                if v is not None:
                    ring.set(field, ring.value(v))
        elif isinstance(step, R.Desc):
            slot = ring.value(step.slot)
            cur = ring.desc(slot)
            new = [cur[i] if v is None else ring.value(v)
                   for i, v in enumerate((step.flags, step.region, step.length, step.offset))]
            ring.set_desc(slot, *new)
        elif isinstance(step, R.Kick):
            for _ in range(step.times):
                if not kick(ring.efd, step.value):
                    break
        elif isinstance(step, R.Packet):
            self.packets(ring, step)
            kick(ring.efd)
        else:
            return False
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        for fd in self.owned:
            os.close(fd)
        for m in self.regions:
            if m is not None:
                m.close()


class HostileSecondary(Player):
    """We are the secondary; the peer listens on `path`."""

    PEER_OWNED = (("s2m", "tail"), ("m2s", "tail"))

    def __init__(self, path, case, alive):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sock.settimeout(case.timeout)
        sock.connect("\0" + path[1:] if path.startswith("@") else path)
        super().__init__(sock, case, alive)
        self.mem = H.Memory(**HC.LAYOUT, sealable=case.sealed)
        self.regions = []   # self.mem owns its maps
        log2 = HC.LAYOUT["log2"]
        self.rings = {name: RingView(self.mem.maps[0], self.mem.ring_off(k), log2, self.mem.efds[k])
                      for name, k in RINGS.items()}
        self.hello = None

    def play(self):
        got = _recv(self.sock, self.left())
        if got is None:
            raise Ended("the peer sent no HELLO")
        mtype, payload, _ = self.take(got)
        if mtype == H.HELLO and len(payload) >= 43:
            self.hello = struct.unpack_from("<32sHHHHHB", payload)
        else:
            self.notes.append(f"the peer's first message is type {mtype}, not HELLO")
        for step in self.case.steps:
            self.step(step)

    def step(self, step):
        if isinstance(step, HC.Poke):
            self.mem.set_ring(step.ring, cookie=step.value)
        elif isinstance(step, HC.Send):
            self.send(step.msg, step.fds, self.mem)
            got = _recv(self.sock, self.left(STEP_ANSWER))
            if got is None:
                self.notes.append(f"no answer to a message of type {step.msg[:2].hex()}")
            else:
                self.take(got)
        elif isinstance(step, R.Push):
            self.send(step.msg, step.fds, self.mem)
        elif isinstance(step, R.RingAboveHello):
            limit = self.hello[6] if self.hello else 14
            self.step(HC.Send(H.add_ring(True, 0, 0, 0, min(limit + 1, 255)), ("ring:0",)))
        elif isinstance(step, R.Shrink):
            os.ftruncate(self.mem.fds[step.region], step.size)
            self.shrunk.add(step.region)
        elif isinstance(step, R.Await):
            self.await_peer(self.moved())
        elif isinstance(step, R.Close):
            raise Ended("we closed the connection")
        elif not self.ring_step(step):
            raise ValueError(f"{self.case.name}: step {step} is not for a hostile secondary")

    def packets(self, ring, step):
        if ring is not self.rings["s2m"]:
            raise ValueError("a hostile secondary sends packets on s2m")
        head = ring.get("head")
        bs = HC.LAYOUT["bs"]
        for i in range(step.count):
            slot = (head + i) & (ring.size - 1)
            if 1 not in self.shrunk:
                self.mem.write_buf(slot * bs, bytes([0x40 + i]) * step.size)
            ring.set_desc(slot, 0, 1, step.size, slot * bs)
        ring.set("head", head + step.count)

    def close(self):
        super().close()
        self.mem.close()


class HostilePrimary(Player):
    """We are the primary; `sock` is the connection the peer made to us."""

    PEER_OWNED = (("s2m", "head"), ("m2s", "head"))

    def __init__(self, sock, case, alive):
        super().__init__(sock, case, alive)
        self.region_fds, self.sizes, self.ring_defs = [], [], []

    def play(self):
        for step in self.case.steps:
            self.step(step)

    def step(self, step):
        if isinstance(step, (HC.Send, R.Push)):
            self.send(step.msg, step.fds)
        elif isinstance(step, R.Serve):
            self.serve(step.upto)
        elif isinstance(step, R.Await):
            self.await_peer(self.moved())
        elif isinstance(step, R.Close):
            raise Ended("we closed the connection")
        elif not self.ring_step(step):
            raise ValueError(f"{self.case.name}: step {step} is not for a hostile primary")

    def serve(self, upto):
        stop = {"init": H.INIT, "region": H.ADD_REGION, "ring": H.ADD_RING, "connect": H.CONNECT,
                "connected": None}[upto]
        while True:
            got = _recv(self.sock, self.left(STEP_ANSWER))
            if got is None:
                self.notes.append(f"the peer went quiet before {upto}")
                return
            mtype, payload, fds = self.take(got, keep=True)
            self.owned += fds
            if mtype == H.ADD_REGION and fds and len(payload) >= 10:
                self.region_fds.append(fds[0])
                self.sizes.append(struct.unpack_from("<Q", payload, 2)[0])
            elif mtype == H.ADD_RING and fds and len(payload) >= 11:
                flags, index, region, offset, log2 = struct.unpack_from("<HHHIB", payload)
                self.ring_defs.append((flags & H.S2M, index, region, offset, log2, fds[0]))
            if mtype == stop:
                return
            if mtype == H.CONNECT:
                self.send(H.connected(), ())
                self.map()
                return
            self.send(H.msg(H.ACK), ())

    def map(self):
        """Map the peer's regions and find queue 0's rings."""
        for fd, size in zip(self.region_fds, self.sizes):
            try:
                self.regions.append(mmap.mmap(fd, size))
            except (OSError, ValueError, OverflowError) as e:
                self.notes.append(f"cannot map a region of the peer ({size} bytes): {e}")
                self.regions.append(None)
        for s2m, index, region, offset, log2, efd in self.ring_defs:
            if index or region >= len(self.regions) or self.regions[region] is None:
                continue
            self.rings["s2m" if s2m else "m2s"] = RingView(self.regions[region], offset, log2, efd)

    def packets(self, ring, step):
        if ring is not self.rings.get("m2s"):
            raise ValueError("a hostile primary sends packets on m2s")
        tail, head = ring.get("tail"), ring.get("head")
        for i in range(min(step.count, (head - tail) & 0xFFFF)):
            slot = tail + i
            _, region, _, offset = ring.desc(slot)
            if region >= len(self.regions) or self.regions[region] is None:
                break
            self.regions[region][offset:offset + step.size] = bytes([0x60 + i]) * step.size
            ring.set_desc(slot, 0, region, step.size, offset)
            tail += 1
        ring.set("tail", tail)


def play(case, *, path=None, conn=None, alive=lambda: True):
    """Play `case` (a hostile secondary connecting to `path`, or a hostile
    primary on `conn`): (the peer's answer or None, notes).  The control
    connection is closed afterwards."""
    player = None
    try:
        player = HostileSecondary(path, case, alive) if conn is None else HostilePrimary(conn, case, alive)
        player.play()
        if player.answer is None:
            player.notes.append("the peer took every step")
    except Ended as e:
        if player is not None:
            player.notes.append(str(e))
    finally:
        if player is not None:
            player.close()
    return player.answer, player.notes


# ---- after the case: does the peer still serve? ----------------------------------

LIVENESS = 5.0   # the limit: serve a well-behaved peer within this, or the case hung


def probe_packets(caps):
    """What the well-behaved peer sends: small, large and (if the peer
    chains) a chained packet, each byte depending on its position."""
    from . import packets as P
    sizes = [60, 1000] + ([min(3000, caps.max_frame)] if caps.chaining else [])
    return [P.tagged(n, seq=i) for i, n in enumerate(sizes)]


def serves(our_role, path, engine, checker, caps, expect, limit=LIVENESS):
    """None when a well-behaved interface of ours (`our_role` on `path`)
    connects and gets probe_packets() back byte for byte within `limit`
    seconds; else why not."""
    from libmemif_dsa import MemifError, MemifTimeout

    from . import packets as P
    from .engine_check import OurInterface, our_settings
    from .traffic import exchange

    start = time.monotonic()
    iface = OurInterface(our_role, path, engine=engine, name="robustness",
                         app_name="memif-conformance", reconnect_interval=0.05,
                         **our_settings(engine))
    try:
        try:
            iface.wait_connected(limit)
        except MemifTimeout as e:
            return (f"no link with a well-behaved {our_role} within {limit:g} s"
                    + (f" (our side: {e.reason})" if e.reason else ""))
        pkts = probe_packets(caps)
        marker = P.end_marker("ethernet")
        left = max(0.1, limit - (time.monotonic() - start))
        try:
            got, late, ended = exchange(iface, pkts, 0, marker, expect(marker, "ethernet"), idle=left)
        except (AssertionError, MemifError) as e:
            return f"the well-behaved {our_role}'s traffic failed: {e}"
        try:
            checker.same(pkts + [marker], got + ([expect(marker, "ethernet")] if ended else []),
                         expected=[expect(p, "ethernet") for p in pkts + [marker]],
                         buffer_size=2048, late=late,
                         context=f"packets of a well-behaved {our_role} after the case")
        except AssertionError as e:
            return str(e)
        took = time.monotonic() - start
        if took > limit:
            return f"it served a well-behaved {our_role} only after {took:.1f} s (limit {limit:g} s)"
        return None
    finally:
        iface.close()
