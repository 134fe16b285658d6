# SPDX-License-Identifier: Apache-2.0
import pytest

from libmemif_dsa import Interface
from memif_helpers import unique_socket


@pytest.fixture
def sock():
    return unique_socket()


@pytest.fixture
def make_pair():
    """make_pair(**common, primary=dict(...), secondary=dict(...)) -> (primary, secondary),
    connected, both in this process; closed at teardown."""
    made = []

    def make(primary=None, secondary=None, socket=None, connect=True, **common):
        s = socket or unique_socket()
        a = Interface("primary", s, **{**common, **(primary or {})})
        made.append(a)
        b = Interface("secondary", s, **{**common, **(secondary or {})})
        made.append(b)
        if connect:
            a.wait_connected(5)
            b.wait_connected(5)
        return a, b

    yield make
    for i in reversed(made):
        i.close()
