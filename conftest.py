# SPDX-License-Identifier: Apache-2.0
# Repository root on sys.path: `import fixtures`, `import vectors`.
# The conformance suite's plugin (options, peers, report); it acts only on
# tests marked with a conformance feature (conformance/).
pytest_plugins = ["fixtures.plugin"]
