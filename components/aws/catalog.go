package aws

import (
	"errors"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// CatalogType is the type token of Catalog.
const CatalogType = "ottkit:aws:Catalog"

// CatalogArgs configures the asset catalog.
type CatalogArgs struct {
	// KeyArn encrypts the table. Required.
	KeyArn pulumi.StringInput
	// DestroyData lets `pulumi destroy` delete the table: it turns deletion protection off
	// and does not retain the table. By default both protect it.
	DestroyData bool
	// Tags are set on the table.
	Tags pulumi.StringMap
}

// Catalog is the DynamoDB table holding one item per asset, keyed as manifest.go says:
// hash key assetId, and the byTenant index (tenant, statusCreated) that lists a tenant's
// assets by status and age. On-demand capacity, point-in-time recovery, KMS encryption with
// the stack key.
type Catalog struct {
	pulumi.ResourceState

	Table *dynamodb.Table
	Name  pulumi.StringOutput `pulumi:"name"`
	Arn   pulumi.StringOutput `pulumi:"arn"`
}

// NewCatalog creates the table.
func NewCatalog(ctx *pulumi.Context, name string, args *CatalogArgs, opts ...pulumi.ResourceOption) (*Catalog, error) {
	if args == nil {
		return nil, errors.New("catalog: args are required")
	}
	if err := checkName("catalog", name, 255-len("-table")); err != nil {
		return nil, err
	}
	if args.KeyArn == nil {
		return nil, errors.New("catalog: KeyArn is required")
	}
	c := &Catalog{}
	if err := ctx.RegisterComponentResource(CatalogType, name, c, opts...); err != nil {
		return nil, err
	}
	childOpts := []pulumi.ResourceOption{pulumi.Parent(c)}
	if !args.DestroyData {
		childOpts = append(childOpts, pulumi.RetainOnDelete(true))
	}
	var err error
	c.Table, err = dynamodb.NewTable(ctx, name+"-table", &dynamodb.TableArgs{
		Name:        pulumi.String(name + "-table"),
		BillingMode: pulumi.String("PAY_PER_REQUEST"),
		HashKey:     pulumi.String(manifest.CatalogHashKey),
		Attributes: dynamodb.TableAttributeArray{
			dynamodb.TableAttributeArgs{Name: pulumi.String(manifest.CatalogHashKey), Type: pulumi.String("S")},
			dynamodb.TableAttributeArgs{Name: pulumi.String(manifest.CatalogIndexHashKey), Type: pulumi.String("S")},
			dynamodb.TableAttributeArgs{Name: pulumi.String(manifest.CatalogIndexRangeKey), Type: pulumi.String("S")},
		},
		GlobalSecondaryIndexes: dynamodb.TableGlobalSecondaryIndexArray{
			dynamodb.TableGlobalSecondaryIndexArgs{
				Name:           pulumi.String(manifest.CatalogIndexName),
				HashKey:        pulumi.String(manifest.CatalogIndexHashKey),
				RangeKey:       pulumi.String(manifest.CatalogIndexRangeKey),
				ProjectionType: pulumi.String("ALL"),
			},
		},
		PointInTimeRecovery:       &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		DeletionProtectionEnabled: pulumi.Bool(!args.DestroyData),
		ServerSideEncryption: &dynamodb.TableServerSideEncryptionArgs{
			Enabled:   pulumi.Bool(true),
			KmsKeyArn: args.KeyArn,
		},
		Tags: args.Tags,
	}, childOpts...)
	if err != nil {
		return nil, err
	}
	c.Name, c.Arn = c.Table.Name, c.Table.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"name": c.Name, "arn": c.Arn})
}
