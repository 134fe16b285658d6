# SPDX-License-Identifier: Apache-2.0
"""A live progress line per feature while certifying (--memif-progress,
which `memif-dsa certify` turns on): tests done / total and failures so
far, instead of pytest's dots.  On a terminal one line is rewritten in
place; in a log (CI) a line is printed when a feature reaches each quarter
of its tests, and at every failure.

Totals come from collection: the items themselves, or under xdist the node
ids a worker collected (a suite module is named after its feature:
test_interrupt_polling.py holds the feature interrupt-polling)."""

import json

import pytest

from .declaration import FEATURES


def feature_of_nodeid(nodeid):
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    if module.startswith("test_") and module.endswith(".py"):
        return module[5:-3].replace("_", "-")
    return module


class Progress:
    """A pytest plugin object (registered once, on the controller)."""

    def __init__(self, config):
        self.config = config
        self.total, self.done, self.failed = {}, {}, {}
        self.failed_ids = set()
        self.quarter = {}
        self.width = 0

    @property
    def tr(self):
        # registered before the terminal reporter exists (our pytest_configure runs first)
        return self.config.pluginmanager.get_plugin("terminalreporter")

    def _set_totals(self, pairs):
        if self.total:
            return   # every xdist worker collects the same tests
        for nodeid, feature in pairs:
            self.total[feature] = self.total.get(feature, 0) + 1

    def pytest_collection_finish(self, session):
        pairs = []
        for item in session.items:
            mark = item.get_closest_marker("feature")
            if mark:
                pairs.append((item.nodeid, mark.args[0]))
        self._set_totals(pairs)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self._set_totals([(i, feature_of_nodeid(i)) for i in ids
                          if feature_of_nodeid(i) in FEATURES])

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report, config):
        category, letter, word = yield
        return category, "", word   # no dot: the progress line says it

    def pytest_runtest_logreport(self, report):
        dims = next((json.loads(v) for k, v in report.user_properties if k == "conformance"), None)
        if dims is None:
            return
        feature = dims["feature"]
        failed = report.failed and report.nodeid not in self.failed_ids
        if failed:
            self.failed_ids.add(report.nodeid)
            self.failed[feature] = self.failed.get(feature, 0) + 1
        if report.when == "teardown":
            self.done[feature] = self.done.get(feature, 0) + 1
        elif not failed:
            return
        self.show(feature, force=failed)

    def line(self, feature):
        done, total = self.done.get(feature, 0), self.total.get(feature, 0)
        all_done, all_total = sum(self.done.values()), sum(self.total.values())
        all_failed = sum(self.failed.values())
        return (f"{feature}: {done}/{total or '?'} done, {self.failed.get(feature, 0)} failed"
                f"  |  all: {all_done}/{all_total or '?'}, {all_failed} failed")

    def show(self, feature, force=False):
        text = self.line(feature)
        if self.tr is None:
            return
        if self.tr.isatty:
            self.tr.write("\r" + text.ljust(self.width))
            self.width = len(text)
            return
        total = self.total.get(feature, 0)
        step = 4 * self.done.get(feature, 0) // total if total else 0
        if force or step > self.quarter.get(feature, 0):
            self.quarter[feature] = step
            self.tr.write_line(text)

    def pytest_sessionfinish(self):
        if self.tr is not None and self.tr.isatty and self.width:
            self.tr.write_line("")


def register(config):
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(Progress(config), "memif-conformance-progress")
