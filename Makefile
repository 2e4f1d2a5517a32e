# SystemScope build. `make run` and `make test` do all the set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD    := build
OUT      := out
BIN      := $(OUT)/systemscope
CLANG    ?= clang
STRIP    ?= llvm-strip
BPFTOOL  ?= bpftool
DOTNET   ?= dotnet
LISTEN   ?= 127.0.0.1:7070

APT_BUILD := clang llvm libbpf-dev libelf-dev zlib1g-dev linux-libc-dev bpftool make
APT_TEST  := chromium gcc sysbench hyperfine libbpf-tools linux-perf fio iperf3 openjdk-17-jdk-headless
APT_BENCH := bpftrace wrk curl

BPF_SRC  := $(wildcard bpf/*.bpf.c)
BPF_OBJ  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRC))
BPF_HDR  := $(wildcard bpf/*.h bpf/kit/*.h)
WEB_SRC  := $(shell find web/src web/index.html web/package.json web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)
CS_SRC   := $(shell find src \( -name bin -o -name obj \) -prune -o \( -name '*.cs' -o -name '*.csproj' \) -print) Directory.Build.props Directory.Packages.props

.PHONY: build run test deps deps-test bpf web unit-test kernel-test browser-test bench clean help

help:
	@echo "make run    install what is missing, build, start 'systemscope serve' on $(LISTEN)"
	@echo "make test   install what is missing, build, run every test (unit, kernel, browser)"
	@echo "make build  build out/systemscope (NativeAOT, libbpf static, BPF objects and UI embedded)"
	@echo "make bench  overhead and footprint measurements (see bench/README.md)"

# --- set-up -----------------------------------------------------------------------------------
deps:
	@missing=$$(for p in $(APT_BUILD); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

deps-test: deps
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# --- BPF: CO-RE objects compiled against this machine's BTF ------------------------------------
SYSCALL_TABLES := $(BUILD)/syscalls/x86_64.tbl $(BUILD)/syscalls/arm64.tbl

bpf: $(BPF_OBJ) $(SYSCALL_TABLES)

# Syscall numbers by name, from the kernel's ABI headers (embedded beside the BPF objects).
$(BUILD)/syscalls/%.tbl: tools/syscall-table.sh
	@mkdir -p $(@D)
	tools/syscall-table.sh $* $(CLANG) > $@.tmp && mv $@.tmp $@

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDR) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -target bpf -g -O2 -Wall -Werror -D__TARGET_ARCH_x86 -I$(BUILD) -Ibpf -c $< -o $@.tmp
	$(STRIP) -g $@.tmp && mv $@.tmp $@

# --- web UI -------------------------------------------------------------------------------------
web: $(BUILD)/web/index.html

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(BUILD)/web/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run --silent build

# --- the binary ---------------------------------------------------------------------------------
build: deps $(BIN)

$(BIN): $(BPF_OBJ) $(SYSCALL_TABLES) $(BUILD)/web/index.html $(CS_SRC)
	$(DOTNET) publish src/SystemScope/SystemScope.csproj -c Release -o $(OUT) --nologo -v:q -p:SkipBpfBuild=true -p:SkipWebBuild=true
	@rm -f $(OUT)/*.dbg $(OUT)/*.pdb
	@ls -l $(BIN)

run: build
	$(BIN) serve --listen $(LISTEN)

# --- tests --------------------------------------------------------------------------------------
test: deps-test build
	# -m:1: one test assembly at a time; the kernel tests measure real processes and must not share two CPUs with the others.
	SYSTEMSCOPE_BINARY=$(CURDIR)/$(BIN) $(DOTNET) test SystemScope.slnx -c Release -m:1 --nologo -v:q --logger "console;verbosity=normal"
	cd web && npm run --silent test
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	SYSTEMSCOPE_BINARY=$(CURDIR)/$(BIN) node tests/browser/run.mjs

bench: deps-test build
	@missing=$$(for p in $(APT_BENCH); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	bench/run.sh

clean:
	rm -rf $(BUILD) $(OUT)
	find src tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
