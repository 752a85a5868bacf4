# Ardoise — the two commands: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash
export CARGO_BUILD_JOBS ?= 2
DEMO_ADDR ?= 127.0.0.1:8787
DEMO_DIR ?= .demo

.PHONY: deps ui build demo test gates rust-tests ui-tests screenshot clean

deps:
	@scripts/install-deps.sh

ui: deps
	cd ui && npm run --silent build

build: ui
	cargo build --workspace --bins

## Start the reference ENT with the demo school and open the app as martin.
demo: build
	@scripts/demo.sh "$(DEMO_ADDR)" "$(DEMO_DIR)"

## Every gate and every test.
test: ui gates ui-tests rust-tests screenshot
	@echo "make test: all gates and tests passed"

gates:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	scripts/check-core-deps.sh
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
	cd ui && npm run --silent typecheck

ui-tests:
	cd ui && npm test --silent

rust-tests:
	cargo test --workspace --locked

## The real app under Xvfb against the demo server: a screenshot in artifacts/.
screenshot:
	@scripts/screenshot.sh

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules $(DEMO_DIR) artifacts
