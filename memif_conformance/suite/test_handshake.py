# SPDX-License-Identifier: Apache-2.0
"""Handshake: the peer connects in both roles, honours the interface id,
the secret and the mode, speaks protocol version 2.0 (and only that), and
connects again after a disconnect.

Rules checked here (memif 2.0 as VPP and libmemif implement it):
- a primary with a secret refuses a secondary whose secret differs or is
  missing; a primary without one accepts any secondary;
- a primary refuses a secondary of another mode or an unknown id, and a
  second secondary for an id that is already connected;
- a secondary sends the id, mode and secret it was given, and retries
  after a refusal;
- HELLO offers a version range holding 2.0; a secondary answers a range
  holding 2.0 with INIT version 2.0 and refuses a range without it; a
  primary refuses INIT with another version.
"""

import struct

import pytest

from memif_conformance import hostile as H
from memif_conformance import packets as P
from memif_conformance.guard import awaiting

pytestmark = pytest.mark.feature("handshake")

SECRET = "conformance-s3cret"
VERSION = 0x0200
MODE_CODES = {"ethernet": 0, "ip": 1, "punt": 2}


def ping(lk):
    pkt = P.tagged(100, mode=lk.mode if lk.mode != "punt" else "ethernet")
    lk.assert_reflects([pkt])


def test_connects(link, note, peer_role):
    lk = link(peer_role)
    assert lk.iface.queues == (1, 1), "one queue pair each way unless asked for more"
    d = lk.iface.details()
    note(f"peer names itself app {d['remote_app_name']!r}, interface {d['remote_if_name']!r}")
    ping(lk)


@pytest.mark.parametrize("kind", ["file", "abstract"])
def test_socket_kind(link, peer_role, kind):
    """A socket file path, and an abstract name (@name: no file; libmemif,
    VPP and DPDK spell the address differently, and it took fixes in each
    before they met)."""
    lk = link(peer_role, socket_kind=kind)
    assert lk.socket.startswith("@") == (kind == "abstract")
    ping(lk)


def test_large_interface_id(link, peer_role):
    """Ids are 32-bit: one above 2**31 must survive the trip."""
    lk = link(peer_role, id=3_000_000_001)
    assert lk.iface.details()["id"] == 3_000_000_001
    ping(lk)


def test_unmatched_id(link, note, peer_role):
    if peer_role == "primary":
        lk = link(peer_role, id=5, ours=dict(id=6), connect=False)
        reason = lk.wait_outcome()
        assert reason is not None, ("rule broken: a primary serving id 5 accepted a secondary "
                                    "asking for id 6")
        note(f"refused with: {reason}")
        lk.iface.close()
        lk.open_ours(id=5)
        lk.wait_connected()
    else:
        # our socket serves ids 6 and 5: the peer (id 5) must pick 5
        lk = link(peer_role, id=5, ours=dict(id=6), connect=False)
        wrong = lk.iface
        lk.open_ours(share=True, id=5)
        lk.wait_connected()
        assert not wrong.connected, "rule broken: a secondary with id 5 connected to id 6"
    ping(lk)


def _secret_cases():
    x24, x23 = "x" * 24, "x" * 23
    return [  # (peer's secret, ours)
        pytest.param(SECRET, SECRET, id="same"),
        pytest.param(x24, x24, id="same-24-bytes"),
        pytest.param(SECRET, "not-the-secret", id="different"),
        pytest.param(x24, x23, id="24-vs-23-bytes"),
        pytest.param(x23, x24, id="23-vs-24-bytes"),
        pytest.param(SECRET, None, id="peer-only"),
        pytest.param(None, SECRET, id="ours-only"),
    ]


@pytest.mark.parametrize("peer_secret,our_secret", _secret_cases())
def test_secret(link, need, note, caps, peer_role, peer_secret, our_secret):
    need(secret=True)
    primary, secondary = (peer_secret, our_secret) if peer_role == "primary" else \
        (our_secret, peer_secret)
    refuse = bool(primary) and primary != secondary
    lk = link(peer_role, secret=peer_secret, our_secret=our_secret, connect=False)
    outcome = lk.wait_outcome()
    if not refuse:
        assert outcome is None, (f"the link did not come up: {outcome} (primary's secret "
                                 f"{primary!r}, secondary's {secondary!r})")
        lk.wait_connected()
        ping(lk)
        return
    if peer_role == "primary":
        assert outcome is not None, (f"rule broken: a primary with secret {primary!r} accepted a "
                                     f"secondary with {secondary!r}")
        note(f"refused with: {outcome}")
        lk.iface.close()
        lk.open_ours(secret=peer_secret)       # the peer still serves a good secondary
    else:
        want = "incorrect secret" if secondary else "secret required"
        saw = "the link come up" if outcome is None else repr(outcome)
        assert outcome == want, (f"the peer (secondary) was given secret {peer_secret!r}, but our "
                                 f"primary (secret {primary!r}) saw {saw}, not {want!r}: "
                                 f"it did not send the secret it was given")
        if not caps.reconnect:
            return
        lk.iface.close()
        lk.open_ours(secret=peer_secret)       # it tries again and gets in
    lk.wait_connected()
    ping(lk)


MISMATCHES = [("ethernet", "ip"), ("ethernet", "punt"), ("ip", "ethernet"), ("punt", "ethernet")]


@pytest.mark.parametrize("mode,our_mode", MISMATCHES, ids=[f"{a}-vs-{b}" for a, b in MISMATCHES])
def test_mode_mismatch(link, need, note, caps, peer_role, mode, our_mode):
    """A primary refuses a secondary of another mode -- if it checks modes at
    all: libmemif does not (a capability, checks_mode)."""
    if peer_role == "primary":
        need(checks_mode=True)
    lk = link(peer_role, mode=mode, ours=dict(mode=our_mode), connect=False)
    outcome = lk.wait_outcome()
    if peer_role == "primary":
        assert outcome is not None, (f"rule broken: a primary in {mode} mode accepted a secondary "
                                     f"in {our_mode} mode")
        note(f"refused with: {outcome}")
    else:
        saw = "the link come up" if outcome is None else repr(outcome)
        assert outcome == "mode mismatch", (f"the peer (secondary) in {mode} mode: our primary in "
                                            f"{our_mode} mode saw {saw}, not 'mode mismatch'")
        if not caps.reconnect:
            return
    lk.iface.close()
    lk.open_ours(mode=mode)
    lk.wait_connected()
    ping(lk)


@pytest.mark.roles("primary")
def test_second_secondary_is_refused(link, note, peer_role):
    lk = link(peer_role)
    first = lk.iface
    second = lk.open_ours()
    reason = lk.wait_outcome(second)
    assert reason is not None, "rule broken: a primary accepted a second secondary for a connected id"
    note(f"refused with: {reason}")
    second.close()
    lk.iface = first
    assert first.connected, "refusing the second secondary took the first link down"
    ping(lk)


def test_reconnect(link, caps, peer_role, engine):
    """Our side leaves and comes back three times; the peer serves each."""
    if peer_role == "secondary" and not caps.reconnect:
        pytest.skip("peer lacks reconnect")
    lk = link(peer_role, engine)
    for round_ in range(3):
        lk.assert_reflects([P.tagged(60 + round_, seq=round_)], context=f"round {round_}")
        lk.close_ours()
        lk.open_ours()
        lk.wait_connected()
    ping(lk)


# ---- the wire: HELLO, INIT and versions, seen through a raw socket ------------

HELLO = struct.Struct("<32sHHHHHB")
INIT = struct.Struct("<HIB24s32s")


@pytest.mark.roles("primary")
def test_hello_offers_version_2_0(link, note, peer_role):
    lk = link(peer_role, start=False)
    raw, (name, vmin, vmax, max_region, max_m2s, max_s2m, max_log2) = lk.raw_hello()
    raw.close()
    assert vmin <= VERSION <= vmax, f"HELLO offers versions {vmin:#06x}..{vmax:#06x}, not 2.0"
    app = name.split(b"\0")[0].decode(errors="replace")
    lk.peer_app = app
    note(f"HELLO: app {app!r}, versions {vmin:#06x}..{vmax:#06x}, max region {max_region}, "
         f"max rings m2s {max_m2s} s2m {max_s2m}, max log2 ring {max_log2}")


def _refusal(lk, raw, what):
    data = raw.recv(lk.timeouts.connect)
    assert data is not None, f"after {what} the peer neither refused (DISCONNECT) nor closed"
    if data == b"":
        return "connection closed"
    mtype, payload = H.parse(data)
    assert mtype == H.DISCONNECT, f"rule broken: after {what} the peer answered message type {mtype}"
    return payload


@pytest.mark.roles("primary")
def test_init_with_another_version_is_refused(link, note, peer_role):
    lk = link(peer_role, start=False)
    raw, _ = lk.raw_hello()
    raw.send(H.init(version=0x0300))
    note(f"refused with: {_refusal(lk, raw, 'INIT version 3.0')}")
    raw.close()


@pytest.fixture
def raw_primary(link, peer_role):
    """raw_primary() -> (link, connection): a raw listener standing in for a
    primary, and the peer (secondary) connected to it.  Called in the test,
    so a peer that fails to start is that test's failure."""
    listeners = []

    def connect():
        lk = link(peer_role, start=False, id=77, secret=SECRET)
        listener = H.Listener(lk.socket)
        listeners.append(listener)
        lk.start_peer()
        with awaiting("the peer (secondary) to connect to our raw listener"):
            raw = listener.accept(timeout=lk.timeouts.connect)
        assert raw is not None, (f"the peer (secondary) did not connect within "
                                 f"{lk.timeouts.connect:g}s (timeouts.connect)")
        listeners.append(raw)
        return lk, raw

    yield connect
    for x in reversed(listeners):
        x.close()


def _init_after(lk, raw, vmin, vmax):
    raw.send(H.hello(minv=vmin, maxv=vmax))
    data = raw.recv(lk.timeouts.connect)
    assert data, f"the peer sent nothing after HELLO {vmin:#06x}..{vmax:#06x}"
    mtype, payload = H.parse(data)
    return mtype, payload


@pytest.mark.roles("secondary")
def test_init_carries_what_the_secondary_was_given(peer_role, raw_primary):
    lk, raw = raw_primary()
    mtype, payload = _init_after(lk, raw, VERSION, VERSION)
    assert mtype == H.INIT, f"answer to HELLO is message type {mtype}, not INIT"
    version, iid, mode, secret, name = INIT.unpack_from(payload)
    lk.peer_app = name.split(b"\0")[0].decode(errors="replace")
    assert version == VERSION, f"INIT version {version:#06x}, not 2.0"
    assert iid == 77, f"INIT id {iid}, the peer was given 77"
    assert mode == MODE_CODES[lk.mode], f"INIT mode {mode}, the peer was given {lk.mode}"
    sent = secret.rstrip(b"\0").decode(errors="replace")
    assert secret == SECRET.encode().ljust(24, b"\0"), (
        f"rule broken: the peer was given secret {SECRET!r} but its INIT carries "
        f"{sent!r}" + (" (no secret)" if not sent else ""))


@pytest.mark.roles("secondary")
def test_secondary_picks_2_0_from_a_range(peer_role, raw_primary):
    lk, raw = raw_primary()
    mtype, payload = _init_after(lk, raw, 0x0100, 0x03FF)
    assert mtype == H.INIT, (f"rule broken: HELLO offering 1.0..3.255 (2.0 included) answered "
                             f"with message type {mtype}, not INIT")
    assert INIT.unpack_from(payload)[0] == VERSION, "INIT must name version 2.0"


@pytest.mark.roles("secondary")
def test_secondary_refuses_versions_without_2_0(peer_role, raw_primary, note):
    lk, raw = raw_primary()
    raw.send(H.hello(minv=0x0300, maxv=0x0301))
    note(f"refused with: {_refusal(lk, raw, 'HELLO offering only 3.0..3.1')}")
