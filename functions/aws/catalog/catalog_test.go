package catalog_test

import (
	"os"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

func newTable(t *testing.T) *catalog.Table {
	env := awstest.NewEnv(t, nil)
	return catalog.New(env.DynamoDB, env.CatalogTable(t))
}

func TestProgressIncreasesOnEveryAllowedMove(t *testing.T) {
	for _, from := range pipeline.Statuses {
		for _, to := range pipeline.Statuses {
			if !from.CanMoveTo(to) {
				continue
			}
			a := &pipeline.Asset{Status: from, Attempts: 1}
			if from == pipeline.StatusUploaded || from == pipeline.StatusQueued {
				a.Attempts = 0
			}
			before := catalog.Progress(a)
			b := *a
			if !b.Advance(to, time.Now()) {
				t.Fatalf("Advance(%s → %s) refused a move CanMoveTo allows", from, to)
			}
			if after := catalog.Progress(&b); after <= before {
				t.Errorf("%s → %s: progress %d → %d, want an increase", from, to, before, after)
			}
		}
	}
}
