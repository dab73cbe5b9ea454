package gcp

import (
	"errors"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/firestore"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// CatalogType is the type token of Catalog.
const CatalogType = "ottkit:gcp:Catalog"

// CatalogArgs configures the asset catalog.
type CatalogArgs struct {
	// Project and Region place the database; the key must be in the same region. Required.
	Project, Region string
	// KeyID encrypts the database (CMEK is set at creation only). Required.
	KeyID pulumi.StringInput
	// DestroyData lets `pulumi destroy` delete the database: delete protection off and
	// deletion policy DELETE. By default the database is protected and abandoned.
	DestroyData bool
}

// Catalog is a named Firestore Native database per stack (several stacks can share a
// project), with point-in-time recovery, delete protection, the stack's CMEK, pessimistic
// concurrency (the catalog's conditional writes run in transactions) and the composite index
// (tenant, indexKey) that listing a tenant's assets needs.
type Catalog struct {
	pulumi.ResourceState

	Database *firestore.Database
	Index    *firestore.Index
	// Name is the database id FIRESTORE_DATABASE carries.
	Name pulumi.StringOutput `pulumi:"name"`
}

// NewCatalog creates the database and its index.
func NewCatalog(ctx *pulumi.Context, name string, args *CatalogArgs, opts ...pulumi.ResourceOption) (*Catalog, error) {
	if args == nil {
		return nil, errors.New("catalog: args are required")
	}
	if err := checkName("catalog", name, 63); err != nil {
		return nil, err
	}
	if err := checkPlace("catalog", args.Project, args.Region); err != nil {
		return nil, err
	}
	if args.KeyID == nil {
		return nil, errors.New("catalog: KeyID is required")
	}
	c := &Catalog{}
	if err := ctx.RegisterComponentResource(CatalogType, name, c, opts...); err != nil {
		return nil, err
	}
	dbOpts := []pulumi.ResourceOption{pulumi.Parent(c)}
	protect, policy := "DELETE_PROTECTION_ENABLED", "ABANDON"
	if args.DestroyData {
		protect, policy = "DELETE_PROTECTION_DISABLED", "DELETE"
	} else {
		dbOpts = append(dbOpts, pulumi.RetainOnDelete(true))
	}
	var err error
	c.Database, err = firestore.NewDatabase(ctx, name+"-db", &firestore.DatabaseArgs{
		Project:                       pulumi.String(args.Project),
		Name:                          pulumi.String(name),
		LocationId:                    pulumi.String(args.Region),
		Type:                          pulumi.String("FIRESTORE_NATIVE"),
		ConcurrencyMode:               pulumi.String("PESSIMISTIC"),
		AppEngineIntegrationMode:      pulumi.String("DISABLED"),
		PointInTimeRecoveryEnablement: pulumi.String("POINT_IN_TIME_RECOVERY_ENABLED"),
		DeleteProtectionState:         pulumi.String(protect),
		DeletionPolicy:                pulumi.String(policy),
		CmekConfig:                    &firestore.DatabaseCmekConfigArgs{KmsKeyName: args.KeyID},
	}, dbOpts...)
	if err != nil {
		return nil, err
	}
	c.Index, err = firestore.NewIndex(ctx, name+"-by-tenant", &firestore.IndexArgs{
		Project:    pulumi.String(args.Project),
		Database:   c.Database.Name,
		Collection: pulumi.String(manifest.CatalogCollection),
		QueryScope: pulumi.String("COLLECTION"),
		Fields: firestore.IndexFieldArray{
			firestore.IndexFieldArgs{FieldPath: pulumi.String(manifest.CatalogIndexField1), Order: pulumi.String("ASCENDING")},
			firestore.IndexFieldArgs{FieldPath: pulumi.String(manifest.CatalogIndexField2), Order: pulumi.String("ASCENDING")},
			firestore.IndexFieldArgs{FieldPath: pulumi.String("__name__"), Order: pulumi.String("ASCENDING")},
		},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.Name = c.Database.Name
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"name": c.Name})
}
