# mailtap — build, test, install.
#   make            build ./mailtap
#   make check      unit and end-to-end tests, then again under ASan+UBSan
#   make demo       install what is missing, build, show mailtap on a capture
#   make bench      large-capture benchmark (see docs/performance.md)
#   make bench-live live capture beside tcpdump at rising rates (root)
#   make soak       30 minutes of live capture at a steady rate (root)
#   make install PREFIX=/usr/local
#   make update-po  refresh po/mailtap.pot from src/explain/ and merge it into po/*.po

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
LOCALEDIR ?= $(PREFIX)/share/locale
CC ?= cc
PKG_CONFIG ?= pkg-config
MSGFMT ?= msgfmt
XGETTEXT ?= xgettext
MSGMERGE ?= msgmerge

BUILD ?= build
SAN ?= 0
V ?= 0
ifeq ($(V),1)
  Q :=
else
  Q := @
endif

PCAP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpcap 2>/dev/null)
PCAP_LIBS := $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null || echo -lpcap)
CUNIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags cunit 2>/dev/null)
CUNIT_LIBS := $(shell $(PKG_CONFIG) --libs cunit 2>/dev/null || echo -lcunit)
CURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
CURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)
CRYPTO_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
CRYPTO_LIBS := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto) \
               $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz)
# Only the unit tests use libssl: a real client and server in memory.
SSL_LIBS := $(shell $(PKG_CONFIG) --libs libssl 2>/dev/null || echo -lssl)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wformat-security -Wvla -Wpointer-arith -Wundef
STD := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L

ifeq ($(SAN),1)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDSAN := -fsanitize=address,undefined
  HARDEN :=
  BIN := $(BUILD)/mailtap
else
  OPT := -O2 -g
  LDSAN :=
  HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
  HARDEN_LD := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
  BIN := mailtap
endif

CFLAGS_ALL := $(STD) $(WARN) $(OPT) $(HARDEN) -Iinclude $(PCAP_CFLAGS) $(CURSES_CFLAGS) $(CRYPTO_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(LDSAN) $(HARDEN_LD) $(LDFLAGS)

LIB_SRCS := $(wildcard src/*.c src/*/*.c)
LIB_SRCS := $(filter-out src/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
TEST_SRCS := $(wildcard tests/unit/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
UNIT_BIN := $(BUILD)/unit-tests

# The translations of --explain (src/explain/): po/<lang>.po compiled to
# $(BUILD)/locale/<lang>/LC_MESSAGES/mailtap.mo, where a binary in $(BUILD)
# (and ./mailtap, through build/locale) finds them.
LINGUAS := $(sort $(basename $(notdir $(wildcard po/*.po))))
MO_FILES := $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/mailtap.mo)
POT_SRCS := $(sort $(wildcard src/explain/*.c))

FUZZ_SECS ?= 60

.PHONY: all pot update-po check-po FORCE check bench-live fuzz fuzz-pipeline fuzz-keylog fuzz-tls check-normal check-sanitize unit e2e demo bench soak install uninstall clean captures

all: $(BIN) $(MO_FILES)

$(BIN): $(LIB_OBJS) $(MAIN_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(LDFLAGS_ALL) $(PCAP_LIBS) $(CURSES_LIBS) $(CRYPTO_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

# The installed catalogues' directory, which mt_explain_init() tries first;
# $(BUILD)/localedir changes (and locale.o is rebuilt) when LOCALEDIR does.
$(BUILD)/src/explain/locale.o: CFLAGS_ALL += -DMT_LOCALEDIR='"$(LOCALEDIR)"'
$(BUILD)/src/explain/locale.o: $(BUILD)/localedir
$(BUILD)/localedir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LOCALEDIR)' | cmp -s - $@ || echo '$(LOCALEDIR)' > $@
FORCE:

$(BUILD)/locale/%/LC_MESSAGES/mailtap.mo: po/%.po
	@mkdir -p $(dir $@)
	@echo "  MSGFMT  $<"
	$(Q)$(MSGFMT) --check -o $@ $<

# po/mailtap.pot from the N_() strings of the tables; update-po merges it
# into every po/<lang>.po (new or changed entries come out untranslated or
# fuzzy, which check-po refuses until they are translated).
pot:
	$(XGETTEXT) --language=C --from-code=UTF-8 --keyword=N_ --add-comments=TRANSLATORS: \
	  --package-name=mailtap --msgid-bugs-address="see README.md" --add-location=file --sort-by-file -o po/mailtap.pot $(POT_SRCS)

update-po: pot
	$(Q)for l in $(LINGUAS); do $(MSGMERGE) --quiet --update --backup=none po/$$l.po po/mailtap.pot || exit 1; done

check-po:
	tests/po-check.sh

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(CUNIT_CFLAGS) -MMD -MP -c -o $@ $<

# The unit tests read the catalogues next to them (tests/unit/test_explain.c).
$(UNIT_BIN): $(LIB_OBJS) $(TEST_OBJS) | $(MO_FILES)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(LDFLAGS_ALL) $(PCAP_LIBS) $(CURSES_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS) $(CUNIT_LIBS)

unit: $(UNIT_BIN) $(MO_FILES)
	$(UNIT_BIN)

e2e: $(BIN) $(MO_FILES)
	MAILTAP=$(abspath $(BIN)) tests/e2e/run.sh

check-normal: $(BIN) $(UNIT_BIN) $(MO_FILES)
	tests/po-check.sh
	$(UNIT_BIN)
	MAILTAP=$(abspath $(BIN)) tests/e2e/run.sh
	MAILTAP=$(abspath $(BIN)) tests/e2e/check-explain.py
	MAILTAP=$(abspath $(BIN)) tests/e2e/check-extensions.py
	MAILTAP=$(abspath $(BIN)) tests/e2e/check-report.py
	MAILTAP=$(abspath $(BIN)) tests/e2e/check-deploy.sh
	MAILTAP=$(abspath $(BIN)) FANOUT_MBPS=$(if $(filter 1,$(SAN)),20,100) tests/e2e/fanout.sh
	MAILTAP=$(abspath $(BIN)) tests/e2e/tui.sh
	MAILTAP=$(abspath $(BIN)) tests/e2e/live.sh

check-sanitize:
	$(MAKE) --no-print-directory BUILD=build/sanitize SAN=1 check-normal

# On a fresh machine make check installs what it needs first, as make demo
# does (the same script; apt-get, as root or through sudo).
check:
	@scripts/install-deps.sh --test
	@$(MAKE) --no-print-directory check-normal
	@$(MAKE) --no-print-directory check-sanitize

# Several real sessions merged by time: logins in the clear over POP3, IMAP
# and SMTP, a failed one, challenge-response, STARTTLS and implicit TLS
# (two of them read with the key logs their clients wrote, one not), a
# message body quoting login commands. On a terminal mailtap opens its
# interactive view; elsewhere it prints the follow text.
DEMO_CAPTURES := imap-login-ok pop3-user-pass-ok smtp-auth-plain-ok imap-login-fail \
                 imap-authenticate-cram-md5 pop3-apop-ok smtp-auth-login-starttls-ignored \
                 imap-fetch-decoy-body pop3-stls imaps-993 smtp-auth-ntlm
DEMO_TLS := imaps-tls13-login-keylog smtp-starttls-tls12-cbc-sha256-etm-plain-keylog
demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all
	@mkdir -p $(BUILD)
	@python3 scripts/merge-pcaps.py $(BUILD)/demo.pcap $(DEMO_CAPTURES:%=captures/%.pcap) \
	  $(DEMO_TLS:%=captures/%.pcap)
	./mailtap -r $(BUILD)/demo.pcap $(DEMO_TLS:%=--keylog captures/%.keys)
	@echo; echo "The audit report of the same capture (--report; =json and =html too):"; echo
	@./mailtap -q -r $(BUILD)/demo.pcap $(DEMO_TLS:%=--keylog captures/%.keys) --report

bench-live: $(BIN)
	scripts/bench-live.sh

bench: $(BIN)
	scripts/bench.sh

# Live capture for 30 minutes at a steady rate (root): memory stays flat.
soak: $(BIN)
	scripts/soak.sh

captures:
	captures/make-captures.sh

# Coverage-guided fuzzing (clang's libFuzzer), each target for FUZZ_SECS
# seconds. Not part of check (.ci/run runs it after check). fuzz-pipeline:
# the whole pipeline, seeded with the frames of captures/; fuzz-keylog: the
# TLS key log reader; fuzz-tls: TLS records past authentication.
FUZZ_CC = clang $(STD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
KEYLOG_SRCS := src/transform/keylog.c src/util/siphash.c src/util/render.c

fuzz: fuzz-pipeline fuzz-keylog fuzz-tls

fuzz-pipeline:
	@mkdir -p build/fuzz/corpus
	$(FUZZ_CC) $(PCAP_CFLAGS) $(CURSES_CFLAGS) $(CRYPTO_CFLAGS) \
	  -o build/fuzz/fuzz_pipeline tests/fuzz/fuzz_pipeline.c $(LIB_SRCS) $(PCAP_LIBS) $(CURSES_LIBS) $(CRYPTO_LIBS)
	python3 tests/fuzz/seed-corpus.py build/fuzz/corpus captures/*.pcap
	build/fuzz/fuzz_pipeline -max_total_time=$(FUZZ_SECS) -max_len=8192 build/fuzz/corpus

# fuzz-tls: the TLS reader on records the target encrypts itself, so that
# hostile decrypted content (handshake messages, KeyUpdate) is reached.
fuzz-tls:
	@mkdir -p build/fuzz/tls-corpus
	$(FUZZ_CC) $(CRYPTO_CFLAGS) -o build/fuzz/fuzz_tls tests/fuzz/fuzz_tls_inner.c \
	  src/transform/tls.c src/transform/tls_hello.c src/transform/tls_handshake.c \
	  src/transform/ja4.c src/transform/tls_crypto.c src/transform/keylog.c src/transform/chain.c \
	  src/util/siphash.c src/util/render.c $(CRYPTO_LIBS)
	build/fuzz/fuzz_tls -max_total_time=$(FUZZ_SECS) -max_len=4096 build/fuzz/tls-corpus

fuzz-keylog:
	@mkdir -p build/fuzz/keylog-corpus
	$(FUZZ_CC) -o build/fuzz/fuzz_keylog tests/fuzz/fuzz_keylog.c $(KEYLOG_SRCS)
	cp tests/fuzz/keylog-seed.txt build/fuzz/keylog-corpus/seed-text
	{ printf '\343'; tail -c +2 tests/fuzz/keylog-seed.txt; } > build/fuzz/keylog-corpus/seed-file
	build/fuzz/fuzz_keylog -max_total_time=$(FUZZ_SECS) -max_len=4096 \
	  -dict=tests/fuzz/keylog.dict build/fuzz/keylog-corpus

install: $(BIN) $(MO_FILES)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/mailtap
	$(Q)for l in $(LINGUAS); do \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	  install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/mailtap.mo \
	    $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/mailtap.mo || exit 1; done
	@if [ -f docs/mailtap.1 ]; then install -d $(DESTDIR)$(MANDIR)/man1 && \
	  install -m 644 docs/mailtap.1 $(DESTDIR)$(MANDIR)/man1/mailtap.1; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mailtap $(DESTDIR)$(MANDIR)/man1/mailtap.1
	rm -f $(LINGUAS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/mailtap.mo)

clean:
	rm -rf build mailtap

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d)
