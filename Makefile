# SPDX-License-Identifier: Apache-2.0
# The C core as a shared library with pkg-config files.  The Python package
# compiles the same sources through cffi with the same flags
# (libmemif_dsa/src/flags.mk).
#
#   make                          build/libmemif_dsa.so
#   make test                     the C tests: per-layer unit tests, the layering
#                                 check, the DSA tests, the libmemif API programs
#   make install PREFIX=/usr/local
#                                 library, headers in include/libmemif-dsa/,
#                                 libmemif-dsa.pc
#   make install-libmemif-compat  also include/libmemif.h and libmemif.pc (a
#                                 drop-in for upstream libmemif: only on request)
#   make uninstall                removes what those installed
#   make SANITIZE=1               AddressSanitizer + UBSan build
CC      ?= gcc
PREFIX  ?= /usr/local
BUILD   ?= build
SRCDIR  := libmemif_dsa/src
INCDIR  := libmemif_dsa/include
include $(SRCDIR)/flags.mk

VERSION := $(shell sed -n 's/^\#define MDSA_VERSION "\(.*\)"/\1/p' $(INCDIR)/memif_dsa.h)
# the library: the core and the copy engines (the tools are the Python package's)
SOURCES := $(wildcard $(SRCDIR)/core/*.c) $(wildcard $(SRCDIR)/engines/*.c) \
           $(wildcard $(SRCDIR)/engines/dsa/*.c)
HEADERS := $(wildcard $(SRCDIR)/*/*.h $(SRCDIR)/engines/dsa/*.h $(INCDIR)/*.h)
OBJECTS := $(patsubst $(SRCDIR)/%.c,$(BUILD)/obj/%.o,$(SOURCES))
SONAME  := libmemif_dsa.so.0
LIB     := $(BUILD)/libmemif_dsa.so.$(VERSION)
HDRDIR  := $(PREFIX)/include/libmemif-dsa
PCDIR   := $(PREFIX)/lib/pkgconfig

# the project's flags, then the user's CFLAGS/LDFLAGS (which may come from the command line)
LIB_CFLAGS  := $(MDSA_CFLAGS) -fPIC -I$(INCDIR) $(CFLAGS)
LIB_LDFLAGS := $(MDSA_LDFLAGS) $(LDFLAGS)
ifeq ($(SANITIZE),1)
LIB_CFLAGS  += $(MDSA_SANITIZE)
LIB_LDFLAGS += $(MDSA_SANITIZE)
endif

all: $(LIB)

$(BUILD)/obj/%.o: $(SRCDIR)/%.c $(HEADERS) $(SRCDIR)/flags.mk
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(LIB): $(OBJECTS) $(SRCDIR)/$(MDSA_SYMBOL_MAP)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(SRCDIR)/$(MDSA_SYMBOL_MAP) \
	    -Wl,-z,defs -o $@ $(OBJECTS) $(LIB_LDFLAGS)
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libmemif_dsa.so

# name, include directory
define pcfile
sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@NAME@|$(1)|' -e 's|@INCLUDEDIR@|$(2)|' \
    -e 's|@VERSION@|$(VERSION)|' libmemif_dsa/libmemif-dsa.pc.in > $(DESTDIR)$(PCDIR)/$(1).pc
endef

install: $(LIB)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PCDIR) $(DESTDIR)$(HDRDIR)
	install -m 644 $(INCDIR)/libmemif.h $(INCDIR)/memif_dsa.h $(DESTDIR)$(HDRDIR)/
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(LIB)) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libmemif_dsa.so
	$(call pcfile,libmemif-dsa,$${prefix}/include/libmemif-dsa)

# Overwrites an upstream libmemif's header and .pc in the same prefix:
# never part of `install`.
install-libmemif-compat: install
	install -m 644 $(INCDIR)/libmemif.h $(DESTDIR)$(PREFIX)/include/libmemif.h
	$(call pcfile,libmemif,$${prefix}/include)

# The compat files go only if they are ours (an upstream libmemif's stay).
uninstall:
	rm -f $(DESTDIR)$(HDRDIR)/libmemif.h $(DESTDIR)$(HDRDIR)/memif_dsa.h
	-rmdir $(DESTDIR)$(HDRDIR) 2>/dev/null
	rm -f $(DESTDIR)$(PREFIX)/lib/$(notdir $(LIB)) $(DESTDIR)$(PREFIX)/lib/$(SONAME) \
	      $(DESTDIR)$(PREFIX)/lib/libmemif_dsa.so $(DESTDIR)$(PCDIR)/libmemif-dsa.pc
	for f in $(DESTDIR)$(PREFIX)/include/libmemif.h $(DESTDIR)$(PCDIR)/libmemif.pc; do \
	  if grep -qs 'libmemif-dsa' $$f; then rm -f $$f; fi; done

# the libmemif API programs build against an installed copy, as users do
TESTPREFIX := $(abspath $(BUILD))/test-prefix
test: $(LIB)
	python3 ci/check-layers
	$(MAKE) -C tests/c/core
	$(MAKE) -C tests/c/dsa
	$(MAKE) install install-libmemif-compat PREFIX=$(TESTPREFIX)
	$(MAKE) -C tests/c/libmemif check OUT=$(abspath $(BUILD))/libmemif-programs \
	    PKG_CONFIG_PATH=$(TESTPREFIX)/lib/pkgconfig

clean:
	rm -rf $(BUILD)
	$(MAKE) -C tests/c/core clean
	$(MAKE) -C tests/c/dsa clean
	$(MAKE) -C tests/c/libmemif clean

.PHONY: all install install-libmemif-compat uninstall test clean
