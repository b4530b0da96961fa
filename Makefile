# bpflab — see README.md. Every target works on a fresh machine with only Go;
# targets that need clang or the kernel say so.

GO        ?= go
FUZZTIME  ?= 60s
CLANG     ?= clang-19
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(HOME)/go/bin/staticcheck)

# C sources of clang-built test objects; the .o files are committed beside them.
BPF_C   := $(wildcard testdata/progs/*.c)
BPF_O   := $(BPF_C:.c=.o)

.PHONY: all build test test-short test-kernel bench fuzz lint vet deps-check demo objects objects-check golden-update

all: build

build:
	$(GO) build ./...

## test: vet, lint (when staticcheck is installed) and every test.
test: vet lint
	$(GO) test -count=1 -timeout 25m ./...

test-short:
	$(GO) test -short ./...

test-kernel:
	BPFLAB_REQUIRE_KERNEL=1 $(GO) test -count=1 -run Kernel ./...

vet:
	$(GO) vet ./...

lint:
	@if [ -x "$(STATICCHECK)" ]; then echo "$(STATICCHECK) ./..."; "$(STATICCHECK)" ./...; \
	else echo "staticcheck not installed, lint skipped (go install honnef.co/go/tools/cmd/staticcheck@latest)"; fi

deps-check:
	$(GO) test -count=1 -run TestImportRules ./fuzz

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./vm ./jit

## fuzz: each fuzz target for $(FUZZTIME) in turn (Go fuzzes one target per run).
## Targets that load programs into the kernel run one worker: see docs/KERNEL-QUIRKS.md.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    par=$$(nproc); case $$t in *Kernel*) par=1;; esac; \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -parallel $$par $$pkg; \
	  done; done

## demo: the built-in example.
demo:
	$(GO) run ./cmd/bpflab demo

## objects: rebuild the committed clang objects (needs clang-19).
objects: $(BPF_O)

testdata/progs/%.o: testdata/progs/%.c $(wildcard testdata/progs/*.h)
	cd testdata/progs && $(CLANG) -O2 -g -target bpf -mcpu=v3 -fdebug-prefix-map=$$(pwd)=. -I. -c $*.c -o $*.o

## objects-check: rebuild every object and fail if any differs from the committed one.
objects-check:
	@set -e; tmp=$$(mktemp -d); for c in $(BPF_C); do \
	  b=$$(basename $$c .c); \
	  (cd testdata/progs && $(CLANG) -O2 -g -target bpf -mcpu=v3 -fdebug-prefix-map=$$(pwd)=. -I. -c $$b.c -o $$tmp/$$b.o); \
	  cmp -s $$tmp/$$b.o testdata/progs/$$b.o || { echo "testdata/progs/$$b.o differs from what $(CLANG) builds from $$b.c (run make objects)"; exit 1; }; \
	done; echo "objects-check: $(words $(BPF_C)) objects rebuilt, all identical"

golden-update:
	$(GO) test ./... -update
	git diff --stat -- '*testdata*'
