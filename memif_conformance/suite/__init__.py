# SPDX-License-Identifier: Apache-2.0
"""The memif conformance suite (a package, so its module names never clash with tests/)."""
