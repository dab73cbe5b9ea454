package catalog_test

import (
	"path/filepath"
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func TestCatalogContract(t *testing.T) {
	stagetest.CatalogContract(t, func(t *testing.T) pipeline.Catalog {
		c, db := open(t, filepath.Join(t.TempDir(), "ottkit.db"))
		t.Cleanup(func() { db.Close() })
		return c
	})
}
