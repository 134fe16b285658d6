# SPDX-License-Identifier: Apache-2.0
"""The `memif-dsa` command: reflect, bench, info, certify, soak."""

import argparse
import json
import signal
import sys
import time

from . import __version__, knobs, protocol_version
from .bench import cli as bench_cli
from . import certify
from . import soak
from .errors import MemifError
from .interface import ENGINES, MODES, RX_MODES, Interface, Socket
from .low_level import ffi, lib


def _positive_int(text):
    v = int(text, 0)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return v


def _iface_options(p):
    p.add_argument("--role", choices=("primary", "secondary"), required=True)
    p.add_argument("--socket", required=True, help="socket path, or @name for an abstract socket")
    p.add_argument("--id", type=_ids, default=[0],
                   help="interface id (default 0); reflect: several, comma separated, share the socket")
    p.add_argument("--mode", choices=tuple(MODES), default="ethernet")
    p.add_argument("--secret", default=None, help="shared secret (up to 24 bytes)")
    p.add_argument("--queues", type=_positive_int, default=1, help="queue pairs (secondary's choice)")
    p.add_argument("--tx-queues", type=_positive_int, default=None)
    p.add_argument("--rx-queues", type=_positive_int, default=None)
    p.add_argument("--ring-size", type=_positive_int, default=1024)
    p.add_argument("--buffer-size", type=_positive_int, default=2048)
    p.add_argument("--engine", choices=ENGINES, default=None, help="copy engine (default cpu)")
    p.add_argument("--copy", choices=ENGINES, default=None, help=argparse.SUPPRESS)  # deprecated
    p.add_argument("--dsa-config", default=None, help="DSA emulator configuration string")
    p.add_argument("--dsa-threshold", type=int, default=None,
                   help="DSA engines: copies shorter than this stay on the CPU (bytes; default 256)")
    p.add_argument("--rx-mode", choices=RX_MODES, default="interrupt")


def _deprecated(cmd, old, new):
    print(f"memif-dsa {cmd}: {old} is deprecated, use {new}", file=sys.stderr, flush=True)


def _ids(text):
    """One interface id, or several on one socket: "5" or "5,6"."""
    try:
        ids = [int(x, 0) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"ids are integers, comma separated: got {text!r}")
    if len(set(ids)) != len(ids):
        raise argparse.ArgumentTypeError(f"an id is given twice: {text!r}")
    return ids


class _Served:
    """One interface of the reflector and the connect/disconnect lines it owes."""

    def __init__(self, iface, burst, polling, several):
        self.iface, self.up, self.down = iface, 0, 0
        self.tag = f"id {iface.id} " if several else ""
        self.reflector = lib.mdsa_tools_reflector_new(iface.handle, burst, polling)
        if self.reflector == ffi.NULL:
            raise MemoryError("cannot create the reflector")

    def report(self):
        """Every connect and disconnect, in order, even both within one turn."""
        st = self.iface.stats()
        while self.up < st["connects"] or self.down < st["disconnects"]:
            if self.up == self.down and self.up < st["connects"]:
                self.up += 1
                d = self.iface.details()  # the peer's names outlive the connection
                line = (f"connected: {self.tag}peer app '{d['remote_app_name']}' interface "
                        f"'{d['remote_if_name']}'")
                if self.up == st["connects"] and d["connected"]:
                    line += f", rx queues {len(d['rx_queues'])}, tx queues {len(d['tx_queues'])}"
                print(line, flush=True)
            else:
                self.down += 1
                reason = self.iface.disconnect_reason if self.down == st["disconnects"] else ""
                print(f"disconnected: {self.tag}{reason or 'unknown reason'}", flush=True)

    def free(self):
        lib.mdsa_tools_reflector_free(self.reflector)


def _reflect_interfaces(a, engine):
    """The reflector's interfaces: one per id, all on one socket."""
    limits = {"max_log2_ring_size": a.max_log2_ring_size} if a.max_log2_ring_size else None
    sock = Socket(a.socket, hello_limits=limits)
    layout = knobs.preset(a.layout, a.buffer_size) if a.layout and a.role == "secondary" else None
    ifaces = []
    try:
        for i in a.id:
            ifaces.append(Interface(
                a.role, sock, id=i, mode=a.mode, secret=a.secret, queues=a.queues,
                tx_queues=a.tx_queues, rx_queues=a.rx_queues, ring_size=a.ring_size,
                buffer_size=a.buffer_size, engine=engine, rx_mode=a.rx_mode,
                dsa_config=a.dsa_config, dsa_threshold=a.dsa_threshold, name="reflect",
                refuse_unsealed=a.refuse_unsealed, layout=layout))
    except BaseException:
        sock.close()
        raise
    return sock, ifaces


def cmd_reflect(a):
    if a.copy is not None:
        _deprecated("reflect", "--copy", "--engine")
    engine = a.engine or a.copy or "cpu"
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    sock, ifaces = _reflect_interfaces(a, engine)
    verb = "listening on" if a.role == "primary" else "connecting to"
    ids = ",".join(map(str, a.id))
    print(f"ready: {a.role} {verb} {a.socket} id {ids} mode {a.mode} "
          f"engine {ifaces[0].engine_name}", flush=True)
    served, reflected = [], ffi.new("uint64_t *")
    try:
        served += [_Served(i, a.burst, a.rx_mode == "polling", len(ifaces) > 1) for i in ifaces]
        turn = max(1, 20 // len(served))   # short turns: lines and SIGTERM come promptly
        while not stop:
            for s in served:
                code = lib.mdsa_tools_reflector_run(s.reflector, turn, reflected)
                if code not in (lib.MEMIF_ERR_SUCCESS, lib.MEMIF_ERR_POLL_CANCEL):
                    print(f"error: {ffi.string(lib.memif_strerror(code)).decode()}",
                          file=sys.stderr, flush=True)
                s.report()
    finally:
        for s in served:
            s.free()
        sock.close()
        print(f"stopped: reflected {reflected[0]} packets", flush=True)
    return 0


def cmd_info(a):
    if a.dsa_config is not None:
        err = ffi.new("char[512]")
        if lib.mdsa_dsa_config_validate(a.dsa_config.encode(), err, 512):
            raise ValueError(f"--dsa-config: {ffi.string(err).decode()}")
    info = {
        "library": __version__,
        "protocol": protocol_version(),
        "engines": {},
        "engine_state": {},
    }
    for e in ENGINES:
        # an engine is available if an interface could use it
        ok, text, state = _probe_engine(e, a.dsa_config)
        info["engines"][e] = (ok, text)
        if state:
            info["engine_state"][e] = state
    info["dsa"] = dsa_info(a.dsa_config)
    if a.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"libmemif-dsa {info['library']}, memif protocol {info['protocol']}")
        print("copy engines:")
        for e, (ok, text) in info["engines"].items():
            print(f"  {e:8s} {'available' if ok else 'unavailable'}: {text}")
            st = info["engine_state"].get(e)
            if st and e != "cpu":
                print(f"           state {st['state']}{': ' + st['state_reason'] if st['state_reason'] else ''}; "
                      f"descriptors/records {'locked (mlock)' if st['memory_locked'] else 'prefaulted, not locked'}"
                      f"{'; ' + st['note'] if st['note'] else ''}")
        print(info["dsa"].rstrip())
    return 0


def dsa_info(config=None):
    """The C library's DSA listing: devices and work queues, CPU features,
    emulator configuration."""
    cfg = config.encode() if config else ffi.NULL
    need = lib.mdsa_dsa_info(cfg, ffi.NULL, 0)
    buf = ffi.new("char[]", max(need, 0) + 1)
    lib.mdsa_dsa_info(cfg, buf, len(buf))
    return ffi.string(buf).decode()


def _probe_engine(name, dsa_config=None):
    """(available, backend or why not, engine state) of one copy engine."""
    sock = f"@memif-dsa-info-{time.monotonic_ns()}"
    try:
        with Interface("primary", sock, engine=name,
                       dsa_config=dsa_config if name != "cpu" else None) as iface:
            eng = iface.stats()["engine"]
            state = {k: eng[k] for k in ("state", "state_reason", "memory_locked", "note")}
            return True, eng["name"], state
    except (ValueError, MemifError) as e:
        return False, str(e).split(": ", 1)[-1], None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="memif-dsa", description=__doc__)
    ap.add_argument("--version", action="version", version=f"memif-dsa {__version__}")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("reflect", help="serve a reflector peer: every packet goes back on its queue")
    _iface_options(p)
    p.add_argument("--burst", type=int, default=64, choices=range(1, 257), metavar="1..256")
    p.add_argument("--refuse-unsealed", action="store_true",
                   help="as primary, refuse secondary regions that cannot be sealed against "
                        "shrinking (by default they are accepted and guarded)")
    p.add_argument("--layout", choices=tuple(knobs.PRESETS), default=None,
                   help="as secondary, lay out the shared memory this way (a test knob; "
                        "zero-copy: as a zero-copy peer's own buffers)")
    p.add_argument("--max-log2-ring-size", type=int, choices=range(1, 16), default=None,
                   metavar="1..15", help="as primary, the largest log2 ring size HELLO allows "
                                         "(default 14, libmemif's; 15 = 32768 slots)")
    p.set_defaults(func=cmd_reflect)

    bench_cli.add_parser(sub)

    p = sub.add_parser("info", help="library and protocol versions, copy engines, DSA devices")
    p.add_argument("--json", action="store_true")
    p.add_argument("--dsa-config", default=None, help="emulator configuration to describe")
    p.set_defaults(func=cmd_info)

    certify.add_parser(sub)
    soak.add_parser(sub)

    a = ap.parse_args(argv)
    try:
        return a.func(a)
    except (MemifError, ValueError, TypeError) as e:
        print(f"memif-dsa {a.cmd}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
