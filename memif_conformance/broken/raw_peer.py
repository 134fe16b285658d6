# SPDX-License-Identifier: Apache-2.0
"""A memif reflector in pure Python (memif_conformance/scripted_peer.py) with one
deliberate protocol violation, for testing the suite.

    python -m memif_conformance.broken.raw_peer --mutation kick-before-publish --role secondary --socket @x ...

Prints the same ready/connected/disconnected/stopped lines as `memif-dsa
reflect`.  --mutation none is a correct peer; the others are listed in
memif_conformance/scripted_peer.py.
"""

import signal
import sys

from memif_conformance.broken import peer_arguments
from memif_conformance.scripted_peer import MUTATIONS, ScriptedPeer


def main(argv=None):
    ap = peer_arguments(__doc__.split("\n")[0])
    ap.add_argument("--mutation", choices=MUTATIONS, required=True)
    a = ap.parse_args(argv)
    peer = ScriptedPeer(a.role, a.socket, id=a.id, mode=a.mode, secret=a.secret,
                        tx_queues=a.tx_queues, rx_queues=a.rx_queues, ring_size=a.ring_size,
                        buffer_size=a.buffer_size, rx_mode=a.rx_mode, mutation=a.mutation,
                        out=lambda line: print(line, flush=True))

    def stop(*_):
        peer.stop = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    peer.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
