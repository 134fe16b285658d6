# SPDX-License-Identifier: Apache-2.0
"""A whole memif peer in Python, on the raw-socket primitives of
memif_conformance/hostile.py: handshake in either role, shared memory and rings,
interrupts, and a reflector data path -- written plainly so that one
precise protocol violation (a *mutation*) can be switched on at a time.
The conformance suite's own tests run the suite against it
(memif_conformance/broken/raw_peer.py) and expect each mutation to be caught by a
named test.

Mutations (one per peer):
  index-before-bytes   publishes a packet's ring index while its buffer still holds
                       other bytes, and writes the packet only after our side has
                       consumed the slot (secondary)
  ignore-mask-int      signals the ring's eventfd even when the consumer set MASK_INT
  kick-before-publish  signals, waits until the signal was consumed, then publishes
                       the index without signalling again
  wrong-cookie         writes a wrong cookie into its rings (secondary)
  next-on-last-buffer  leaves NEXT set on the last buffer of the first chained packet
                       of a link, gluing it to the next packet
  skip-slot            publishes one slot it never wrote (third packet of a link)
  accept-wrong-secret  accepts a secondary whatever secret it sends (primary)
  accept-wrong-mode    accepts a secondary of another mode (primary)
  stop-reading         stops taking packets after its first 64, staying connected
  ignore-ring-size     uses the ring size it was started with, not the one the
                       secondary's ADD_RING gives (primary)
  ignore-buffer-size   fills M2S buffers up to the buffer size it was started with, not
                       the length each descriptor offers (primary)
  buffer-from-slot     writes an M2S packet where libmemif's layout would put the slot's
                       buffer (region 1, (ring * size + slot) * buffer size), not where
                       the descriptor points (primary)
"""

import ctypes
import errno
import mmap
import os
import select
import socket
import struct
import time

from . import hostile as H

MUTATIONS = ("none", "index-before-bytes", "ignore-mask-int", "kick-before-publish",
             "wrong-cookie", "next-on-last-buffer", "skip-slot", "accept-wrong-secret",
             "accept-wrong-mode", "stop-reading", "ignore-ring-size", "ignore-buffer-size",
             "buffer-from-slot")
MODES = {"ethernet": 0, "ip": 1, "punt": 2}
NEXT, MASK_INT = 1, 1
WAIT_FOR_PEER = 5.0   # a mutation that waits for our side gives up after this


class Gone(Exception):
    """The control connection ended: the reason."""


class Ring:
    """One ring in a mapped region, and the regions its descriptors point into.
    Ring indices are read and written as single 16-bit accesses (ctypes), as
    the other side reads them concurrently; call drop() before the region's
    mmap is closed."""

    def __init__(self, mm, off, log2, efd, regions):
        self.mm, self.off, self.size, self.efd, self.regions = mm, off, 1 << log2, efd, regions
        self.mask = self.size - 1
        self.pos = 0          # our private index (consumed, or written)
        self._flags = ctypes.c_uint16.from_buffer(mm, off + 4)
        self._head = ctypes.c_uint16.from_buffer(mm, off + 6)
        self._tail = ctypes.c_uint16.from_buffer(mm, off + 64)

    def drop(self):
        del self._flags, self._head, self._tail

    cookie = property(lambda self: struct.unpack_from("<I", self.mm, self.off)[0])
    flags = property(lambda self: self._flags.value)
    head = property(lambda self: self._head.value)
    tail = property(lambda self: self._tail.value)

    def set_flags(self, v):
        self._flags.value = v

    def set_head(self, v):
        self._head.value = v & 0xFFFF

    def set_tail(self, v):
        self._tail.value = v & 0xFFFF

    def desc(self, slot):
        return struct.unpack_from("<HHII", self.mm, self.off + 128 + 16 * (slot & self.mask))

    def set_desc(self, slot, flags, region, length, offset):
        struct.pack_into("<HHII", self.mm, self.off + 128 + 16 * (slot & self.mask), flags,
                         region, length, offset)

    def read(self, region, offset, n):
        return bytes(self.regions[region][offset:offset + n])

    def write(self, region, offset, data):
        self.regions[region][offset:offset + len(data)] = data

    def kick(self):
        os.eventfd_write(self.efd, 1)

    def signalled(self, timeout=0.0):
        return bool(select.select([self.efd], [], [], timeout)[0])


class Link:
    """The rings of one connection, and how this peer moves packets on them."""

    def __init__(self, peer, rx, tx, secondary):
        self.peer, self.rx, self.tx, self.secondary = peer, rx, tx, secondary
        self.sent = self.received = 0
        self.glued = False          # next-on-last-buffer: done once
        self.pending = []           # (queue, packet) waiting for room
        self.bs = peer.buffer_size

    # ---- receive ------------------------------------------------------------
    def receive(self):
        out = []
        for q, r in enumerate(self.rx):
            if r.signalled():
                os.eventfd_read(r.efd)
            end = r.tail if self.secondary else r.head
            start, chunks, pkt_start = r.pos, [], r.pos
            while r.pos != end:
                flags, region, length, offset = r.desc(r.pos)
                chunks.append(r.read(region, offset, length))
                r.pos = (r.pos + 1) & 0xFFFF
                if not flags & NEXT:
                    out.append((q, b"".join(chunks)))
                    chunks, pkt_start = [], r.pos
            r.pos = pkt_start            # an unfinished chain stays for later
            if r.pos != start:
                self.release(r, start, r.pos)
        return out

    def release(self, r, start, end):
        if not self.secondary:
            r.set_tail(end)
            return
        k = self.rx.index(r) + len(self.tx)     # M2S rings follow the S2M ones
        slot = start
        while slot != end:
            r.set_desc(slot, 0, 1, self.bs, (k * r.size + (slot & r.mask)) * self.bs)
            slot = (slot + 1) & 0xFFFF
        r.set_head(r.head + ((end - start) & 0xFFFF))

    # ---- transmit -------------------------------------------------------------
    def free(self, r):
        if self.secondary:
            return r.size - ((r.head - r.tail) & 0xFFFF)
        return (r.head - r.pos) & 0xFFFF

    def split(self, r, pkt):
        """pkt's pieces over the slots from r.pos, or None when they are not
        free now: a secondary cuts at its own buffer size, a primary at the
        length each M2S descriptor offers."""
        m = self.peer.mutation
        if self.secondary or m == "ignore-buffer-size":
            chunks = [pkt[i:i + self.bs] for i in range(0, len(pkt), self.bs)] or [b""]
            return chunks if self.free(r) >= len(chunks) else None
        chunks, off, free = [], 0, self.free(r)
        while off < len(pkt) or not chunks:
            offer = r.desc(r.pos + len(chunks))[2]
            if len(chunks) == free or offer == 0:
                return None
            chunks.append(pkt[off:off + offer])
            off += offer
        return chunks

    def where(self, r, q, slot):
        """(region, offset) of the buffer a packet piece goes to."""
        if self.secondary:
            return 1, (q * r.size + (slot & r.mask)) * self.bs
        if self.peer.mutation == "buffer-from-slot":
            return 1, ((len(self.rx) + q) * r.size + (slot & r.mask)) * self.bs
        _, region, _, offset = r.desc(slot)
        return region, offset

    def transmit(self, q, pkt):
        """Queue one packet on tx ring q; False when it does not fit now."""
        r, m = self.tx[q], self.peer.mutation
        skip = m == "skip-slot" and self.sent == 2
        chunks = self.split(r, pkt)
        if chunks is None or self.free(r) < len(chunks) + skip:
            return False
        if skip:
            r.pos = (r.pos + 1) & 0xFFFF      # this slot keeps whatever it held
        late = []
        for i, chunk in enumerate(chunks):
            slot = r.pos
            flags = NEXT if i < len(chunks) - 1 else 0
            if m == "next-on-last-buffer" and len(chunks) > 1 and not self.glued:
                flags = NEXT
            region, offset = self.where(r, q, slot)
            if m == "index-before-bytes":
                r.write(region, offset, b"\xee" * len(chunk))
                late.append((region, offset, chunk))
            else:
                r.write(region, offset, chunk)
            r.set_desc(slot, flags, region, len(chunk), offset)
            r.pos = (r.pos + 1) & 0xFFFF
        self.sent += 1
        self.glued |= len(chunks) > 1
        self.publish(r)
        if late:
            self.wait_until_consumed(r)
            for region, offset, chunk in late:
                r.write(region, offset, chunk)
        return True

    def publish(self, r):
        m = self.peer.mutation
        interrupts = not r.flags & MASK_INT
        if m == "kick-before-publish" and interrupts:
            r.kick()
            deadline = time.monotonic() + WAIT_FOR_PEER
            while r.signalled() and time.monotonic() < deadline:
                time.sleep(0.001)
            self._set_index(r)
            return
        self._set_index(r)
        if interrupts or m == "ignore-mask-int":
            r.kick()

    def _set_index(self, r):
        if self.secondary:
            r.set_head(r.pos)
        else:
            r.set_tail(r.pos)

    def wait_until_consumed(self, r):
        """Until our side returned every slot published so far."""
        deadline = time.monotonic() + WAIT_FOR_PEER
        while r.tail != r.pos and time.monotonic() < deadline:
            time.sleep(0.0005)

    def drop(self):
        for r in self.rx + self.tx:
            r.drop()

    def stopped_reading(self):
        return self.peer.mutation == "stop-reading" and self.received >= 64

    def reflect(self):
        """One turn: receive, send back on the same queue; True if anything moved."""
        if self.stopped_reading():
            return False
        got = self.receive()
        self.received += len(got)
        self.pending += [(q % len(self.tx), p) for q, p in got]
        sent = 0
        while self.pending and self.transmit(*self.pending[0]):
            self.pending.pop(0)
            sent += 1
        return bool(got or sent)


class ScriptedPeer:
    def __init__(self, role, socket_path, id=0, mode="ethernet", secret=None, tx_queues=1,
                 rx_queues=1, ring_size=1024, buffer_size=2048, rx_mode="interrupt",
                 mutation="none", out=print):
        if mutation not in MUTATIONS:
            raise ValueError(f"unknown mutation {mutation!r} (known: {', '.join(MUTATIONS)})")
        self.role, self.path, self.id, self.mode = role, socket_path, id, MODES[mode]
        self.secret = (secret or "").encode()
        self.tx_queues, self.rx_queues = tx_queues, rx_queues
        self.log2, self.buffer_size = ring_size.bit_length() - 1, buffer_size
        self.polling = rx_mode == "polling"
        self.mutation, self.out = mutation, out
        self.stop = False

    def _addr(self):
        return "\0" + self.path[1:] if self.path.startswith("@") else self.path

    # ---- control channel ----------------------------------------------------
    @staticmethod
    def _recv(sock, timeout=10.0):
        if not select.select([sock], [], [], timeout)[0]:
            raise Gone("peer sent nothing (timeout)")
        try:
            data, fds, _, _ = socket.recv_fds(sock, 4096, 4)
        except OSError as e:
            raise Gone(f"control connection: {e.strerror}") from None
        if not data:
            raise Gone("peer closed the connection")
        mtype = struct.unpack_from("<H", data)[0]
        if mtype == H.DISCONNECT:
            for fd in fds:
                os.close(fd)
            raise Gone(H.parse(data)[1])
        return mtype, data[2:], fds

    @staticmethod
    def _refuse(sock, reason):
        try:
            sock.send(H.disconnect(reason.encode()))
        except OSError:
            pass
        sock.close()
        raise Gone(reason)

    # ---- secondary ----------------------------------------------------------
    def _connect_once(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.connect(self._addr())
        except OSError:
            sock.close()
            return None
        mem = None
        try:
            mtype, p, _ = self._recv(sock)
            if mtype != H.HELLO:
                self._refuse(sock, "unexpected message received")
            _, vmin, vmax, _, max_m2s, max_s2m, max_log2 = struct.unpack_from("<32sHHHHHB", p)
            if not vmin <= H.VERSION <= vmax:
                self._refuse(sock, "incompatible version")
            n_s2m, n_m2s = min(self.tx_queues, max_s2m + 1), min(self.rx_queues, max_m2s + 1)
            log2 = min(self.log2, max_log2)
            mem = H.Memory(n_s2m=n_s2m, n_m2s=n_m2s, log2=log2, bs=self.buffer_size)
            if self.mutation == "wrong-cookie":
                for k in range(n_s2m + n_m2s):
                    mem.set_ring(k, cookie=0xBADC0DE)
            steps = [(H.init(self.id, self.mode, self.secret, name=b"scripted-peer"), ())]
            steps += [(H.add_region(i, size), [mem.fds[i]]) for i, size in enumerate(mem.sizes)]
            for k in range(n_s2m + n_m2s):
                s2m = k < n_s2m
                steps.append((H.add_ring(s2m, k if s2m else k - n_s2m, 0, mem.ring_off(k), log2),
                              [mem.efds[k]]))
            steps.append((H.connect(b"scripted"), ()))
            for data, fds in steps:
                H.RawPeer(sock, lambda: None).send(data, fds)
                mtype, _, _ = self._recv(sock)
                want = H.CONNECTED if data[0] == H.CONNECT else H.ACK
                if mtype != want:
                    self._refuse(sock, "unexpected message received")
        except (Gone, OSError) as e:
            sock.close()
            if mem:
                mem.close()
            self.out(f"disconnected: {e}")
            return None
        regions = mem.maps
        rings = [Ring(regions[0], mem.ring_off(k), log2, mem.efds[k], regions)
                 for k in range(n_s2m + n_m2s)]
        tx, rx = rings[:n_s2m], rings[n_s2m:]
        for r in rx:
            r.set_flags(MASK_INT if self.polling else 0)
            r.set_head(r.size)     # every receive buffer goes to the primary at once
        return sock, Link(self, rx, tx, secondary=True), mem.close

    # ---- primary ------------------------------------------------------------
    def _accept_once(self, listener):
        sock, _ = listener.accept()
        regions, sizes, rings, opened = [], [], [], []

        def cleanup():
            for m in regions:
                m.close()
            for fd in opened:
                os.close(fd)

        try:
            sock.send(H.hello(name=b"scripted-peer"))
            mtype, p, _ = self._recv(sock)
            if mtype != H.INIT:
                self._refuse(sock, "unexpected message received")
            version, iid, mode, secret, _ = struct.unpack_from("<HIB24s32s", p)
            secret = secret.rstrip(b"\0")
            if version != H.VERSION:
                self._refuse(sock, "unsupported version")
            if iid != self.id:
                self._refuse(sock, "unmatched interface id")
            if mode != self.mode and self.mutation != "accept-wrong-mode":
                self._refuse(sock, "mode mismatch")
            if self.secret and self.mutation != "accept-wrong-secret":
                if not secret:
                    self._refuse(sock, "secret required")
                if secret != self.secret:
                    self._refuse(sock, "incorrect secret")
            sock.send(H.msg(H.ACK))
            while True:
                mtype, p, fds = self._recv(sock)
                opened += fds
                if mtype == H.ADD_REGION:
                    index, size = struct.unpack_from("<HQ", p)
                    regions.append(mmap.mmap(fds[0], size))
                    sizes.append(size)
                elif mtype == H.ADD_RING:
                    flags, index, region, offset, log2, _ = struct.unpack_from("<HHHIBH", p)
                    rings.append((bool(flags & H.S2M), index, region, offset, log2, fds[0]))
                elif mtype == H.CONNECT:
                    break
                else:
                    self._refuse(sock, "unexpected message received")
                sock.send(H.msg(H.ACK))
            if self.mutation == "ignore-ring-size":
                rings = [(s2m, i, reg, off, self.log2, efd) for s2m, i, reg, off, _, efd in rings]
            made = [(s2m, i, Ring(regions[reg], off, log2, efd, regions))
                    for s2m, i, reg, off, log2, efd in rings]
            bad = [i for _, i, r in made if r.cookie != H.COOKIE]
            if bad:
                for _, _, r in made:
                    r.drop()
                self._refuse(sock, f"wrong cookie on ring {bad[0]}")
            rx = [r for s2m, _, r in sorted(made, key=lambda x: x[1]) if s2m]
            tx = [r for s2m, _, r in sorted(made, key=lambda x: x[1]) if not s2m]
            for r in rx:
                r.set_flags(MASK_INT if self.polling else 0)
            sock.send(H.connected(b"scripted"))
        except (Gone, OSError) as e:
            sock.close()
            cleanup()
            self.out(f"disconnected: {e}")
            return None
        return sock, Link(self, rx, tx, secondary=False), cleanup

    def _listen(self):
        if not self.path.startswith("@") and os.path.exists(self.path):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                probe.connect(self.path)
                raise OSError(errno.EADDRINUSE, f"{self.path} is served by a live listener")
            except ConnectionRefusedError:
                os.unlink(self.path)     # a dead listener's stale file
            finally:
                probe.close()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        listener.bind(self._addr())
        listener.listen(4)
        return listener

    # ---- the loop -----------------------------------------------------------
    def run(self):
        listener = self._listen() if self.role == "primary" else None
        where = "listening on" if listener else "connecting to"
        self.out(f"ready: {self.role} {where} {self.path} id {self.id} mutation {self.mutation}")
        try:
            while not self.stop:
                if listener:
                    if not select.select([listener], [], [], 0.05)[0]:
                        continue
                    got = self._accept_once(listener)
                else:
                    got = self._connect_once()
                    if got is None:
                        time.sleep(0.05)
                        continue
                if got is None:
                    continue
                sock, link, cleanup = got
                self.out("connected")
                try:
                    self._serve(sock, link, listener)
                except Gone as e:
                    self.out(f"disconnected: {e}")
                finally:
                    sock.close()
                    link.drop()
                    cleanup()
        finally:
            if listener:
                listener.close()
                if not self.path.startswith("@") and os.path.exists(self.path):
                    os.unlink(self.path)
        self.out("stopped")

    def _serve(self, sock, link, listener):
        while not self.stop:
            moved = link.reflect()
            watch = ([sock] + ([] if link.stopped_reading() else [r.efd for r in link.rx])
                     + ([listener] if listener else []))
            ready = select.select(watch, [], [], 0 if moved else 0.001)[0]
            if listener in ready:        # one secondary per id: refuse the next
                extra, _ = listener.accept()
                try:
                    extra.send(H.hello(name=b"scripted-peer"))
                    extra.send(H.disconnect(b"already connected"))
                except OSError:
                    pass
                extra.close()
            if sock in ready:
                self._recv(sock, timeout=0)    # only DISCONNECT or EOF are expected now
                raise Gone("unexpected message received")
        try:
            sock.send(H.disconnect(b"peer stopped"))
        except OSError:
            pass
