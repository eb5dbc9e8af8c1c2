# Cairn: the whole set-up is `make run` and `make test`. Each installs what it needs
# (`make deps`, Debian packages via apt-get) and builds with Meson + Ninja.

# build: the everyday build (debugoptimized); build-asan: ASan + UBSan, which the unit tests
# and the e2e suite run against; build-release: -O2 NDEBUG for benchmarks; build-fuzz: libFuzzer.
BUILD   ?= build
ASAN    ?= build-asan
RELEASE ?= build-release
FUZZ    ?= build-fuzz
LISTEN  ?= 127.0.0.1:4747
DATA    ?= ./data

# Libraries, build tools, and the real clients the e2e suite drives.
DEB_PKGS = build-essential meson ninja-build pkg-config clang \
           libmicrohttpd-dev libjansson-dev libyaml-dev libssl-dev libsqlite3-dev \
           libcurl4-openssl-dev libpcre2-dev libcmocka-dev \
           curl python3 python3-pytest python3-pytest-xdist python3-yaml python3-boto3 awscli wrk nginx-light

.PHONY: all deps build run test unit e2e bench bench-policy bench-automation fuzz clean

all: build

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD)

$(ASAN)/build.ninja:
	meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false

$(RELEASE)/build.ninja:
	meson setup $(RELEASE) --buildtype=release -Dtests=false

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: deps build
	./$(BUILD)/cairnd --data $(DATA) --listen $(LISTEN)

# Unit tests and the end-to-end suite, both against the sanitizer build.
test: deps $(ASAN)/build.ninja
	ninja -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN) --print-errorlogs
	CAIRND=$(CURDIR)/$(ASAN)/cairnd tests/e2e/run

unit: $(ASAN)/build.ninja
	ninja -C $(ASAN) && meson test -C $(ASAN) --print-errorlogs

e2e: $(ASAN)/build.ninja
	ninja -C $(ASAN) && CAIRND=$(CURDIR)/$(ASAN)/cairnd tests/e2e/run

bench: deps $(RELEASE)/build.ninja
	ninja -C $(RELEASE)
	bench/run.sh $(RELEASE)

# 10,000 concurrent executions of a 5-step runbook on a release cairnd (bench/bench_automation.py).
bench-automation: deps $(RELEASE)/build.ninja
	ninja -C $(RELEASE)
	python3 bench/bench_automation.py $(RELEASE)/cairnd

# The policy engine alone: decision latency for the reference principal (docs/policy.md).
bench-policy: $(RELEASE)/build.ninja
	ninja -C $(RELEASE) src/policy/bench_policy
	./$(RELEASE)/src/policy/bench_policy

fuzz: deps
	[ -f $(FUZZ)/build.ninja ] || CC=clang meson setup $(FUZZ) -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(FUZZ)
	fuzz/run.sh $(FUZZ)

clean:
	rm -rf $(BUILD) $(ASAN) $(RELEASE) $(FUZZ)
