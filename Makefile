# Ardoise — the two commands: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash
export CARGO_BUILD_JOBS ?= 2
DEMO_ADDR ?= 127.0.0.1:8787
DEMO_DIR ?= .demo
# Where cargo puts what it builds: CARGO_TARGET_DIR when set, as cargo does.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
export TARGET_DIR
# The Python environment of the tests' independent references (scripts/pyenv.sh).
PYENV := $(TARGET_DIR)/pyenv
export ARDOISE_PYTHON ?= $(PYENV)/bin/python

.PHONY: deps pyenv ui build demo test gates rust-tests ui-tests e2e package package-test soak fuzz fuzz-smoke bench bindings clean

deps:
	@scripts/install-deps.sh

pyenv: deps
	@scripts/pyenv.sh "$(PYENV)"

ui: deps
	cd ui && npm run --silent build

## The binaries, built with the test suite's feature set so `make test` reuses them.
build: ui
	cargo test --workspace --no-run --locked

## Start the reference ENT with the demo school and open the app as martin.
demo: build
	@scripts/demo.sh "$(DEMO_ADDR)" "$(DEMO_DIR)"

## Every gate and every test.
test: ui gates ui-tests rust-tests e2e package-test fuzz-smoke
	@echo "make test: all gates and tests passed"

gates:
	cargo fmt --all --check
	cargo fmt --manifest-path fuzz/Cargo.toml --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	scripts/check-core-deps.sh
	scripts/check-core-api.sh
	scripts/check-self-contained.sh
	scripts/check-no-html.sh
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
	cd ui && npm run --silent typecheck

ui-tests:
	cd ui && npm test --silent

rust-tests: pyenv
	cargo test --workspace --locked

## The real app in a WebKit window under Xvfb, driven by WebKitWebDriver, against the real
## server: the user stories end to end, with screenshots in artifacts/e2e/.
## (`--workspace` rather than `--test e2e`: the same selection as rust-tests resolves the
## same features, so nothing is compiled twice. The e2e binary runs its stories only when
## given `--ignored`; no other test is ignored, so the rest run nothing here.)
## The stories run on the release app binary, as users get it (the one `make package` ships),
## built with the updater's public key (scripts/updater-key.sh: a test key unless
## ARDOISE_UPDATER_KEY names the release key).
e2e: ui
	key=$$(scripts/updater-key.sh) && ARDOISE_UPDATER_PUBKEY="$$key" \
	  cargo build --release -p ardoise-app --locked --features custom-protocol
	ARDOISE_APP_BIN="$(TARGET_DIR)/release/ardoise-app" xvfb-run -a -s "-screen 0 1280x800x24" \
	  cargo test --workspace --locked -- --ignored --nocapture --test-threads=1

## The packages a school installs, in $(TARGET_DIR)/package/: the app and the `ardoise`
## command as .deb and .rpm, the server as a .deb (a systemd service), and a signed APT
## repository of them (apt/), and the updater's channel (updates/: latest.json and the
## signed packages); lintian-checked.
package: ui
	scripts/package.sh

## The packages installed on a clean Debian 12 (debootstrap, cached) from the signed APT
## repository (a tampered copy refused): the app draws its window and is removed without
## a trace; the server starts as its service and is purged.
package-test: package build
	scripts/package-test.sh

## Performance on a large lycée (issue 6), release builds, server on loopback: a table,
## then one JSON line. BENCH_SIZES as `ardoise-server --size` takes them, smallest first.
BENCH_SIZES ?= 3,large
bench: deps
	cargo build --release --locked -p ardoise-server -p ardoise-cli -p ardoise-bench --features ardoise-server/demo
	"$(TARGET_DIR)/release/ardoise-bench" --sizes $(BENCH_SIZES)

## The long version of the randomised tests: SEEDS convergence seeds (200 in `make test`)
## and ROUNDS crash rounds (100 in `make test`). A failure prints the seed to replay.
SEEDS ?= 10000
ROUNDS ?= 1000
## The Open ENT NG conformance suite talks HTTP to the fake: about a second a seed.
OPEN_ENT_SEEDS ?= 1000
soak: deps
	ARDOISE_SEEDS=$(SEEDS) cargo test -p ardoise-sync --test convergence --locked -- --nocapture
	ARDOISE_SEEDS=$(OPEN_ENT_SEEDS) cargo test -p ardoise-sync --test conformance_open_ent --locked -- --nocapture
	ARDOISE_CRASH_ROUNDS=$(ROUNDS) cargo test -p ardoise-cli --test crash --locked -- --nocapture

## Fuzzing (libFuzzer, nightly Rust; installed when missing) of the protocol decoder and
## the merge rule: FUZZ_SECS per target. `make test` runs a 15-second smoke of each.
FUZZ_SECS ?= 300
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECS)
fuzz-smoke: deps
	scripts/fuzz.sh 15

## Rewrites ui/src/bindings.ts from the Rust types (a test fails while it is stale).
bindings:
	ARDOISE_WRITE_BINDINGS=1 cargo test --workspace --locked --lib bindings

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules $(DEMO_DIR) artifacts
