"""The memif conformance suite (a package, so its module names never clash with tests/)."""
