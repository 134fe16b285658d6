# SPDX-License-Identifier: Apache-2.0
"""A memif reflector with one deliberate defect, for testing the suite.

    python -m memif_conformance.broken.reflector --defect drop-last-byte --role primary --socket @x ...

Built on libmemif-dsa's Interface; prints the same ready/connected/
disconnected/stopped lines as `memif-dsa reflect`.  Defects:
  none                 a correct (slow, Python) reflector
  drop-last-byte       chained packets (longer than one buffer) lose their last byte
  swap                 the 2nd and 3rd packet of every connection come back swapped
  flip-chain-boundary  chained packets get their first byte of the second buffer inverted
  ignore-secret        the configured secret is not used (not checked, not sent)
"""

import signal
import sys

from memif_conformance.broken import peer_arguments
from libmemif_dsa import Interface, MemifError, MemifTimeout

DEFECTS = ("none", "drop-last-byte", "swap", "flip-chain-boundary", "ignore-secret")


class Mangler:
    """The defect, applied to each received burst in order."""

    def __init__(self, defect, buffer_size):
        self.defect, self.bs = defect, buffer_size
        self.reset()

    def reset(self):
        self.count, self.held = 0, None

    def __call__(self, pkts):
        out = []
        for p in pkts:
            p = bytes(p)
            n, self.count = self.count, self.count + 1
            if self.defect == "drop-last-byte" and len(p) > self.bs:
                p = p[:-1]
            elif self.defect == "flip-chain-boundary" and len(p) > self.bs:
                p = p[:self.bs] + bytes([p[self.bs] ^ 0xFF]) + p[self.bs + 1:]
            elif self.defect == "swap" and n == 1:
                self.held = p
                continue
            out.append(p)
            if self.defect == "swap" and n == 2:
                out.append(self.held)
        return out


def send_all(iface, pkts, queue, stop):
    while pkts and not stop:
        n = iface.send(pkts, queue)
        pkts = pkts[n:]
        if pkts and n == 0:
            iface.poll(0.001)    # ring full: serve the control channel while the tester drains
            if not iface.connected:
                raise MemifError(0, "MEMIF_ERR_DISCONNECTED", "link down", iface.disconnect_reason)


def serve(iface, mangle, stop):
    """One pass over the rx queues; when all were empty, wait a little for
    queue 0 (raises MemifError once the link is down)."""
    rx, tx = iface.queues
    busy = False
    for q in range(rx):
        pkts = iface.recv(q, max=256, timeout=0)
        if pkts:
            busy = True
            send_all(iface, mangle(pkts), q % tx, stop)
    if not busy:
        pkts = iface.recv(0, max=256, timeout=0.01)
        if pkts:
            send_all(iface, mangle(pkts), 0, stop)


def main(argv=None):
    ap = peer_arguments(__doc__.split("\n")[0])
    ap.add_argument("--defect", choices=DEFECTS, required=True)
    a = ap.parse_args(argv)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    secret = None if a.defect == "ignore-secret" else (a.secret or None)
    iface = Interface(a.role, a.socket, id=a.id, mode=a.mode, secret=secret,
                      tx_queues=a.tx_queues, rx_queues=a.rx_queues, ring_size=a.ring_size,
                      buffer_size=a.buffer_size, rx_mode=a.rx_mode, name="broken",
                      app_name=f"broken-{a.defect}", reconnect_interval=0.05)
    mangle = Mangler(a.defect, a.buffer_size)
    print(f"ready: {a.role} on {a.socket} id {a.id} defect {a.defect}", flush=True)
    up = False
    while not stop:
        try:
            if not up:
                iface.wait_connected(0.05)
                up = True
                mangle.reset()
                print("connected", flush=True)
            serve(iface, mangle, stop)
        except MemifTimeout:
            continue
        except MemifError as e:
            if up:
                up = False
                print(f"disconnected: {e.reason or e}", flush=True)
    iface.close()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
