# ottkit: the commands the README names. `make test` is what CI runs.
GO ?= go
STACK ?= dev-aws

.PHONY: demo test deps lint unit functions bench web

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

## web: install the dev page's players (hls.js, dash.js) from npm at their pinned versions
web:
	bash .ci/web

## functions: cross-compile every Lambda for linux/arm64 as deployed
functions:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -tags lambda.norpc ./functions/cmd/...

## bench: the benchmarks quoted in the docs
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./functions/... ./components/...
