# SPDX-License-Identifier: Apache-2.0
"""A bridge between a memif interface and one end of a veth pair, in its
own process: every packet received on memif is written to the veth, every
frame arriving on the veth is sent on memif.  The XDP fixtures use it to
carry memif traffic into the kernel (see docs/xdp.md).

    python -m memif_conformance.bridge --socket @sock --netns NS --ifname DEV \\
        [--transport afpacket|afxdp] [--xdp-mode skb|drv] [--engine cpu|dsa-emu] ...

The memif socket is made in the caller's network namespace (abstract unix
sockets are per namespace, and the tester lives in the root one); the veth
side (AF_PACKET or AF_XDP socket, the AF_XDP redirect program) is made
inside NS.  Output lines, for memif_conformance.reflector.PeerProcess.wait_for:

    ready: transport=... ifname=...
    connected
    refused index=I len=L errno=NAME   (a frame the kernel would not take)
    stats memif_rx=A veth_tx=B refused=C veth_rx=D memif_tx=E pending=F [xsk_...=...]
    engine {...}                       (our copy engine's counters, as JSON)
    stopped: ...

`index` counts packets received on memif from 0.  A stats line follows
every turn of the loop that moved something.  The bridge exits on SIGTERM,
when the memif peer disconnects after having been connected, or when its
parent dies.

AF_PACKET: the kernel moves a VLAN tag into skb metadata before packet
taps see a received frame, so the bridge puts it back from PACKET_AUXDATA;
frames the bridge itself sent are not received back (PACKET_IGNORE_OUTGOING).
AF_XDP: memif_conformance/xdp/xsk.c on the veth end redirects every frame to the
socket (memif_conformance/afxdp.py), VLAN tags and all.
"""

import argparse
import ctypes
import ctypes.util
import errno
import json
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6
SO_SNDBUFFORCE = 32
SO_RCVBUFFORCE = 33
PR_SET_PDEATHSIG = 1


class PacketTransport:
    """AF_PACKET SOCK_RAW bound to one interface (create inside its netns)."""

    name = "afpacket"

    def __init__(self, ifname, bufsize=64 << 20):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, bufsize)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, bufsize)
        self.sock.bind((ifname, ETH_P_ALL))
        self.sock.setblocking(False)
        self.anc = socket.CMSG_SPACE(32)

    def fileno(self):
        return self.sock.fileno()

    def send(self, frame):
        """None when sent, else the errno name the kernel refused it with."""
        while True:
            try:
                self.sock.send(frame)
                return None
            except BlockingIOError:
                select.select([], [self.sock], [], 1.0)
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:
                    time.sleep(0.001)
                    continue
                return errno.errorcode.get(exc.errno, str(exc.errno))

    def recv(self, max_frames=256):
        out = []
        while len(out) < max_frames:
            try:
                data, anc, flags, addr = self.sock.recvmsg(1 << 17, self.anc)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            if flags & socket.MSG_TRUNC:
                raise RuntimeError(f"frame of more than {1 << 17} bytes truncated")
            for level, kind, blob in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA:
                    status, _len, _snap, _mac, _net, tci, tpid = struct.unpack_from("=IIIHHHH", blob)
                    if status & TP_STATUS_VLAN_VALID:
                        if not status & TP_STATUS_VLAN_TPID_VALID:
                            tpid = 0x8100
                        data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
            out.append(data)
        return out

    def stats(self):
        return {}

    def idle(self):
        return True

    def close(self):
        self.sock.close()


class XskTransport:
    """AF_XDP socket on queue 0 plus the redirect program (create inside the
    netns: the socket binds there, the program attaches there).  The
    program and its XSKMAP are opened by id when given (compiled once by the
    test session, memif_conformance.xdp.XskRedirect), else compiled here."""

    name = "afxdp"

    def __init__(self, ns, ifname, mode, prog_id=None, map_id=None):
        from memif_conformance import xdp
        from memif_conformance.afxdp import XskSocket

        self.xdp, self.ns, self.ifname, self.mode = xdp, ns, ifname, mode
        self.own = None
        if prog_id and map_id:
            self.prog_fd = xdp.fd_by_id("prog", prog_id)
            self.map_fd = xdp.fd_by_id("map", map_id)
        else:
            self.own = xdp.XskRedirect()
            self.prog_fd, self.map_fd = os.dup(self.own.fn.fd), os.dup(self.own.map_fd)
        self.xsk = XskSocket(ifname)
        xdp.map_update(self.map_fd, 0, self.xsk.fileno())
        xdp.attach_fd(ns, ifname, self.prog_fd, mode)
        self.backlog = []

    def fileno(self):
        return self.xsk.fileno()

    def send(self, frame):
        self.backlog.append(frame)
        self.flush()
        return None

    def flush(self):
        while self.backlog:
            n = self.xsk.send(self.backlog[:64])
            del self.backlog[:n]
            if not n:
                self.xsk.kick()
                break

    def idle(self):
        self.flush()
        return not self.backlog and self.xsk.kick() and self.xsk.tx_pending() == 0

    def recv(self, max_frames=256):
        return self.xsk.recv(max_frames)

    def stats(self):
        return {f"xsk_{k}": v for k, v in self.xsk.stats().items()}

    def close(self):
        try:
            self.xdp.attach_fd(self.ns, self.ifname, -1, self.mode)
        except OSError:   # the namespace may be gone already
            pass
        self.xsk.close()
        os.close(self.prog_fd)
        os.close(self.map_fd)
        if self.own is not None:
            self.own.close()


def start_bridge(socket_name, netns, ifname, transport="afpacket", xdp_mode="skb", engine="cpu",
                 cpu=None, timeout=60.0, **opts):
    """Start the bridge (the memif secondary on `socket_name`) and wait until
    its veth side is set up; returns the memif_conformance.reflector.PeerProcess."""
    from memif_conformance.reflector import PeerProcess

    argv = [sys.executable, "-m", "memif_conformance.bridge", "--socket", socket_name, "--netns", netns,
            "--ifname", ifname, "--transport", transport, "--xdp-mode", xdp_mode, "--engine", engine]
    if cpu is not None:
        argv += ["--cpu", str(cpu)]
    for k, v in opts.items():
        if v is not None:
            argv += [f"--{k.replace('_', '-')}", str(v)]
    env = os.environ.copy()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    p = PeerProcess(argv, env=env)
    try:
        p.wait_for(r"^ready:", timeout)
    except BaseException:
        p.kill()
        raise
    return p


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m memif_conformance.bridge", description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--role", default="secondary")
    ap.add_argument("--id", type=int, default=0)
    ap.add_argument("--engine", default="cpu")
    ap.add_argument("--dsa-config")
    ap.add_argument("--dsa-threshold", type=int, default=None)
    ap.add_argument("--buffer-size", type=int, default=2048)
    ap.add_argument("--ring-size", type=int, default=1024)
    ap.add_argument("--netns", required=True)
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--transport", choices=("afpacket", "afxdp"), default="afpacket")
    ap.add_argument("--xdp-mode", choices=("skb", "drv"), default="skb")
    ap.add_argument("--cpu", type=int, help="pin the bridge to this CPU (keeps frames in order)")
    ap.add_argument("--xsk-prog-id", type=int, help="AF_XDP redirect program to use (else compiled here)")
    ap.add_argument("--xsk-map-id", type=int, help="its XSKMAP")
    a = ap.parse_args(argv)

    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if a.cpu is not None:
        os.sched_setaffinity(0, {a.cpu})
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    from memif_conformance.netns import inside
    from libmemif_dsa import Interface, MemifError
    from libmemif_dsa.interface import dispatch_all

    iface = Interface(a.role, a.socket, id=a.id, engine=a.engine, dsa_config=a.dsa_config,
                      dsa_threshold=a.dsa_threshold, buffer_size=a.buffer_size,
                      ring_size=a.ring_size, name="xdp-bridge")
    with inside(a.netns):
        if a.transport == "afpacket":
            port = PacketTransport(a.ifname)
        else:
            port = XskTransport(a.netns, a.ifname, a.xdp_mode, a.xsk_prog_id, a.xsk_map_id)
    print(f"ready: transport={port.name} ifname={a.ifname} netns={a.netns} engine={a.engine}", flush=True)

    n = dict(memif_rx=0, veth_tx=0, refused=0, veth_rx=0, memif_tx=0)
    pending = []
    was_connected = False
    busy = True
    try:
        while not stop:
            fds = dispatch_all()
            moved = False
            if iface.connected:
                if not was_connected:
                    was_connected = True
                    print("connected", flush=True)
                try:
                    pkts = iface.recv(0, max=256, timeout=0)
                except MemifError:
                    pkts = []
                for p in pkts:
                    err = port.send(bytes(p))
                    if err:
                        n["refused"] += 1
                        print(f"refused index={n['memif_rx']} len={len(p)} errno={err}", flush=True)
                    else:
                        n["veth_tx"] += 1
                    n["memif_rx"] += 1
                frames = port.recv(256)
                n["veth_rx"] += len(frames)
                pending += frames
                if pending:
                    try:
                        k = iface.send(pending[:256], 0)
                    except MemifError:
                        k = 0
                    del pending[:k]
                    n["memif_tx"] += k
                moved = bool(pkts or frames)
            elif was_connected:
                print(f"disconnected: {iface.disconnect_reason}", flush=True)
                break
            idle = port.idle()
            if moved or (busy and idle):
                extra = " ".join(f"{k}={v}" for k, v in port.stats().items())
                print("stats " + " ".join(f"{k}={v}" for k, v in n.items())
                      + f" pending={len(pending)} idle={int(idle)} {extra}".rstrip(), flush=True)
            busy = moved or not idle
            if moved:
                continue
            wait = 0.001 if (pending or not idle) else 0.5
            try:
                select.select(fds + [port.fileno()], [], [], wait)
            except InterruptedError:
                pass
    finally:
        port.close()
        print(f"engine {json.dumps(iface.stats()['engine'])}", flush=True)
        iface.close()
        print(f"stopped: {' '.join(f'{k}={v}' for k, v in n.items())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
