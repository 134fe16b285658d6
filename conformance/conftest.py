# SPDX-License-Identifier: Apache-2.0
# The conformance suite.  Its options, peers, fixtures and report come from
# the fixtures/plugin.py pytest plugin (registered in the root conftest.py):
# see `pytest conformance --help`, section "memif conformance suite".
