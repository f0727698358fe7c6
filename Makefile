# ticketbridge: every entry point a developer or CI needs. `make demo` and `make test` work on a
# fresh machine with only the Rust toolchain; `make package` installs cargo-lambda itself.

CARGO ?= cargo
# Where cargo puts builds: CARGO_TARGET_DIR when set, as cargo itself reads it.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
VENV := .venv
CARGO_LAMBDA := $(VENV)/bin/cargo-lambda
MOTO_SERVER := $(VENV)/bin/moto_server

.PHONY: fuzz template-checks moto infra-test synth deploy package-arm64 all demo test fmt-check clippy bins build unit lint bench bench-lambda profile-lambda profile-hot-path profile-envelope bench-store bench-metrics bench-backfill package tools mapping-table clean

all: test

## demo: build, then signed webhooks through webhook-bridge, and the events through mixpanel-sink and fullstory-sink in DRY_RUN, under a local Lambda Runtime API; every request in full goes to $(TARGET_DIR)/demo-requests.jsonl (DEMO_FLAGS=--verbose prints them)
demo: bins
	$(TARGET_DIR)/debug/ticketbridge demo --function $(TARGET_DIR)/debug/mixpanel-sink --fullstory $(TARGET_DIR)/debug/fullstory-sink --bridge $(TARGET_DIR)/debug/webhook-bridge --store $(TARGET_DIR)/debug/ticket-store --requests $(TARGET_DIR)/demo-requests.jsonl $(DEMO_FLAGS) events

## test: formatting, clippy -D warnings, every Rust test (unit, snapshots, wiremock, end to end, rules against moto, fuzzing), the CDK assertion and cdk-nag tests, a real cdk synth, and cfn-lint and checkov on the templates
test: fmt-check clippy build unit infra-test synth template-checks

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

lint: fmt-check clippy

# What the demo runs: the binaries alone, one build of the dependency tree.
bins:
	$(CARGO) build --workspace --bins --locked

# The end-to-end tests run the real binaries, so they are built first. The tests are built in the
# same invocation so that the binaries get the features the test run unifies (dev-dependencies
# turn on tokio's test-util, serde's alloc, …): built alone, the bins would need a second copy of
# the whole dependency tree.
build:
	$(CARGO) build --workspace --bins --tests --locked

# The rule tests run moto's EventBridge as an independent matcher (tests/e2e/rules_moto.rs), and
# mixpanel-sink is run under cargo-lambda's Runtime API emulator (tests/e2e/cargo_lambda.rs).
unit: moto tools
	MOTO_SERVER="$(CURDIR)/$(MOTO_SERVER)" CARGO_LAMBDA="$(CURDIR)/$(CARGO_LAMBDA)" $(CARGO) test --workspace --locked

## fuzz: every decoder on FUZZ_CASES (default 200000) arbitrary and mutated inputs per property; make test runs 5000
FUZZ_CASES ?= 200000
fuzz:
	FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test --release --locked -p ticketbridge-e2e --test fuzz_decoders

## moto: moto's server (EventBridge and SQS emulation) from PyPI, into .venv
moto: $(MOTO_SERVER)

$(MOTO_SERVER):
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet 'moto[server]==5.2.5'

## infra-test: the CDK app's assertion tests (wiring, IAM, alarms, every rule file, cdk-nag), on node's test runner
infra-test: infra/node_modules
	cd infra && npx tsc && node --test dist/test/

## synth: cdk synth of the real arm64 build, offline (no credentials, no Docker); CDK context via CDK_CONTEXT
CDK_CONTEXT ?= -c zendeskSubdomain=example -c account=123456789012 -c region=eu-west-1
synth: infra/node_modules package-arm64
	cd infra && npx tsc && npx cdk synth --quiet $(CDK_CONTEXT)

## template-checks: cfn-lint (no error) and checkov (every finding fixed or skipped in code with its reason) on the synthesized template, default and with customerManagedKey + highVolume + ticketStore + profiles from its stream
LINT_VENV := .venv-lint
CFN_LINT := $(LINT_VENV)/bin/cfn-lint
CHECKOV := $(LINT_VENV)/bin/checkov
template-checks: synth $(CHECKOV)
	cd infra && npx cdk synth --quiet $(CDK_CONTEXT) -c customerManagedKey=true -c highVolume=true -c alarmEmail=ops@example.com -c ticketStore=true -c mixpanelProfiles=store -o cdk.out.cmk
	for t in infra/cdk.out/ticketbridge.template.json infra/cdk.out.cmk/ticketbridge.template.json; do \
		$(CFN_LINT) --non-zero-exit-code error $$t && \
		$(CHECKOV) -f $$t --framework cloudformation --quiet --compact 2>/dev/null || exit 1; \
	done

# A venv of their own: checkov pins boto3 and botocore, which moto's venv needs at other versions.
$(CHECKOV):
	test -x $(LINT_VENV)/bin/python || python3 -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install --quiet 'cfn-lint==1.58.0' 'checkov==3.3.30'

## deploy: build, then cdk deploy with your credentials (CDK_CONTEXT: -c zendeskSubdomain=… and the other options in README)
deploy: infra/node_modules package-arm64
	cd infra && npx tsc && npx cdk deploy $(CDK_CONTEXT)

infra/node_modules: infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund
	touch $@

## bench: in-process benchmarks, then init time, memory and latency of the real binaries
bench:
	$(CARGO) bench -p mixpanel-sink --bench pipeline
	$(CARGO) bench -p webhook-bridge --bench handler
	$(CARGO) bench -p fullstory --bench mapping
	$(MAKE) bench-lambda
	$(MAKE) bench-store
	$(MAKE) bench-metrics
	$(MAKE) bench-backfill

bench-lambda:
	$(CARGO) build --release --locked -p mixpanel-sink -p webhook-bridge -p fullstory-sink
	$(CARGO) run --release --locked -p ticketbridge-e2e --bin lambda-bench -- $(TARGET_DIR)/release/mixpanel-sink
	$(CARGO) build --release --locked -p lambda-io --example runtime_floor
	@echo "the runtime reading the payload itself (ignored), then the sinks' way: the payload taken unread and read into the envelope:"
	$(TARGET_DIR)/release/lambda-bench $(TARGET_DIR)/release/examples/runtime_floor | grep '6 MB'
	$(TARGET_DIR)/release/lambda-bench $(TARGET_DIR)/release/examples/runtime_floor FLOOR_TAKE=1 | grep '6 MB'
	$(CARGO) run --release --locked -p ticketbridge-e2e --bin bridge-bench -- $(TARGET_DIR)/release/webhook-bridge
	$(CARGO) run --release --locked -p ticketbridge-e2e --bin fullstory-bench -- $(TARGET_DIR)/release/fullstory-sink

## profile-lambda: a perf profile of the real mixpanel-sink (release, with symbols, in target/profile) over ten 6 MB SQS batches; the report is target/profile/perf.txt
profile-lambda:
	CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_TARGET_DIR=$(TARGET_DIR)/profile $(CARGO) build --release --locked -p mixpanel-sink
	$(CARGO) build --release --locked -p ticketbridge-e2e --bin lambda-bench
	PERF_DATA=$(TARGET_DIR)/profile/perf.data $(TARGET_DIR)/release/lambda-bench $(TARGET_DIR)/profile/release/mixpanel-sink
	perf report -i $(TARGET_DIR)/profile/perf.data --no-children --percent-limit 0.5 --stdio --sort symbol > $(TARGET_DIR)/profile/perf.txt
	head -60 $(TARGET_DIR)/profile/perf.txt

## profile-hot-path: instructions of the in-process hot path (callgrind counts instructions, repeatable on a shared machine where time is not), 50 rounds of every sample
profile-hot-path:
	$(CARGO) build --release --locked -p mixpanel-sink --example hot_path
	valgrind --tool=callgrind --callgrind-out-file=$(TARGET_DIR)/callgrind.hot_path $(TARGET_DIR)/release/examples/hot_path 50
	callgrind_annotate $(TARGET_DIR)/callgrind.hot_path | head -40

## profile-envelope: instructions to read a 4,000-record SQS batch and open every event, with aws_lambda_events' SqsEvent and with lambda-io's envelope
profile-envelope:
	$(CARGO) build --release --locked -p lambda-io --example envelope_read
	for way in sqs-event envelope; do valgrind --tool=callgrind --callgrind-out-file=$(TARGET_DIR)/callgrind.$$way $(TARGET_DIR)/release/examples/envelope_read $$way 2>&1 | grep refs; done

## bench-store: items written per second per ticket-store instance (release binary) against the local table, at several STORE_CONCURRENCY values; init time
bench-store:
	$(CARGO) build --release --locked -p ticket-store
	$(CARGO) run --release --locked -p ticketbridge-e2e --bin store-bench -- $(TARGET_DIR)/release/ticket-store

## bench-metrics: init time, throughput and peak memory of one scheduled ticket-metrics run over METRICS_BENCH_TICKETS tickets (default 30000) from a mock export enforcing 10 requests/min
METRICS_BENCH_TICKETS ?= 30000
bench-metrics:
	$(CARGO) build --release --locked -p ticket-metrics
	$(CARGO) run --release --locked -p ticketbridge-e2e --bin metrics-bench -- $(TARGET_DIR)/release/ticket-metrics $(METRICS_BENCH_TICKETS)

## bench-backfill: the real `ticketbridge backfill` against a mock export enforcing 10 requests/min (BACKFILL_BENCH_SECONDS, default 180)
BACKFILL_BENCH_SECONDS ?= 180
bench-backfill:
	$(CARGO) build --release --locked -p ticketbridge-cli
	$(CARGO) run --release --locked -p ticketbridge-e2e --bin backfill-bench -- $(TARGET_DIR)/release/ticketbridge $(BACKFILL_BENCH_SECONDS)

LAMBDA_PACKAGES := -p mixpanel-sink -p webhook-bridge -p fullstory-sink -p ticket-metrics -p ticket-store

## package: Lambda zips for provided.al2023 on arm64 (what infra/ deploys) and x86_64 (target/lambda/*)
package: package-arm64
	rustup target add x86_64-unknown-linux-gnu
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CARGO_LAMBDA) lambda build --release --x86-64 --output-format zip --lambda-dir target/lambda/x86_64 $(LAMBDA_PACKAGES)

package-arm64: tools
	rustup target add aarch64-unknown-linux-gnu
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CARGO_LAMBDA) lambda build --release --arm64 --output-format zip --lambda-dir target/lambda/arm64 $(LAMBDA_PACKAGES)

tools: $(CARGO_LAMBDA)

$(CARGO_LAMBDA):
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet 'cargo-lambda==1.9.2'

mapping-table:
	@$(CARGO) run --quiet -p ticketbridge-cli --bin ticketbridge -- mapping-table mixpanel
	@echo
	@$(CARGO) run --quiet -p ticketbridge-cli --bin ticketbridge -- mapping-table fullstory

clean:
	$(CARGO) clean
	rm -rf $(VENV)
