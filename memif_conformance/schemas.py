# SPDX-License-Identifier: Apache-2.0
"""The published JSON Schemas (draft 2020-12): a peer declaration (the
`--peer-caps` file) and a certification report (certification.json).

The declaration's schema is declaration.DECLARATION itself, the table the
suite checks declarations with: one source.  The report's is written here
next to report.Recorder.document(), which it describes (schema 2).  The
files in schemas/ are these, written by `python -m memif_conformance.schemas
--write` and kept equal to them by a test; `memif-dsa certify --schema
NAME` prints them.
"""

import copy
import json
import sys

from . import SCHEMAS_DIR
from .declaration import CAPABILITIES, DECLARATION, FEATURES, TIMEOUTS

REPORT_SCHEMA = 2          # "schema" in certification.json (report.Recorder.document)
ID = "urn:libmemif-dsa:memif-conformance:{}:{}"
OUTCOMES = ["pass", "fail", "error", "xfail", "xpass", "skip"]


def declaration():
    doc = copy.deepcopy(DECLARATION)
    doc = {"$schema": doc.pop("$schema"), "$id": ID.format("declaration", 1), **doc,
           "description": "A memif peer's capability declaration for the libmemif-dsa conformance "
                          "suite (memif-dsa certify --peer command --peer-caps FILE.json)"}
    return doc


def _str():
    return {"type": "string"}


def _obj(props, required=None, extra=True):
    out = {"type": "object", "properties": props,
           "required": sorted(required if required is not None else props)}
    if not extra:
        out["additionalProperties"] = False
    return out


_COUNTS = {"type": "object", "propertyNames": {"enum": OUTCOMES},
           "additionalProperties": {"type": "integer", "minimum": 0}}
_INT = {"type": "integer", "minimum": 0}
_SUMMARY = _obj({k: _INT for k in ("tests", "run", "passed", "failed", "xfailed", "xpassed",
                                   "skipped_capability", "skipped_other")}
                | {"roles_run": {"type": "object", "additionalProperties": _INT}})
_DIMS = {"peer_role": _str(), "mode": _str(), "engine": _str()}
_DSA = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
        "properties": {"engines": {"type": "array", "items": {"type": "string"}}},
        "required": ["bytes", "bytes_offloaded", "descriptors", "batches"]}


def certification():
    # the capabilities a report repeats are the declaration's, as the suite resolved them
    caps = copy.deepcopy(CAPABILITIES)
    timeouts = copy.deepcopy(TIMEOUTS)
    test = _obj({"feature": {"type": "string"}, "test": _str(), "nodeid": _str(),
                 "params": {"type": "object", "additionalProperties": _str()}, **_DIMS,
                 "outcome": {"enum": OUTCOMES + [None]}, "reason": _str(),
                 "duration_s": {"type": "number", "minimum": 0},
                 "pcaps": {"type": "array", "items": _str()},
                 "notes": {"type": "array", "items": _str()},
                 "defect": _str(), "failure": _str(), "peer_output": _str(), "peer_app": _str(),
                 "engine_counters": _DSA},
                required=["feature", "test", "nodeid", "params", "peer_role", "mode", "engine",
                          "outcome", "reason", "duration_s", "pcaps", "notes"])
    cell = _obj({"feature": _str(), **_DIMS,
                 "result": {"enum": ["pass", "FAIL", "mixed"] + OUTCOMES},
                 "counts": _COUNTS, "reasons": {"type": "array", "items": _str()},
                 "notes": {"type": "array", "items": _str()}, "dsa": _DSA},
                required=["feature", "peer_role", "mode", "engine", "result", "counts", "reasons",
                          "notes"])
    defect = _obj({"reason": _str(), "counts": _COUNTS, "reproduced": {"type": "boolean"},
                   "not_reproduced": {"type": "boolean"}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": ID.format("certification", REPORT_SCHEMA),
        "title": "memif conformance certification report (certification.json)",
        "description": "What `memif-dsa certify` (or pytest --memif-report DIR) writes: "
                       "provenance, verdict, coverage per feature, the matrix cells and every "
                       "test's outcome.  `memif-dsa certify --diff` also reads schema 1.",
        **_obj({
            "schema": {"const": REPORT_SCHEMA},
            "suite": _obj({"name": _str(), "version": _str(), "commit": _str()}),
            "vectors": _obj({"manifest": _str(),
                             "manifest_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}),
            "peer": _obj({"name": _str(), "version": _str(), "capabilities": caps,
                          "timeouts": timeouts, "implementation": _str(), "command": _str(),
                          "description": _str()},
                         required=["name", "version", "capabilities", "timeouts"]),
            "options": _obj({"peer": _str(), "engines": {"type": "array", "items": _str()},
                             "roles": {"type": "array", "items": _str()},
                             "require_dsa_hw": {"type": "boolean"}}),
            "command_line": _str(),
            "host": _obj({"machine": _str(), "platform": _str(),
                          "cpus": {"type": ["integer", "null"]}, "python": _str()}),
            "started": _str(),
            "duration_s": {"type": "number", "minimum": 0},
            "result": {"type": "string", "pattern": r"^(PASS|FAIL|PASS \(partial: .+\))$"},
            "verdict": _str(),
            "capabilities_off": {"type": "array", "items": _str()},
            "coverage": _obj({"features": _obj({f: _SUMMARY for f in FEATURES}, required=[]),
                              "all": _SUMMARY,
                              "not_covered": {"type": "array", "items": _str()}}),
            "counts": _COUNTS,
            "cells": {"type": "array", "items": cell},
            "known_defects": {"type": "object", "additionalProperties": defect},
            "defects_not_reproduced": {"type": "array", "items": _str()},
            "tests": {"type": "array", "items": test},
        }),
    }


SCHEMAS = {"declaration": declaration, "certification": certification}


def path(name):
    return SCHEMAS_DIR / f"{name}.schema.json"


def text(name):
    return json.dumps(SCHEMAS[name](), indent=2) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["--write"]:
        print("usage: python -m memif_conformance.schemas --write   (regenerates schemas/*.json)",
              file=sys.stderr)
        return 2
    SCHEMAS_DIR.mkdir(exist_ok=True)
    for name in SCHEMAS:
        path(name).write_text(text(name))
        print(f"wrote {path(name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
