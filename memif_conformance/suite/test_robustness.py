# SPDX-License-Identifier: Apache-2.0
"""Robustness: a hostile secondary attacks the peer as primary, a hostile
primary attacks it as secondary, with every case of
memif_conformance/robustness_cases.py (classes and cases: docs/robustness.md).

What the peer answers is its own business; what counts is that it
survives: after each case its process is alive (and its declared health
check passes) and it serves a well-behaved interface of ours byte for
byte within 5 seconds.  Otherwise the case *crashed* (the process died)
or *hung*.  A peer as secondary that does not reconnect (capability
`reconnect` false) is only checked for being alive, then restarted.  Each
failure names a command that replays that one case; the certificate
carries the score per class (certification.json "robustness").

The peer is shared by the cases of one role and engine (one process per
xdist worker), restarted after a case that killed or hung it.
"""

import json
import os
import shlex
import shutil
import signal
import tempfile
import time
import uuid

import pytest

from memif_conformance import hostile as H
from memif_conformance import robustness as RB
from memif_conformance import robustness_cases as R
from memif_conformance.guard import awaiting
from memif_conformance.peers.base import PeerConfig

pytestmark = pytest.mark.feature("robustness")
OURS = {"primary": "secondary", "secondary": "primary"}


class Pool:
    """The running peers of this worker, one per (role, engine)."""

    def __init__(self, adapter):
        self.adapter, self.caps, self.timeouts = adapter, adapter.capabilities, adapter.timeouts
        self.peers, self.paths, self.cases = {}, {}, {}
        self.dir = tempfile.mkdtemp(prefix="memif-robust-")

    def path(self, role, engine, fresh=False):
        """The socket of (role, engine); fresh: a new one (a dead primary may
        leave its socket file behind)."""
        key = (role, engine)
        if fresh or key not in self.paths:
            name = f"robust-{uuid.uuid4().hex[:12]}"
            self.paths[key] = (f"@memif-{name}" if self.caps.abstract_sockets
                               else os.path.join(self.dir, f"{name}.sock"))
        return self.paths[key]

    def get(self, role, engine):
        """The running peer of (role, engine), started if there is none."""
        key = (role, engine)
        handle = self.peers.get(key)
        if handle is not None and handle.alive:
            return handle
        self.drop(role, engine)
        path = self.path(role, engine, fresh=role == "primary")
        own_engine = engine if engine in self.caps.engines else None
        lo, hi = self.caps.ring_sizes
        cfg = PeerConfig(role=role, socket=path, ring_size=min(max(256, lo), hi), engine=own_engine)
        handle = self.adapter.start(cfg)
        self.peers[key] = handle
        try:
            with awaiting("the peer to say it is ready"):
                handle.wait_ready(self.timeouts.ready)
        except TimeoutError as e:
            raise AssertionError(f"the peer did not get ready: {e}") from None
        return handle

    def history(self, role, engine):
        """The cases the running peer of (role, engine) went through (none: a fresh one)."""
        handle = self.peers.get((role, engine))
        return list(self.cases.get((role, engine), [])) if handle is not None and handle.alive else []

    def served(self, role, engine, case):
        self.cases.setdefault((role, engine), []).append(case)

    def drop(self, role, engine):
        """Done with this peer: SIGKILL (its shutdown is not what the group tests)."""
        self.cases.pop((role, engine), None)
        handle = self.peers.pop((role, engine), None)
        if handle is not None:
            handle.kill()

    def close(self):
        for role, engine in list(self.peers):
            self.drop(role, engine)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pool(peer_adapter):
    p = Pool(peer_adapter)
    yield p
    p.close()


def reproducer(config, name, role, engine):
    """A command that replays this one case (memif-dsa certify, one test)."""
    from memif_conformance.plugin import OPTIONS
    o = config.stash[OPTIONS]
    po = o.peer_options
    args = ["memif-dsa", "certify", "--peer", o.peer]
    if po.cmd:
        args += ["--peer-cmd", po.cmd]
    if po.caps:
        args += ["--peer-caps", os.path.abspath(po.caps)]
    for k, v in po.extra.items():
        args += ["--peer-opt", f"{k}={v}"]
    args += ["--roles", role, "--engines", engine, "--jobs", "0", "--"]
    for opt, value in (("ready", po.ready), ("connected", po.connected),
                       ("disconnected", po.disconnected)):
        if value:
            args += [f"--memif-peer-{opt}", value]
    return shlex.join(args + ["-k", name])


def died(handle, since, when):
    """Why the case crashed: how the peer died, `when`, and its output since the case began."""
    rc = getattr(handle, "returncode", None)
    how = (f"killed by {signal.Signals(-rc).name}" if rc is not None and rc < 0 and
           -rc in signal.valid_signals() else f"exit status {rc}")
    tail = "\n".join(handle.log().splitlines()[since:][-15:])
    return f"the peer died ({how}) {when}; its output since the case began:\n{tail}"


def attack(pool, case, role, engine):
    """Play the case against the pool's peer: (the peer's handle, the number of
    its output lines before the case, its answer, notes)."""
    if role == "primary":
        handle = pool.get(role, engine)
        since = len(handle.log().splitlines())
        path = pool.path(role, engine)
        with awaiting(f"hostile case {R.case_id(case)}"):
            try:
                answer, notes = RB.play(case, path=path, alive=lambda: handle.alive)
            except OSError as e:
                if handle.alive:
                    raise AssertionError(f"the peer (primary) refused our hostile secondary's "
                                         f"connection: {e}") from None
                answer, notes = None, [f"could not connect: {e}"]
        return handle, since, answer, notes
    if not pool.caps.reconnect:
        pool.drop(role, engine)           # it will not come back to us: a new one per case
    path = pool.path(role, engine)
    listener = H.Listener(path)
    try:
        handle = pool.get(role, engine)
        since = len(handle.log().splitlines())
        with awaiting("the peer (secondary) to connect to our hostile primary"):
            raw = listener.accept(timeout=pool.timeouts.connect)
        if raw is None:
            if not handle.alive:
                return handle, since, None, ["the peer died before connecting"]
            raise AssertionError(f"the peer (secondary) did not connect to our listener within "
                                 f"{pool.timeouts.connect:g} s (timeouts.connect)")
        with awaiting(f"hostile case {R.case_id(case)}"):
            answer, notes = RB.play(case, conn=raw.sock, alive=lambda: handle.alive)
    finally:
        listener.close()
    return handle, since, answer, notes


def gone(handle, grace=1.0):
    """Whether the peer is dead, or dies within `grace` s: a peer that closed
    our link by dying may not have been reaped yet when we look."""
    deadline = time.monotonic() + grace
    while handle.alive:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)   # polling the process state: there is no event for its exit here
    return True


def judge(pool, handle, since, role, engine, checker, expect):
    """(outcome, why) after a case: survived, crashed or hung."""
    if not handle.alive:
        return "crashed", died(handle, since, "during the case")
    problem = handle.health()
    if problem:
        return "hung", problem
    if role == "secondary" and not pool.caps.reconnect:
        return "survived", "alive (the peer does not reconnect, so it was not asked to serve)"
    with awaiting("the peer to serve a well-behaved interface"):
        why = RB.serves(OURS[role], pool.path(role, engine), engine, checker, pool.caps, expect)
    if why is None:
        return "survived", ""
    if gone(handle):
        return "crashed", died(handle, since, "just after the case (before it served a well-behaved peer)")
    return "hung", f"the peer is running but does not serve: {why}"


def run_case(request, pool, case, peer_role, engine, checker, peer_adapter):
    if case.cls in pool.caps.robustness_exclude:
        pytest.skip(f"peer declares robustness class {case.cls!r} too destructive "
                    f"(robustness_exclude)")
    from memif_conformance.plugin import OPTIONS
    first = request.config.stash[OPTIONS].engines[0]
    if engine != first and engine not in pool.caps.engines:
        # the hostile side has no engine; ours only carries the well-behaved probe
        pytest.skip(f"peer does not run our copy engines: how it meets a hostile peer does not "
                    f"depend on ours (each case runs once, with {first})")
    served = pool.history(peer_role, engine)
    handle, since, answer, notes = attack(pool, case, peer_role, engine)
    outcome, why = judge(pool, handle, since, peer_role, engine, checker, peer_adapter.expect)
    pool.served(peer_role, engine, R.case_id(case))
    if outcome != "survived":
        pool.drop(peer_role, engine)      # the next case gets a fresh peer
        known = pool.caps.known_defects
        strict = any(k == "defect" and not known.get(v, "").startswith("flaky:")
                     for k, v in request.node.user_properties)
        if served and not strict:
            # the peer had been through other cases: does this one alone do it?
            # (not for a strict declared defect: the declaration says it does, every time)
            handle, since, answer, notes = attack(pool, case, peer_role, engine)
            alone, why_alone = judge(pool, handle, since, peer_role, engine, checker,
                                     peer_adapter.expect)
            pool.served(peer_role, engine, R.case_id(case))
            if alone == "survived":
                request.node.user_properties.append(("robustness_collateral", json.dumps({
                    "outcome": outcome, "why": why.split("\n")[0], "after": served})))
                request.node.user_properties.append(("note", (
                    f"the shared peer {outcome} during this case after {len(served)} earlier "
                    f"case(s), but this case alone leaves a fresh peer serving: not counted "
                    f"against it (the certificate lists such deaths)")))
            else:
                pool.drop(peer_role, engine)
            outcome, why = alone, why_alone
    cmd = reproducer(request.config, request.node.name, peer_role, engine)
    record = {"case": R.case_id(case), "class": case.cls, "outcome": outcome,
              "answer": answer if answer is not None else "", "reproducer": cmd}
    request.node.user_properties.append(("robustness", json.dumps(record)))
    if answer:
        request.node.user_properties.append(("note", f"answered: {answer}"))
    if outcome != "survived":
        raise AssertionError(f"{outcome}: hostile case {R.case_id(case)} ({case.cls}: {case.name}) "
                             f"against the peer as {peer_role}; {why}\n"
                             f"what happened: {'; '.join(notes)}\nreproduce: {cmd}")


def _cases(target):
    return [pytest.param(c, id=R.case_id(c)) for c in R.by_target(target)]


@pytest.mark.roles("primary")
@pytest.mark.parametrize("case", _cases("primary"))
def test_hostile_secondary(request, pool, case, peer_role, engine, checker, peer_adapter):
    """We attack the peer (primary) as a hostile secondary."""
    run_case(request, pool, case, peer_role, engine, checker, peer_adapter)


@pytest.mark.roles("secondary")
@pytest.mark.parametrize("case", _cases("secondary"))
def test_hostile_primary(request, pool, case, peer_role, engine, checker, peer_adapter):
    """We attack the peer (secondary) as a hostile primary."""
    run_case(request, pool, case, peer_role, engine, checker, peer_adapter)
