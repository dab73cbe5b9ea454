package aws

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

func TestCatalog(t *testing.T) {
	for _, destroy := range []bool{false, true} {
		res := platRun(t, func(ctx *pulumi.Context) error {
			_, err := NewCatalog(ctx, "acme-prod-catalog", &CatalogArgs{KeyArn: pulumi.String(platKeyArn), DestroyData: destroy})
			return err
		})
		platDiff(t, "Catalog children", platChildren(t, res, CatalogType, "acme-prod-catalog"),
			[]string{"aws:dynamodb/table:Table acme-prod-catalog-table"})
		tab := platMust(t, res, "aws:dynamodb/table:Table", "acme-prod-catalog-table")
		in := tab.Inputs
		if in["name"] != "acme-prod-catalog-table" || in["billingMode"] != "PAY_PER_REQUEST" || in["hashKey"] != manifest.CatalogHashKey {
			t.Errorf("table %v: want on-demand, hash key %s", in, manifest.CatalogHashKey)
		}
		if _, ranged := in["rangeKey"]; ranged {
			t.Errorf("table has a range key %v; the manifest keys items by assetId alone", in["rangeKey"])
		}
		wantAttrs := []any{
			map[string]any{"name": "assetId", "type": "S"},
			map[string]any{"name": "tenant", "type": "S"},
			map[string]any{"name": "statusCreated", "type": "S"},
		}
		if !reflect.DeepEqual(in["attributes"], wantAttrs) {
			t.Errorf("attributes %v, want %v", in["attributes"], wantAttrs)
		}
		gsi := platAt(in, "globalSecondaryIndexes", "0")
		if platAt(gsi, "name") != "byTenant" || platAt(gsi, "hashKey") != "tenant" || platAt(gsi, "rangeKey") != "statusCreated" || platAt(gsi, "projectionType") != "ALL" {
			t.Errorf("index %v, want byTenant (tenant, statusCreated) projecting ALL", gsi)
		}
		if platAt(in, "pointInTimeRecovery", "enabled") != true {
			t.Error("point-in-time recovery off")
		}
		if platAt(in, "serverSideEncryption", "enabled") != true || platAt(in, "serverSideEncryption", "kmsKeyArn") != platKeyArn {
			t.Errorf("encryption %v, want the stack key", in["serverSideEncryption"])
		}
		if in["deletionProtectionEnabled"] != !destroy || tab.RetainOnDelete != !destroy {
			t.Errorf("DestroyData %v: deletion protection %v, retainOnDelete %v", destroy, in["deletionProtectionEnabled"], tab.RetainOnDelete)
		}
	}
}

func TestCatalogValidation(t *testing.T) {
	for _, tt := range []struct {
		name string
		args *CatalogArgs
		want string
	}{
		{"nil", nil, "catalog: args are required"},
		{"key", &CatalogArgs{}, "catalog: KeyArn is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err, n := platRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewCatalog(ctx, "acme-prod-catalog", tt.args)
				return err
			})
			if !strings.Contains(err.Error(), tt.want) || n != 0 {
				t.Errorf("error %v after %d registrations, want %q before any", err, n, tt.want)
			}
		})
	}
}
