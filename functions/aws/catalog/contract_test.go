package catalog_test

import (
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// TestContract runs the suite every pipeline.Catalog passes against the DynamoDB table on moto.
func TestContract(t *testing.T) {
	stagetest.CatalogContract(t, func(t *testing.T) pipeline.Catalog { return newTable(t) })
}
