# SPDX-License-Identifier: Apache-2.0
"""The Pythonic face: Socket and Interface.

One call into C per burst: ``send`` joins the packets once and hands them to
``mdsa_tx_copy_burst``; ``recv`` gets a whole burst from
``mdsa_rx_copy_burst`` into one buffer and slices it.  Waiting (for a
connection, for packets) runs the socket's event loop in C.

Objects here are not thread-safe: use one socket (and its interfaces) from
one thread at a time.
"""

import math
import os
import select
import time
import warnings
import weakref

from . import knobs
from .knobs import check_int as _check_int
from .low_level import check, ffi, lib, string

ROLES = {"primary": 1, "master": 1, "secondary": 0, "slave": 0}
MODES = {"ethernet": 0, "ip": 1, "punt": 2}
MODE_NAMES = {v: k for k, v in MODES.items()}
ENGINES = ("cpu", "dsa", "dsa-hw", "dsa-emu")
RX_MODES = ("interrupt", "polling")
MAX_QUEUES = 255
# Counter names come from the C struct types (declared once, in memif_dsa.h).
STATS_FIELDS = tuple(name for name, _ in ffi.typeof("mdsa_stats_t").fields if name != "engine")
ENGINE_FIELDS = tuple(name for name, f in ffi.typeof("mdsa_engine_counters_t").fields
                      if f.type is ffi.typeof("uint64_t"))
_UNSET = object()

# Sockets alive in this process: waiting runs all their event loops, so both
# ends of a loopback in one process make progress.
_live_sockets = weakref.WeakSet()


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _ms(name, timeout):
    """Seconds (None = forever) to the C side's milliseconds (-1 = forever)."""
    if timeout is None:
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or math.isnan(timeout):
        raise TypeError(f"{name} must be a number of seconds or None")
    if timeout < 0:
        raise ValueError(f"{name} must be >= 0 or None, got {timeout}")
    return min(int(math.ceil(timeout * 1000)), 2**31 - 1)


def _bytes_arg(name, value, max_len):
    if value is None:
        return b""
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} must be str or bytes")
    if len(value) > max_len:
        raise ValueError(f"{name} is at most {max_len} bytes, got {len(value)}")
    if b"\0" in value:
        raise ValueError(f"{name} must not contain NUL bytes")
    return bytes(value)


class _Closable:
    """Context manager and garbage-collection hook for close()."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Socket(_Closable):
    """A memif control socket: a file path or an abstract name ``@name``.

    It listens while it holds a primary interface and connects for each
    secondary; one socket may hold both (primaries with different ids; a
    secondary may use a primary's id, e.g. a loopback in one process).
    hello_limits: a test knob (libmemif_dsa.knobs): what its primaries
    advertise in HELLO and hold their secondaries to.
    """

    def __init__(self, path, app_name="libmemif-dsa", reconnect_interval=0.1, hello_limits=None):
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or not path or path == "@":
            raise ValueError("path must be a non-empty socket path or @abstract-name")
        raw = path.encode()
        if len(raw) > 107 or b"\0" in raw:
            raise ValueError("path must be at most 107 bytes without NUL")
        name = _bytes_arg("app_name", app_name, 31)
        if reconnect_interval is not None and (
            not isinstance(reconnect_interval, (int, float)) or reconnect_interval <= 0
        ):
            raise ValueError("reconnect_interval must be a positive number of seconds or None")
        limits = knobs.hello_limits_struct(hello_limits) if hello_limits is not None else None
        self.path = path
        args = ffi.new("memif_socket_args_t *")
        args.path = raw
        args.app_name = name
        if reconnect_interval:
            sec = int(reconnect_interval)
            nsec = int(round((reconnect_interval - sec) * 1e9))
            for ts in (args.connection_request_timer.it_value, args.connection_request_timer.it_interval):
                ts.tv_sec, ts.tv_nsec = sec, nsec
        handle = ffi.new("memif_socket_handle_t *")
        check(lib.memif_create_socket(handle, args, ffi.NULL), f"socket {path}")
        self._handle = handle[0]
        self._interfaces = []
        _live_sockets.add(self)
        if limits is not None:
            check(lib.mdsa_set_hello_limits(self._handle, limits), f"hello_limits of {path}")

    @property
    def handle(self):
        if self._handle is None:
            raise ValueError("socket is closed")
        return self._handle

    def poll(self, timeout=0):
        """Run the event loop once (accept, handshake, reconnect)."""
        code = lib.memif_poll_event(self.handle, _ms("timeout", timeout))
        if code not in (lib.MEMIF_ERR_SUCCESS, lib.MEMIF_ERR_POLL_CANCEL):
            check(code, f"poll {self.path}")

    def close(self):
        """Close every interface on the socket, then the socket."""
        if self._handle is None:
            return
        for iface in list(self._interfaces):
            iface.close()
        h = ffi.new("memif_socket_handle_t *", self._handle)
        self._handle = None
        check(lib.memif_delete_socket(h), f"close socket {self.path}")



class Interface(_Closable):
    """A memif interface.

    role: "primary" (master, listens) or "secondary" (slave, connects and
    creates the shared memory).  socket: a Socket, or a path/@name for a
    socket of its own.  queues: queue pairs (tx_queues/rx_queues set each
    direction).  On a primary the counts are the secondary's choice.
    engine: the copy engine, "cpu", "dsa" (hardware, else the emulator),
    "dsa-hw", "dsa-emu" (``copy=`` is its deprecated old name).
    rx_mode: "interrupt" or "polling" (for every receive queue).
    dsa_threshold: DSA engines leave copies shorter than this on the CPU
    (None: MDSA_DSA_DEFAULT_THRESHOLD, 256 bytes; 0 sends every copy to DSA).
    refuse_unsealed: a primary refuses secondary regions that cannot be
    sealed against shrinking (by default it accepts and guards them).
    Test knobs (libmemif_dsa.knobs, for testing other implementations):
    layout (a secondary's shared memory), hello_limits (a primary's HELLO,
    set on its socket), ring_size 32768 (beyond libmemif's 16384).
    """

    def __init__(self, role, socket, id=0, mode="ethernet", secret=None, queues=1,
                 tx_queues=None, rx_queues=None, ring_size=1024, buffer_size=2048,
                 engine="cpu", rx_mode="interrupt", name="memif0", dsa_config=None,
                 dsa_threshold=None, app_name="libmemif-dsa", reconnect_interval=0.1,
                 copy=_UNSET, refuse_unsealed=False, layout=None, hello_limits=None):
        self._conn = None
        self._own_socket = False
        self.socket = None
        if copy is not _UNSET:
            warnings.warn("Interface(copy=...) is deprecated: use engine=...", DeprecationWarning,
                          stacklevel=2)
            engine = copy
        _check_choice("role", role, tuple(ROLES))
        _check_choice("mode", mode, tuple(MODES))
        _check_choice("engine", engine, ENGINES)
        _check_choice("rx_mode", rx_mode, RX_MODES)
        _check_int("id", id, 0, 2**32 - 1)
        _check_int("queues", queues, 1, MAX_QUEUES)
        tx_queues = _check_int("tx_queues", queues if tx_queues is None else tx_queues, 1, MAX_QUEUES)
        rx_queues = _check_int("rx_queues", queues if rx_queues is None else rx_queues, 1, MAX_QUEUES)
        _check_int("ring_size", ring_size, 2, 1 << 15)
        if ring_size & (ring_size - 1):
            raise ValueError(f"ring_size must be a power of two, got {ring_size}")
        _check_int("buffer_size", buffer_size, 1, 65535)
        if dsa_threshold is None:
            dsa_threshold = lib.MDSA_DSA_DEFAULT_THRESHOLD
        _check_int("dsa_threshold", dsa_threshold, 0, 2**32 - 1)
        if not isinstance(refuse_unsealed, bool):
            raise TypeError("refuse_unsealed must be True or False")
        layout_c = knobs.layout_struct(layout, buffer_size) if layout is not None else None
        if layout_c is not None and ROLES[role]:
            raise ValueError("layout is the secondary's choice: a primary takes none")
        if hello_limits is not None and not ROLES[role]:
            raise ValueError("hello_limits are what a primary advertises: a secondary takes none")
        if hello_limits is not None and isinstance(socket, Socket):
            raise ValueError("hello_limits belong to the socket: give them to Socket(...)")
        secret_b = _bytes_arg("secret", secret, 24)
        name_b = _bytes_arg("name", name, 32)
        if dsa_config is not None:
            if not isinstance(dsa_config, str):
                raise TypeError("dsa_config must be a str (emulator configuration) or None")
            err = ffi.new("char[512]")
            if lib.mdsa_dsa_config_validate(dsa_config.encode(), err, 512):
                raise ValueError(f"dsa_config: {string(err)}")

        self._own_socket = not isinstance(socket, Socket)
        self.socket = (Socket(socket, app_name, reconnect_interval, hello_limits=hello_limits)
                       if self._own_socket else socket)
        self.role = "primary" if ROLES[role] else "secondary"
        self.id = id
        self.mode = mode
        self.engine = engine
        self._rx_polling = rx_mode == "polling"
        self._rxbuf = None
        self._rxlens = None
        self._pending = {}
        try:
            args = ffi.new("memif_conn_args_t *")
            args.socket = self.socket.handle
            args.secret = secret_b
            primary = ROLES[role] == 1
            args.num_s2m_rings = rx_queues if primary else tx_queues
            args.num_m2s_rings = tx_queues if primary else rx_queues
            args.buffer_size = buffer_size
            args.log2_ring_size = min(ring_size.bit_length() - 1, 14)  # memif_create's limit
            args.is_master = ROLES[role]
            args.interface_id = id
            args.interface_name = name_b
            lib.mdsa_py_set_mode(args, MODES[mode])
            conn = ffi.new("memif_conn_handle_t *")
            check(lib.memif_create(conn, args, ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL),
                  self._context("create") + self._socket_detail())
            self._conn = conn[0]
            self.socket._interfaces.append(self)
            if not primary and ring_size > 1 << 14:
                check(lib.mdsa_set_log2_ring_size(self._conn, ring_size.bit_length() - 1))
            if layout_c is not None:
                check(lib.mdsa_set_layout(self._conn, layout_c), self._context("layout of"))
            check(lib.mdsa_set_refuse_unsealed(self._conn, int(refuse_unsealed)))
            for q in range(256 if primary else rx_queues):
                lib.memif_set_rx_mode(self._conn, lib.MEMIF_RX_MODE_POLLING if self._rx_polling
                                      else lib.MEMIF_RX_MODE_INTERRUPT, q)
            err = ffi.new("char[256]")
            cfg = dsa_config.encode() if dsa_config is not None else ffi.NULL
            code = lib.mdsa_set_engine(self._conn, engine.encode(), cfg, dsa_threshold, err, 256)
            if code:
                raise ValueError(f"engine={engine!r}: {string(err)}")
        except BaseException:
            self.close()
            raise

    @property
    def copy(self):
        """Deprecated: the old name of ``engine``."""
        warnings.warn("Interface.copy is deprecated: use Interface.engine", DeprecationWarning,
                      stacklevel=2)
        return self.engine

    def _context(self, what):
        return f"{what} {self.role} id {self.id} on {self.socket.path}"

    def _socket_detail(self):
        detail = string(lib.mdsa_socket_error(self.socket.handle))
        return f" ({detail})" if detail else ""

    @property
    def handle(self):
        if self._conn is None:
            raise ValueError("interface is closed")
        return self._conn

    # ---- state -----------------------------------------------------------

    @property
    def connected(self):
        return self._conn is not None and bool(lib.mdsa_is_connected(self._conn))

    @property
    def disconnect_reason(self):
        return string(lib.mdsa_disconnect_reason(self.handle))

    @property
    def queues(self):
        """(rx queues, tx queues) while connected, (0, 0) otherwise."""
        rx = ffi.new("uint16_t *")
        tx = ffi.new("uint16_t *")
        check(lib.mdsa_queue_counts(self.handle, rx, tx))
        return rx[0], tx[0]

    def disconnect(self, reason=None):
        """End the connection now; the interface stays (a secondary connects
        again, a primary waits for the next).  The peer gets DISCONNECT
        `reason`, or, with None, no message at all: a plain close, as if we
        had died."""
        raw = None if reason is None else _bytes_arg("reason", reason, 95)
        check(lib.mdsa_disconnect(self.handle, raw if raw is not None else ffi.NULL),
              self._context("disconnect"))

    def wait_connected(self, timeout=5.0):
        """Run the event loops until connected; MemifTimeout (with the last
        disconnect reason, e.g. "incorrect secret") when time runs out."""
        ms = _ms("timeout", timeout)
        deadline = None if ms < 0 else time.monotonic() + ms / 1000
        conn = self.handle
        while True:
            fds = dispatch_all()
            if lib.mdsa_is_connected(conn):
                return self
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                check(lib.MEMIF_ERR_AGAIN, self._context("waiting for a connection of"), conn)
            select.select(fds, [], [], 0.1 if left is None else min(left, 0.1))

    def poll(self, timeout=0):
        self.socket.poll(timeout)

    # ---- data ------------------------------------------------------------


    def send(self, packets, queue=0, wait=True):
        """Queue packets (bytes-like, 1 byte or more each) on tx `queue`.

        Returns how many were queued, in order, whole packets only: fewer
        than given when the ring is full.  With wait=False an asynchronous
        copy engine may still be copying on return (the data stays
        referenced until flush() sees it done).
        """
        _check_int("queue", queue, 0, 65535)
        if isinstance(packets, (bytes, bytearray, memoryview)):
            raise TypeError("packets must be a list of bytes-like packets, not a single packet")
        pkts = list(packets)
        for i, p in enumerate(pkts):
            if not isinstance(p, (bytes, bytearray, memoryview)):
                raise TypeError(f"packets[{i}] must be bytes-like, not {type(p).__name__}")
            if len(p) == 0:
                raise ValueError(f"packets[{i}] is empty: memif carries packets of 1 byte or more")
        total = 0
        flags = lib.MDSA_TX_WAIT if wait else 0
        sent = ffi.new("uint16_t *")
        while pkts:
            chunk = pkts[:65535]
            data = b"".join(chunk)
            lens = ffi.new("uint32_t[]", [len(p) for p in chunk])
            code = lib.mdsa_tx_copy_burst(self.handle, queue, data, lens, len(chunk), flags, sent)
            if code == lib.MEMIF_ERR_INVAL_ARG and sent[0] < len(chunk):
                raise ValueError(f"packets[{total + sent[0]}] ({len(chunk[sent[0]])} bytes) "
                                 f"does not fit in the tx ring of queue {queue}")
            check(code, self._context(f"send on queue {queue} of"), self._conn)
            if not wait and sent[0]:
                self._pending.setdefault(queue, []).append((data, lens))
            total += sent[0]
            if sent[0] < len(chunk):
                break
            pkts = pkts[65535:]
        return total

    def flush(self, queue=0, wait=True):
        """Publish packets whose copies completed; returns bursts still in flight."""
        _check_int("queue", queue, 0, 65535)
        pending = ffi.new("uint32_t *")
        check(lib.mdsa_tx_flush(self.handle, queue, 1 if wait else 0, pending),
              self._context(f"flush queue {queue} of"), self._conn)
        if pending[0] == 0:
            self._pending.pop(queue, None)
        return pending[0]

    def recv(self, queue=0, max=256, timeout=0):
        """Up to `max` packets from rx `queue`, as bytes.

        timeout: 0 returns at once, a number of seconds waits that long for
        the first packet, None waits forever.  Raises MemifError when the
        interface is (or becomes) disconnected.
        """
        _check_int("queue", queue, 0, 65535)
        _check_int("max", max, 1, 65535)
        ms = _ms("timeout", timeout)
        conn = self.handle
        if ms != 0:
            code = lib.mdsa_rx_wait(conn, queue, ms)
            if code == lib.MEMIF_ERR_AGAIN:
                return []
            check(code, self._context(f"recv on queue {queue} of"), conn)
        if self._rxbuf is None:
            self._rxbuf = ffi.new("uint8_t[]", 1 << 18)
        if self._rxlens is None or len(self._rxlens) < max:
            self._rxlens = ffi.new("uint32_t[]", max)
        count = ffi.new("uint16_t *")
        need = ffi.new("size_t *")
        code = lib.mdsa_rx_copy_burst(conn, queue, self._rxbuf, len(self._rxbuf), self._rxlens,
                                      max, count, need)
        if code == lib.MEMIF_ERR_NOBUF:
            self._rxbuf = ffi.new("uint8_t[]", _grow(need[0], len(self._rxbuf)))
            code = lib.mdsa_rx_copy_burst(conn, queue, self._rxbuf, len(self._rxbuf), self._rxlens,
                                          max, count, need)
        check(code, self._context(f"recv on queue {queue} of"), conn)
        n = count[0]
        if not n:
            return []
        lens = ffi.unpack(self._rxlens, n)
        view = ffi.buffer(self._rxbuf, sum(lens))
        out, off = [], 0
        for ln in lens:
            out.append(view[off:off + ln])
            off += ln
        return out

    # ---- introspection ---------------------------------------------------

    def stats(self):
        """The interface's counters (mdsa_stats_t) and, under "engine", its
        copy engine's counters and "name", the engine actually running
        ("backend" is the deprecated old key for it)."""
        st = ffi.new("mdsa_stats_t *")
        check(lib.mdsa_get_stats(self.handle, st))
        out = {k: getattr(st, k) for k in STATS_FIELDS}
        out["engine"] = {k: getattr(st.engine, k) for k in ENGINE_FIELDS}
        out["engine"]["memory_locked"] = bool(st.engine.memory_locked)
        out["engine"]["note"] = string(st.engine.note)
        out["engine"]["state"] = ("cpu-only" if st.engine.state == lib.MDSA_ENGINE_CPU_ONLY
                                  else "normal")
        out["engine"]["state_reason"] = string(st.engine.state_reason)
        out["engine"]["name"] = self.engine_name
        out["engine"]["backend"] = out["engine"]["name"]  # deprecated alias, one release
        return out

    @property
    def engine_name(self):
        """The copy engine actually running, e.g. "dsa-emu(sync,dedicated)"."""
        return string(lib.mdsa_engine_name(self.handle))

    def details(self):
        md = ffi.new("memif_details_t *")
        buf = ffi.new("char[]", 65536)
        check(lib.memif_get_details(self.handle, md, buf, len(buf)))

        def queues(arr, n):
            return [{"qid": arr[i].qid, "ring_size": arr[i].ring_size, "region": arr[i].region,
                     "polling": bool(arr[i].flags & lib.MEMIF_QUEUE_FLAG_POLLING),
                     "head": arr[i].head, "tail": arr[i].tail, "buffer_size": arr[i].buffer_size}
                    for i in range(n)] if arr != ffi.NULL else []

        return {
            "role": "primary" if md.role == 0 else "secondary",
            "id": md.id,
            "mode": MODE_NAMES.get(md.mode, str(md.mode)),
            "if_name": string(md.if_name),
            "app_name": string(md.inst_name),
            "remote_if_name": string(md.remote_if_name),
            "remote_app_name": string(md.remote_inst_name),
            "socket": string(md.socket_path),
            "connected": bool(md.link_up_down),
            "secret": md.secret != ffi.NULL,
            "disconnect_reason": string(md.error),
            "regions": [{"index": md.regions[i].index, "size": md.regions[i].size}
                        for i in range(md.regions_num)] if md.regions != ffi.NULL else [],
            "rx_queues": queues(md.rx_queues, md.rx_queues_num),
            "tx_queues": queues(md.tx_queues, md.tx_queues_num),
            "engine": self.engine_name,
            "copy_engine": self.engine_name,  # deprecated alias of "engine", one release
        }

    # ---- lifecycle -------------------------------------------------------

    def close(self):
        """Disconnect (the peer gets DISCONNECT "interface deleted") and free
        every fd and mapping.  Idempotent."""
        if self._conn is not None:
            h = ffi.new("memif_conn_handle_t *", self._conn)
            self._conn = None
            lib.memif_delete(h)
            self._pending.clear()
            if self.socket is not None and self in self.socket._interfaces:
                self.socket._interfaces.remove(self)
        if self._own_socket and self.socket is not None:
            self.socket.close()


    def __repr__(self):
        state = "closed" if self._conn is None else ("connected" if self.connected else "down")
        return f"<Interface {self.role} id={self.id} {self.socket.path} {self.mode} {state}>"


def dispatch_all():
    """Handle pending events of every socket in this process; returns their
    event fds (to wait on)."""
    fds = []
    for s in list(_live_sockets):
        if s._handle is not None:
            lib.mdsa_socket_dispatch(s._handle, 64)
            fds.append(lib.mdsa_socket_event_fd(s._handle))
    return fds


def _grow(need, current):
    return max(need, 2 * current)
