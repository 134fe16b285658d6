"""The C library as a C user gets it: `make install`, pkg-config, a program
written only against the libmemif 4.0 API, and the exported-symbol map."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = bool(os.environ.get("MEMIF_DSA_SANITIZE"))
SAN_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"] if SANITIZE else []


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    build = tmp_path_factory.mktemp("build")
    cmd = ["make", "-s", "-C", str(ROOT), f"BUILD={build}", f"PREFIX={prefix}", "install"]
    if SANITIZE:
        cmd.append("SANITIZE=1")
    subprocess.run(cmd, check=True)
    return prefix


def pkg_config(prefix, *args):
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    return subprocess.run(["pkg-config", *args], env=env, check=True, capture_output=True,
                          text=True).stdout.split()


@pytest.mark.parametrize("pc", ["libmemif", "libmemif-dsa"])
def test_libmemif_program_builds_and_runs(prefix, tmp_path, pc):
    exe = tmp_path / "api_example"
    flags = pkg_config(prefix, "--cflags", "--libs", pc)
    subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", *SAN_FLAGS,
                    str(ROOT / "tests" / "c" / "api_example.c"), "-o", str(exe), *flags], check=True)
    env = dict(os.environ, LD_LIBRARY_PATH=str(prefix / "lib"))
    env.pop("LD_PRELOAD", None) if not SANITIZE else None
    r = subprocess.run([str(exe), str(tmp_path / "api.sock"), "300"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("OK: sent 300 echoed 300 verified 300 failed 0 (remote master)")


def declared_functions():
    names = set()
    for h in ("libmemif.h", "memif_dsa.h"):
        text = (ROOT / "libmemif_dsa" / "include" / h).read_text()
        names |= set(re.findall(r"^[A-Za-z_][\w \*]*?\b((?:memif|mdsa)_\w+)\s*\(", text, re.M))
    return names


def test_exported_symbols_are_exactly_the_public_api(prefix):
    lib = prefix / "lib" / "libmemif_dsa.so"
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True, capture_output=True,
                         text=True).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
                if line.split()[1] in ("T", "W")}
    assert exported == declared_functions()
    assert "memif_create" in exported and "mdsa_tx_copy_burst" in exported


def test_soname_and_pkg_config_version(prefix):
    out = subprocess.run(["readelf", "-d", str(prefix / "lib" / "libmemif_dsa.so")],
                         capture_output=True, text=True, check=True).stdout
    assert "libmemif_dsa.so.0" in out
    assert pkg_config(prefix, "--modversion", "libmemif") == ["0.1.0"]
