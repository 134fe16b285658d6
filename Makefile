# The C core as a shared library with a pkg-config file (the Python package
# compiles the same sources through cffi; see libmemif_dsa/_ffi_build.py).
#
#   make                 build/libmemif_dsa.so
#   make install PREFIX=/usr/local
#   make SANITIZE=1      AddressSanitizer + UBSan build
CC      ?= gcc
PREFIX  ?= /usr/local
BUILD   ?= build
SRCDIR  := libmemif_dsa/src
INCDIR  := libmemif_dsa/include
SOURCES := $(wildcard $(SRCDIR)/*.c) $(wildcard $(SRCDIR)/engines/*.c) $(wildcard $(SRCDIR)/engines/dsa/*.c)
OBJECTS := $(patsubst $(SRCDIR)/%.c,$(BUILD)/obj/%.o,$(SOURCES))
SONAME  := libmemif_dsa.so.0
LIB     := $(BUILD)/$(SONAME).1.0

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -fPIC -pthread -I$(INCDIR) -I$(SRCDIR)
LDFLAGS += -pthread
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

all: $(LIB)

$(BUILD)/obj/%.o: $(SRCDIR)/%.c $(wildcard $(SRCDIR)/*.h $(SRCDIR)/engines/*.h $(SRCDIR)/engines/dsa/*.h $(INCDIR)/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(OBJECTS) $(SRCDIR)/libmemif_dsa.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(SRCDIR)/libmemif_dsa.map \
	    -Wl,-z,defs -o $@ $(OBJECTS) $(LDFLAGS)
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libmemif_dsa.so

install: $(LIB)
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 $(INCDIR)/libmemif.h $(INCDIR)/memif_dsa.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(LIB)) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libmemif_dsa.so
	for n in libmemif-dsa libmemif; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|' -e "s|@NAME@|$$n|" libmemif_dsa/libmemif-dsa.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$n.pc; done

clean:
	rm -rf $(BUILD)

.PHONY: all install clean
