# SPDX-License-Identifier: Apache-2.0
# The C core's layers, bottom first, as source stems under libmemif_dsa/src
# (each layer is its own files plus everything below).  Shared by the
# per-layer unit tests (tests/c/core) and the fuzz harnesses (tests/fuzz),
# which link one layer and those below it.  Needs SRC (tests/c/build.mk).
UTIL    := core/alloc core/clock core/errors core/stats core/trace
SHM     := $(UTIL) core/shm core/shm_guard core/shm_layout
RING    := $(SHM) core/ring core/ring_zc core/ring_copy
ENGINES := engines/cpu engines/factory $(patsubst $(SRC)/%.c,%,$(wildcard $(SRC)/engines/dsa/*.c))
CONN    := $(RING) $(ENGINES) core/conn core/conn_use
CONTROL := $(CONN) core/control
SOCKET  := $(CONTROL) core/sock core/chan core/iface core/endpoint core/events
