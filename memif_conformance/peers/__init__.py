# SPDX-License-Identifier: Apache-2.0
"""Peer adapters: which memif implementation the conformance suite tests.

    adapter = memif_conformance.peers.create("self", PeerOptions())

A name is either a module of this package (memif_conformance/peers/<name>.py;
`self` lives in self_peer.py) or an entry point another package registers
in the group `memif_conformance.peers`, e.g. in its pyproject.toml:

    [project.entry-points."memif_conformance.peers"]
    acme = "acme_memif.conformance"          # a module, or "module:AdapterClass"

See base.PeerAdapter for what an adapter provides.  A module gives
`make_adapter(options)` or defines one PeerAdapter subclass.
"""

import importlib
import importlib.util
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Dict, Optional

from .base import Capabilities, PeerAdapter, PeerConfig, PeerHandle  # noqa: F401

GROUP = "memif_conformance.peers"
MODULES = {"self": "self_peer"}
NOT_ADAPTERS = {"base", "process", "self_peer"}


@dataclass
class PeerOptions:
    """The --memif-peer-* command-line options, for adapters that take settings."""
    cmd: Optional[str] = None          # --memif-peer-cmd TEMPLATE
    caps: Optional[str] = None         # --memif-peer-caps FILE.json
    ready: Optional[str] = None        # --memif-peer-ready REGEX
    connected: Optional[str] = None    # --memif-peer-connected REGEX
    disconnected: Optional[str] = None  # --memif-peer-disconnected REGEX
    extra: Dict[str, str] = field(default_factory=dict)  # --memif-peer-opt KEY=VALUE


def _builtin():
    names = {"self": "self_peer"}
    for m in pkgutil.iter_modules(__path__):
        if m.name not in NOT_ADAPTERS and not m.name.startswith("_") and m.ispkg is False:
            names[m.name] = m.name
    return names


def _entry_points():
    """{name: EntryPoint} of the memif_conformance.peers group."""
    from importlib.metadata import entry_points
    try:
        eps = entry_points(group=GROUP)
    except TypeError:   # Python < 3.10
        eps = entry_points().get(GROUP, [])
    return {ep.name: ep for ep in eps}


def available():
    """Names --memif-peer accepts here: built-in adapters, then other packages'."""
    return sorted(_builtin()) + sorted(n for n in _entry_points() if n not in _builtin())


def _from_module(mod, options, where):
    factory = getattr(mod, "make_adapter", None)
    if factory is not None:
        return factory(options)
    classes = [c for c in vars(mod).values()
               if inspect.isclass(c) and issubclass(c, PeerAdapter) and c is not PeerAdapter
               and c.__module__ == mod.__name__]
    if not classes:
        raise LookupError(f"{where} defines no make_adapter() and no PeerAdapter")
    return _from_class(classes[0], options)


def _from_class(cls, options):
    takes_options = len(inspect.signature(cls).parameters) > 0
    return cls(options) if takes_options else cls()


def _load(name):
    """(kind, object, where) for a peer name: a built-in module, or what an
    entry point names (a module or an adapter class)."""
    builtin = _builtin()
    if name in builtin:
        return "module", importlib.import_module(f"{__name__}.{builtin[name]}"), \
            f"memif_conformance/peers/{builtin[name]}.py"
    ep = _entry_points().get(name)
    if ep is None:
        raise LookupError(f"unknown peer {name!r} (available: {', '.join(available())})")
    try:
        obj = ep.load()
    except Exception as e:   # noqa: BLE001 - the other package's fault, named
        raise LookupError(f"peer {name!r}: entry point {ep.value} ({GROUP}) does not load: "
                          f"{type(e).__name__}: {e}") from None
    return ("class" if inspect.isclass(obj) else "module"), obj, f"entry point {ep.value}"


def create(name: str, options: PeerOptions) -> PeerAdapter:
    kind, obj, where = _load(name)
    if kind == "class":
        if not issubclass(obj, PeerAdapter):
            raise LookupError(f"peer {name!r}: {where} is not a PeerAdapter")
        return _from_class(obj, options)
    return _from_module(obj, options, where)


def describe_all():
    """[(name, where from, first sentence of its description, its
    --peer-opt settings {key: what})] of every adapter."""
    from ..listing import summary
    out = []
    for name in available():
        try:
            kind, obj, where = _load(name)
            doc, settings = inspect.getdoc(obj) or "", getattr(obj, "OPTIONS", {})
        except LookupError as e:
            where, doc, settings = "(broken)", str(e), {}
        out.append((name, where, summary(doc), settings))
    return out


def print_list():
    rows = describe_all()
    width = max(len(r[0]) for r in rows)
    for name, where, text, settings in rows:
        print(f"{name:{width}}  {text}\n{'':{width}}  ({where})")
        for key, what in settings.items():
            print(f"{'':{width}}    --peer-opt {key}=...: {what}")
    return 0
