# hull: build, install and test. `make help` lists the targets.

GO      ?= go
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
RUNC    ?= $(shell command -v runc)

# hull and hull-runtime link statically (the C stage asks for it): a
# container start executes them three times, and the dynamic loader cost
# each time. Pure-Go name and user lookups keep static glibc from needing
# the host's NSS modules. Exported, so the binaries tests build get it too.
export GOFLAGS := -tags=netgo,osusergo $(GOFLAGS)

.PHONY: all build install test test-runc bench setup clean help

all: build

help:
	@echo "make build      build bin/hull, bin/hull-runtime and bin/hull-monitor"
	@echo "make install    install them into $(BINDIR)"
	@echo "make test       go vet, then every test (root runs the integration suite)"
	@echo "make test-runc  run the integration suite against runc, to validate the suite"
	@echo "make bench      benchmarks"
	@echo "make setup      install the Debian packages, build and install (scripts/setup)"

build:
	$(GO) build -trimpath -o bin/hull ./cmd/hull
	$(GO) build -trimpath -o bin/hull-runtime ./cmd/hull-runtime
	# Static: hull-monitor is also the --init that runs inside containers.
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/hull-monitor ./cmd/hull-monitor

install: build
	install -D -m 0755 bin/hull $(DESTDIR)$(BINDIR)/hull
	install -D -m 0755 bin/hull-runtime $(DESTDIR)$(BINDIR)/hull-runtime
	install -D -m 0755 bin/hull-monitor $(DESTDIR)$(BINDIR)/hull-monitor

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-runc:
	HULL_TEST_RUNTIME=$(RUNC) $(GO) test -count=1 -timeout 30m -v ./test/integration/

bench:
	$(GO) test -run XXX -bench . -benchtime 50x ./test/bench/

setup:
	./scripts/setup

clean:
	rm -rf bin
