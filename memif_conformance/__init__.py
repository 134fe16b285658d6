# SPDX-License-Identifier: Apache-2.0
"""The memif conformance suite of libmemif-dsa: certify any memif 2.0
implementation (the peer) against libmemif-dsa (the tester).

    memif-dsa certify --peer command --peer-cmd '...' --peer-caps acme.json
    pytest --pyargs memif_conformance --memif-peer command --memif-peer-cmd '...' ...

The pytest plugin (`plugin`, registered under the `pytest11` entry point)
brings the options, the peer adapters (`peers`, and any other package's
through the `memif_conformance.peers` entry-point group), the fixtures
and the report; the tests are in `suite/` (one module per feature), the
packet vectors in `vectors/`, the published JSON Schemas in `schemas/`.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SUITE_DIR = PACKAGE_DIR / "suite"
SCHEMAS_DIR = PACKAGE_DIR / "schemas"
