# SPDX-License-Identifier: Apache-2.0
"""Where a certification came from: the suite's version and commit, the
vectors it sent, the machine, and the command that ran it."""

import functools
import hashlib
import os
import platform
import shlex
import subprocess
import sys

PACKAGE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(PACKAGE)
# `memif-dsa certify` runs pytest for you; it passes its own command line on
CERTIFY_COMMAND_ENV = "MEMIF_DSA_CERTIFY_COMMAND"


def _git(*args):
    """git in the source tree this package runs from; None for an installed
    copy (its parent is site-packages, maybe inside some other checkout)."""
    if not os.path.exists(os.path.join(REPO, ".git")):
        return None
    try:
        r = subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


@functools.lru_cache(maxsize=None)
def suite():
    from libmemif_dsa import __version__
    commit = _git("rev-parse", "HEAD") or "unknown (not a git checkout)"
    if _git("status", "--porcelain", "--untracked-files=no", "--", "memif_conformance",
            "libmemif_dsa"):
        commit += " (with uncommitted changes)"
    return {"name": "libmemif-dsa memif conformance suite", "version": __version__,
            "commit": commit}


@functools.lru_cache(maxsize=None)
def vectors():
    path = os.path.join(PACKAGE, "vectors", "manifest.json")
    with open(path, "rb") as f:
        return {"manifest": "memif_conformance/vectors/manifest.json",
                "manifest_sha256": hashlib.sha256(f.read()).hexdigest()}


def host():
    return {"machine": platform.node(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "python": platform.python_version()}


def command_line(invocation_params):
    """The command as typed: certify's own when it started pytest, else
    pytest's arguments."""
    certify = os.environ.get(CERTIFY_COMMAND_ENV)
    if certify:
        return certify
    return shlex.join([os.path.basename(sys.executable), "-m", "pytest",
                       *map(str, invocation_params.args)])
