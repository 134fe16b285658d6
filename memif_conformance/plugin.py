# SPDX-License-Identifier: Apache-2.0
"""The conformance suite's pytest plugin (registered under the `pytest11`
entry point, so every pytest run where libmemif-dsa is installed has it;
it acts only on tests marked with a conformance feature).

It picks the peer adapter (--memif-peer), parametrizes tests over the peer's
roles (`peer_role`) and our copy engines (`engine`), skips what the peer
lacks, turns the peer's known defects into strict xfails, hands tests a
`link` factory (our interface + a running peer), vectors and a pcap-writing
`checker`, and writes the certification report (--memif-report DIR).
"""

import dataclasses
import functools
import json
import os
import shutil
import tempfile
import uuid

import pytest

from libmemif_dsa import MemifError

from . import declaration
from . import options as opts_mod
from . import peers, progress
from .compare import Checker
from .engine_check import EngineCheckFailed, summary, totals, uses_dsa
from .guard import time_limit
from .known_defects import KnownDefects, is_flaky
from .link import Link
from .report import Recorder, failure_text, item_dims

OPTIONS = pytest.StashKey()
ADAPTER = pytest.StashKey()
DEFECTS = pytest.StashKey()
LINKS = pytest.StashKey()
REFUSED = pytest.StashKey()
REFUSAL = "memif_conformance_refusal"

# What a defect of the peer looks like when a test hits it: a broken rule
# (AssertionError, timeouts included), our link torn down, a wait that ran
# out.  A known defect xfails only these; anything else (a fault of the
# suite, an engine check of our own side) still fails.
PEER_FAILURES = (AssertionError, MemifError, TimeoutError)


def pytest_addoption(parser):
    opts_mod.add(parser)


def check_adapter(adapter):
    """The declaration an adapter module makes in Python goes through the
    same checks as a --memif-peer-caps file."""
    where = f"peer {adapter.name}"
    caps = {k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(adapter.capabilities).items()}
    declaration.check_capabilities(caps, where)
    declaration.check_timeouts(dataclasses.asdict(adapter.timeouts), where)
    return KnownDefects(adapter.capabilities.known_defects)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.addinivalue_line("markers", "feature(name): the conformance feature a test belongs to")
    config.addinivalue_line("markers", "roles(*roles): the only peer roles a test applies to")
    try:
        options = opts_mod.parse(config)
        adapter = peers.create(options.peer, options.peer_options)
        defects = check_adapter(adapter)
    except (LookupError, ValueError) as e:
        raise pytest.UsageError(str(e)) from None
    config.stash[OPTIONS] = options
    config.stash[ADAPTER] = adapter
    config.stash[DEFECTS] = defects
    if options.report:
        options.report = os.path.abspath(options.report)
        os.makedirs(options.report, exist_ok=True)
        if not config.option.xmlpath:
            config.option.xmlpath = os.path.join(options.report, "junit.xml")
        if not hasattr(config, "workerinput"):
            config.pluginmanager.register(Recorder(options.report, adapter, options),
                                          "memif-conformance-report")
    if options.progress:
        progress.register(config)


def pytest_generate_tests(metafunc):
    """`peer_role` and `engine` come from --memif-roles and --memif-engines, unless the
    test parametrizes them itself."""
    if metafunc.definition.get_closest_marker("feature") is None:
        return
    options = metafunc.config.stash[OPTIONS]
    own = {name.strip() for m in metafunc.definition.iter_markers("parametrize")
           for name in (m.args[0].split(",") if isinstance(m.args[0], str) else m.args[0])}
    if "peer_role" in metafunc.fixturenames and "peer_role" not in own:
        mark = metafunc.definition.get_closest_marker("roles")
        roles = [r for r in options.roles if mark is None or r in mark.args]
        metafunc.parametrize("peer_role", roles, ids=[f"peer-{r}" for r in roles])
    if "engine" in metafunc.fixturenames and "engine" not in own:
        metafunc.parametrize("engine", options.engines)


def _feature(item):
    mark = item.get_closest_marker("feature")
    return mark.args[0] if mark else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Before -k/-m deselect anything: mark known defects as xfails and hold
    the declaration's keys against the suite's tests."""
    defects = config.stash[DEFECTS]
    tests, functions = [], {}
    for item in items:
        feature = _feature(item)
        if feature is None:
            continue
        dims = item_dims(item, feature)
        item.user_properties.append(("conformance", json.dumps(dims)))
        test_id = getattr(getattr(item, "callspec", None), "id", "")
        tests.append((feature, item.originalname, dims["params"], test_id))
        functions.setdefault(feature, set()).update(
            name for name, obj in vars(item.module).items()
            if name.startswith("test_") and callable(obj))
        hit = defects.lookup(feature, item.originalname, dims["params"], test_id)
        if hit:
            key, reason = hit
            item.user_properties.append(("defect", key))
            item.add_marker(pytest.mark.xfail(reason=f"known defect of the peer: {reason}",
                                              strict=not is_flaky(reason), raises=PEER_FAILURES))
    options = config.stash[OPTIONS]
    excluded = ([r for r in opts_mod.ROLES if r not in options.roles]
                + [e for e in opts_mod.ENGINES if e not in options.engines])
    narrowed = any("[" in str(a) for a in config.args)
    try:
        defects.check_collected(tests, functions, excluded, narrowed)
    except declaration.DeclarationError as e:
        refuse(config, items, f"peer {config.stash[ADAPTER].name}: {e}")


def refuse(config, items, message):
    """A declaration the suite's tests show to be wrong: nothing runs.  An
    xdist worker cannot stop the session itself: it runs nothing and hands
    the reason to the controller (pytest_testnodedown)."""
    config.stash[REFUSED] = message
    if not hasattr(config, "workerinput"):
        raise pytest.UsageError(message)
    config.workeroutput[REFUSAL] = message
    config.hook.pytest_deselected(items=list(items))
    items[:] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    message = getattr(node, "workeroutput", {}).get(REFUSAL)
    if message:
        node.config.stash[REFUSED] = message


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    if refused(session.config):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR


def pytest_terminal_summary(terminalreporter, config):
    message = refused(config)
    if message:
        terminalreporter.write_line(f"ERROR: {message}", red=True)


def refused(config):
    """Why the declaration was refused after collection (xdist), or None."""
    return config.stash.get(REFUSED, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """The declaration's per-test time limit, around the test and the
    checks that end it."""
    if _feature(item) is None:
        return (yield)
    with time_limit(item.config.stash[ADAPTER].timeouts.test):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    """After a test body that passed, its links are closed and checked in the
    test itself: a peer that died, or a DSA cell whose bytes did not all
    go through our engine, is that test's one failure (not a teardown
    error on top of its outcome)."""
    result = yield
    if _feature(pyfuncitem) is not None:
        finish_links(pyfuncitem, check=True)
    return result


def finish_links(item, check):
    """Close the test's links (again: nothing happens) and record what the
    report shows of them; with check, fail for a peer that died or a DSA
    cell our engine did not fully serve."""
    links = item.stash.get(LINKS, [])
    for lk in reversed(links):
        lk.close()
    recorded = {k for k, _ in item.user_properties}
    dsa = [lk for lk in links if uses_dsa(lk.engine) and lk.ifaces]
    if dsa and "engine" not in recorded:
        ifaces = [i for lk in dsa for i in lk.ifaces]
        item.user_properties.append(("engine", summary(totals(ifaces))))
    apps = [lk.peer_app for lk in links if lk.peer_app]
    if apps and "peer_app" not in recorded:
        item.user_properties.append(("peer_app", apps[0]))
    if not check:
        return
    for lk in links:
        why = lk.died()
        if why:
            raise AssertionError(why)
    for lk in dsa:
        why = lk.engine_problem()
        if why:
            raise EngineCheckFailed(why)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _feature(item) is None:
        return
    xfailed = getattr(report, "wasxfail", None) is not None and report.skipped
    if report.when == "call" and xfailed and call.excinfo is not None:
        report.user_properties.append(("failure", failure_text(call.excinfo)))
    if (report.failed or xfailed) and report.when != "setup":
        for i, link in enumerate(item.stash.get(LINKS, [])):
            for j, peer in enumerate(link.peers):
                report.sections.append((f"peer {i}.{j} ({link.peer_role}) output", peer.log()[-20000:]))


# ---- fixtures ---------------------------------------------------------------

@pytest.fixture(scope="session")
def peer_adapter(pytestconfig):
    return pytestconfig.stash[ADAPTER]


@pytest.fixture(scope="session")
def caps(peer_adapter):
    return peer_adapter.capabilities


@functools.lru_cache(maxsize=None)
def _engine_usable(engine):
    from libmemif_dsa.cli import _probe_engine
    ok, text = _probe_engine(engine, None)
    return None if ok else text


@pytest.fixture(autouse=True)
def _conformance_gate(request, pytestconfig):
    """Skip (with the reason) what the peer cannot do or this host cannot run."""
    if _feature(request.node) is None:
        return
    caps = pytestconfig.stash[ADAPTER].capabilities
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    for key, cap in (("peer_role", "roles"), ("mode", "modes")):
        if key in params:
            reason = caps.lacks(**{cap: params[key]})
            if reason:
                pytest.skip(reason)
    engine = params.get("engine") or str(params.get("variant", "")).split(":")[0]
    if engine in ("dsa-hw",):
        problem = _engine_usable(engine)
        if problem:
            if pytestconfig.stash[OPTIONS].require_dsa_hw:
                pytest.fail(f"--memif-require-dsa-hw: no usable DSA hardware: {problem}", pytrace=False)
            pytest.skip(f"no usable DSA hardware: {problem}")


@pytest.fixture
def need(caps):
    """need(chaining=True, max_frame=9018, ...): skip unless the peer can."""
    def check(**what):
        reason = caps.lacks(**what)
        if reason:
            pytest.skip(reason)
    return check


@pytest.fixture
def note(request):
    """note(text): a remark shown next to this test in the report."""
    return lambda text: request.node.user_properties.append(("note", text))


@pytest.fixture
def checker(request, pytestconfig, tmp_path):
    report = pytestconfig.stash[OPTIONS].report
    outdir = os.path.join(report, "pcaps") if report else str(tmp_path)
    return Checker(outdir, request.node.nodeid, base=report,
                   record=lambda k, v: request.node.user_properties.append((k, v)))


@pytest.fixture
def new_socket(caps):
    """new_socket(kind=None): a socket no other test uses; kind "file" or
    "abstract" (default: a file socket if the peer can use one)."""
    dirs = []

    def make(kind=None):
        kind = kind or ("file" if caps.file_sockets else "abstract")
        if kind == "abstract":
            return f"@memif-conformance-{uuid.uuid4().hex}"
        d = tempfile.mkdtemp(prefix="memif-conf-", dir="/tmp" if os.path.isdir("/tmp") else None)
        dirs.append(d)
        return os.path.join(d, f"{uuid.uuid4().hex[:12]}.sock")

    yield make
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def link(request, peer_adapter, caps, checker, new_socket):
    """link(peer_role, engine="cpu", connect=True, socket_kind=None, ours={...},
    start=True, **settings) -> Link, up and connected (see memif_conformance.link.Link
    for the settings; start=False: nothing started yet).  Closed at the end
    of the test, which fails if the peer died on its own meanwhile or, on a
    DSA engine, if our engine did not copy every byte."""
    made = request.node.stash.setdefault(LINKS, [])

    def make(peer_role, engine="cpu", connect=True, socket_kind=None, ours=None, start=True,
             **settings):
        reason = caps.lacks(roles=peer_role, modes=settings.get("mode", "ethernet"))
        if reason:
            pytest.skip(reason)
        if socket_kind:
            reason = caps.lacks(**{f"{socket_kind}_sockets": True})
            if reason:
                pytest.skip(reason)
        lk = Link(peer_adapter, peer_role, new_socket(socket_kind), checker, engine=engine,
                  **settings)
        made.append(lk)
        return lk.up(connect=connect, **(ours or {})) if start else lk

    yield make
    finish_links(request.node, check=False)   # after a failure or skip: clean up, no second outcome


@functools.lru_cache(maxsize=None)
def _vectors(name):
    from memif_conformance import vectors
    return tuple(vectors.load(name))


@pytest.fixture(scope="session")
def vector_set():
    """vector_set(name) -> tuple of vectors.Vector (loaded and verified once)."""
    return _vectors
