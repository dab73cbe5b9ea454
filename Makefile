# ottkit: the commands the README names. `make test` is what CI runs.
GO ?= go
STACK ?= dev-aws
# DIST is where `make functions` writes each Lambda: $(DIST)/<function>/bootstrap.
DIST ?= dist
# The Lambda functions: functions/cmd/gcp-* are the GCP ones, built into source archives instead.
FUNCTIONS := $(filter-out gcp-%,$(notdir $(wildcard functions/cmd/*)))
# DEV_ARGS are passed to `ottkit dev`, e.g. make dev DEV_ARGS="--ingest clip.mp4".
DEV_ARGS ?=

.PHONY: dev demo test deps lint unit functions bench web

## demo: plan the dev-aws stack offline (no cloud account, no Pulumi CLI) and run the policy pack
demo:
	$(GO) run ./cmd/ottkit plan --stack $(STACK)

## test: install what the tests need, then lint and run every test
test: deps lint unit

deps:
	bash .ci/deps

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

## dev: build ottkit and run the whole platform on this machine (ottkit dev)
dev: web
	@echo "building ottkit into bin/ottkit: the first build compiles the Pulumi, AWS and GCP SDKs and takes 5 to 10 minutes on two cores; later builds take seconds"
	@$(GO) build -o bin/ottkit ./cmd/ottkit
	bin/ottkit dev $(DEV_ARGS)

## web: install the dev page's players (hls.js, dash.js) from npm at their pinned versions
web:
	bash .ci/web

## functions: cross-compile every Lambda for linux/arm64 exactly as `pulumi up` packages it,
## into $(DIST)/<function>/bootstrap
functions:
	@for fn in $(FUNCTIONS); do \
		echo "$(DIST)/$$fn/bootstrap"; \
		GOOS=linux GOARCH=arm64 GOARM64=v8.0 CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false \
			-tags lambda.norpc -ldflags "-s -w -buildid=" -o $(DIST)/$$fn/bootstrap ./functions/cmd/$$fn || exit 1; \
	done

## bench: the benchmarks quoted in the docs
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./functions/... ./components/...
