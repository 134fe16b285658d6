# SPDX-License-Identifier: Apache-2.0
# What the C unit-test directories share (include it first): where the
# sources are, the project's compiler flags (libmemif_dsa/src/flags.mk),
# and the sanitizer build (make SAN=1 builds into build-san/).
TESTC   := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ROOT    := $(TESTC)/../..
SRC     := $(ROOT)/libmemif_dsa/src
INC     := $(ROOT)/libmemif_dsa/include
include $(SRC)/flags.mk
CC      ?= gcc
CFLAGS  := $(MDSA_CFLAGS) -I$(INC) -I$(SRC) -I$(TESTC)
LDFLAGS := $(MDSA_LDFLAGS)
ifeq ($(SAN),1)
CFLAGS  += $(MDSA_SANITIZE)
LDFLAGS += $(MDSA_SANITIZE)
OUT     ?= build-san
else
OUT     ?= build
endif
