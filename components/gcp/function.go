package gcp

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/artifactregistry"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudfunctionsv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// FunctionSourcesType and GoFunctionType are the type tokens of FunctionSources and
// GoFunction.
const (
	FunctionSourcesType = "ottkit:gcp:FunctionSources"
	GoFunctionType      = "ottkit:gcp:GoFunction"
)

// FunctionSourcesArgs configures where function sources and images live.
type FunctionSourcesArgs struct {
	// Project and Region place the bucket and the image repository. Required.
	Project, Region string
	// KeyID encrypts both. Required.
	KeyID pulumi.StringInput
	// Labels are set on both.
	Labels pulumi.StringMap
}

// FunctionSources is the private bucket holding the functions' source archives (uploaded
// under their content hash, so an unchanged archive is no change), the Artifact Registry
// repository the builds push images to (CMEK, untagged images cleaned up after 30 days),
// and the build service account, which may read sources, write that repository and write
// build logs, and nothing else (instead of the default compute account).
type FunctionSources struct {
	pulumi.ResourceState

	Bucket     *storage.Bucket
	Repository *artifactregistry.Repository
	Builder    *serviceaccount.Account

	BucketName   pulumi.StringOutput `pulumi:"bucketName"`
	RepositoryID pulumi.StringOutput `pulumi:"repositoryId"`
	BuilderID    pulumi.StringOutput `pulumi:"builderId"`
	BuilderEmail pulumi.StringOutput `pulumi:"builderEmail"`
}

// NewFunctionSources creates the bucket, the repository and the build account.
func NewFunctionSources(ctx *pulumi.Context, name string, args *FunctionSourcesArgs, opts ...pulumi.ResourceOption) (*FunctionSources, error) {
	if args == nil {
		return nil, errors.New("function sources: args are required")
	}
	if err := checkName("function sources", name, 63-len("-sources")); err != nil {
		return nil, err
	}
	if err := checkPlace("function sources", args.Project, args.Region); err != nil {
		return nil, err
	}
	if args.KeyID == nil {
		return nil, errors.New("function sources: KeyID is required")
	}
	s := &FunctionSources{}
	if err := ctx.RegisterComponentResource(FunctionSourcesType, name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	var err error
	s.Bucket, err = storage.NewBucket(ctx, name+"-sources", &storage.BucketArgs{
		Project:                  pulumi.String(args.Project),
		Name:                     pulumi.String(name + "-sources"),
		Location:                 pulumi.String(args.Region),
		UniformBucketLevelAccess: pulumi.Bool(true),
		PublicAccessPrevention:   pulumi.String("enforced"),
		Encryption:               &storage.BucketEncryptionArgs{DefaultKmsKeyName: args.KeyID},
		SoftDeletePolicy:         &storage.BucketSoftDeletePolicyArgs{RetentionDurationSeconds: pulumi.IntPtr(SoftDeleteSeconds)},
		// Archives are rebuilt from the repository: nothing here is data.
		ForceDestroy: pulumi.Bool(true),
		Labels:       labelsOrEmpty(args.Labels),
	}, parent)
	if err != nil {
		return nil, err
	}
	s.Repository, err = artifactregistry.NewRepository(ctx, name+"-images", &artifactregistry.RepositoryArgs{
		Project:      pulumi.String(args.Project),
		Location:     pulumi.String(args.Region),
		RepositoryId: pulumi.String(name + "-functions"),
		Format:       pulumi.String("DOCKER"),
		KmsKeyName:   args.KeyID,
		CleanupPolicies: artifactregistry.RepositoryCleanupPolicyArray{
			artifactregistry.RepositoryCleanupPolicyArgs{
				Id:     pulumi.String("untagged-30d"),
				Action: pulumi.String("DELETE"),
				Condition: &artifactregistry.RepositoryCleanupPolicyConditionArgs{
					TagState:  pulumi.String("UNTAGGED"),
					OlderThan: pulumi.String("2592000s"),
				},
			},
		},
		Labels: labelsOrEmpty(args.Labels),
	}, parent)
	if err != nil {
		return nil, err
	}
	s.Builder, err = serviceaccount.NewAccount(ctx, name+"-builder", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   pulumi.String(accountID(name, "build")),
		DisplayName: pulumi.String(name + " function builds"),
	}, parent)
	if err != nil {
		return nil, err
	}
	builder := saMember(s.Builder.Email)
	if _, err := storage.NewBucketIAMMember(ctx, name+"-builder-reads-sources", &storage.BucketIAMMemberArgs{
		Bucket: s.Bucket.Name, Role: pulumi.String("roles/storage.objectViewer"), Member: builder,
	}, parent); err != nil {
		return nil, err
	}
	if _, err := artifactregistry.NewRepositoryIamMember(ctx, name+"-builder-writes-images", &artifactregistry.RepositoryIamMemberArgs{
		Project: pulumi.String(args.Project), Location: pulumi.String(args.Region),
		Repository: s.Repository.Name, Role: pulumi.String("roles/artifactregistry.writer"), Member: builder,
	}, parent); err != nil {
		return nil, err
	}
	// Build logs have no resource-level grant: logWriter on the project is the narrowest.
	if _, err := projectMember(ctx, name+"-builder-logs", args.Project, "roles/logging.logWriter", builder, nil, parent); err != nil {
		return nil, err
	}
	s.BucketName, s.RepositoryID = s.Bucket.Name, s.Repository.ID().ToStringOutput()
	s.BuilderID, s.BuilderEmail = s.Builder.Name, s.Builder.Email
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"bucketName": s.BucketName, "repositoryId": s.RepositoryID,
		"builderId": s.BuilderID, "builderEmail": s.BuilderEmail,
	})
}

// SourceArchive is a function's built source archive: a zip file and the hex SHA-256 of its
// bytes, which names the uploaded object.
type SourceArchive struct {
	Path, SHA256 string
}

// ResourceRef is the concrete resource behind a manifest.Resource: whichever of its
// attributes the manifest's environment and permissions use.
type ResourceRef struct {
	// Name is a bucket name, database id, topic or queue short name.
	Name pulumi.StringInput
	// ID is the full resource name (projects/P/topics/T, .../queues/Q, .../secrets/S,
	// projects/P/serviceAccounts/E).
	ID pulumi.StringInput
	// URL is a function's HTTPS URL; Email a service account's; Location
	// projects/P/locations/R.
	URL, Email, Location pulumi.StringInput
}

// GoFunctionArgs configures one function.
type GoFunctionArgs struct {
	// Function is the manifest entry: name, entry point, triggers, environment, permissions.
	Function manifest.Function
	// Project and Region place the function. Required.
	Project, Region string
	// Source is the built archive. Required.
	Source SourceArchive
	// Sources is the stack's FunctionSources. Required.
	Sources *FunctionSources
	// Runtime is the Cloud Run functions Go runtime that builds Source (the one
	// functions/gcp/sourcearchive chose for it). Required.
	Runtime string
	// Resources holds every resource the manifest entry names; Settings every setting.
	Resources map[manifest.Resource]ResourceRef
	Settings  map[manifest.Setting]pulumi.StringInput
	// Invokers are the identities of each trigger kind: each trigger's identity gets
	// run.invoker on this function's service, and nobody else does.
	Invokers map[manifest.TriggerKind]pulumi.StringInput
	// MaxInstances caps the function's instances (its concurrency). Required (1..1000).
	MaxInstances int
	// Labels are set on the function and its service account's archive object.
	Labels pulumi.StringMap
}

// GoFunction is a Cloud Run function (2nd gen, HTTP-triggered) with its own service account,
// granted exactly the manifest's permissions: per resource (and object prefix) a custom role
// holding those permissions, bound on that resource alone with an IAM Condition for a
// prefix. Ingress is internal-only unless API Gateway calls it.
type GoFunction struct {
	pulumi.ResourceState

	Account  *serviceaccount.Account
	Function *cloudfunctionsv2.Function
	// Grants are the custom roles and their members, in manifest order.
	Grants []*Grant

	Name    pulumi.StringOutput `pulumi:"name"`
	URL     pulumi.StringOutput `pulumi:"url"`
	Email   pulumi.StringOutput `pulumi:"email"`
	Service pulumi.StringOutput `pulumi:"service"`
}

var entryPointRe = regexp.MustCompile(`^[A-Z][A-Za-z0-9_]*$`)

// NewGoFunction creates the function.
func NewGoFunction(ctx *pulumi.Context, name string, args *GoFunctionArgs, opts ...pulumi.ResourceOption) (*GoFunction, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	fn := args.Function
	f := &GoFunction{}
	if err := ctx.RegisterComponentResource(GoFunctionType, name, f, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(f)
	var err error
	f.Account, err = serviceaccount.NewAccount(ctx, name+"-account", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   pulumi.String(fit(name, 30)),
		DisplayName: pulumi.String(name),
		Description: pulumi.String("ottkit " + fn.Name + " function"),
	}, parent)
	if err != nil {
		return nil, err
	}
	me := ResourceRef{Email: f.Account.Email, ID: f.Account.Name}
	var grants []pulumi.Resource
	for i, g := range groupPermissions(fn.Permissions) {
		ref := args.Resources[g.On]
		if g.On == manifest.Self {
			ref = me
		}
		gr, err := newGrant(ctx, f, fmt.Sprintf("%s-grant-%d", name, i), args.Project, args.Region, roleID(name, g), g, ref, f.Account.Email)
		if err != nil {
			return nil, err
		}
		f.Grants = append(f.Grants, gr)
		grants = append(grants, gr.Member)
	}
	env := pulumi.StringMap{}
	for _, e := range fn.Env {
		if e.Setting != "" {
			env[e.Name] = args.Settings[e.Setting]
			continue
		}
		ref := args.Resources[e.From]
		if e.From == manifest.Self {
			ref = me
		}
		env[e.Name] = attr(ref, e.Attr)
	}
	object, err := storage.NewBucketObject(ctx, name+"-source", &storage.BucketObjectArgs{
		Bucket:      args.Sources.BucketName,
		Name:        pulumi.String(fmt.Sprintf("%s/%s.zip", fn.Name, args.Source.SHA256)),
		Source:      pulumi.NewFileAsset(args.Source.Path),
		ContentType: pulumi.String("application/zip"),
	}, parent)
	if err != nil {
		return nil, err
	}
	ingress := "ALLOW_INTERNAL_ONLY"
	for _, t := range fn.Triggers {
		if t.Kind == manifest.Gateway {
			ingress = "ALLOW_ALL" // API Gateway calls from outside the project's network
		}
	}
	f.Function, err = cloudfunctionsv2.NewFunction(ctx, name+"-function", &cloudfunctionsv2.FunctionArgs{
		Project:     pulumi.String(args.Project),
		Location:    pulumi.String(args.Region),
		Name:        pulumi.String(name),
		Description: pulumi.String("ottkit " + fn.Name),
		BuildConfig: &cloudfunctionsv2.FunctionBuildConfigArgs{
			Runtime:          pulumi.String(args.Runtime),
			EntryPoint:       pulumi.String(fn.EntryPoint),
			ServiceAccount:   args.Sources.BuilderID,
			DockerRepository: args.Sources.RepositoryID,
			Source: &cloudfunctionsv2.FunctionBuildConfigSourceArgs{
				StorageSource: &cloudfunctionsv2.FunctionBuildConfigSourceStorageSourceArgs{
					Bucket: args.Sources.BucketName,
					Object: object.Name,
				},
			},
		},
		ServiceConfig: &cloudfunctionsv2.FunctionServiceConfigArgs{
			ServiceAccountEmail:           f.Account.Email,
			AvailableMemory:               pulumi.String(fmt.Sprintf("%dMi", fn.MemoryMB)),
			TimeoutSeconds:                pulumi.IntPtr(fn.TimeoutSeconds),
			MaxInstanceCount:              pulumi.IntPtr(args.MaxInstances),
			MinInstanceCount:              pulumi.IntPtr(0),
			MaxInstanceRequestConcurrency: pulumi.IntPtr(1),
			IngressSettings:               pulumi.String(ingress),
			AllTrafficOnLatestRevision:    pulumi.Bool(true),
			EnvironmentVariables:          env,
		},
		Labels: labelsOrEmpty(args.Labels),
	}, parent, pulumi.DependsOn(grants))
	if err != nil {
		return nil, err
	}
	f.Service = f.Function.ServiceConfig.Service().Elem()
	seen := map[manifest.TriggerKind]bool{}
	for _, t := range fn.Triggers {
		if seen[t.Kind] {
			continue
		}
		seen[t.Kind] = true
		if _, err := cloudrunv2.NewServiceIamMember(ctx, fmt.Sprintf("%s-invoker-%s", name, t.Kind), &cloudrunv2.ServiceIamMemberArgs{
			Project:  pulumi.String(args.Project),
			Location: pulumi.String(args.Region),
			Name:     f.Service,
			Role:     pulumi.String("roles/run.invoker"),
			Member:   saMember(args.Invokers[t.Kind]),
		}, parent); err != nil {
			return nil, err
		}
	}
	f.Name, f.URL, f.Email = f.Function.Name, f.Function.Url, f.Account.Email
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{
		"name": f.Name, "url": f.URL, "email": f.Email, "service": f.Service,
	})
}

func (a *GoFunctionArgs) validate(name string) error {
	if a == nil {
		return errors.New("function: args are required")
	}
	fn := a.Function
	// The function's account id is the name: at most 30 characters.
	if err := checkName("function", name, 63); err != nil {
		return err
	}
	if err := checkPlace("function "+name, a.Project, a.Region); err != nil {
		return err
	}
	switch {
	case fn.Name == "" || !entryPointRe.MatchString(fn.EntryPoint):
		return fmt.Errorf("function %s: Function needs a Name and an exported EntryPoint (got %q)", name, fn.EntryPoint)
	case a.Source.Path == "" || len(a.Source.SHA256) != 64:
		return fmt.Errorf("function %s: Source needs the archive's Path and hex SHA256", name)
	case a.Sources == nil:
		return fmt.Errorf("function %s: Sources is required", name)
	case !strings.HasPrefix(a.Runtime, "go"):
		return fmt.Errorf("function %s: Runtime %q is not a Go runtime such as go126", name, a.Runtime)
	case fn.TimeoutSeconds < 1 || fn.TimeoutSeconds > 3600:
		return fmt.Errorf("function %s: Function.TimeoutSeconds %d is outside 1..3600", name, fn.TimeoutSeconds)
	case fn.MemoryMB < 128 || fn.MemoryMB > 32768:
		return fmt.Errorf("function %s: Function.MemoryMB %d is outside 128..32768", name, fn.MemoryMB)
	case a.MaxInstances < 1 || a.MaxInstances > 1000:
		return fmt.Errorf("function %s: MaxInstances %d is outside 1..1000", name, a.MaxInstances)
	case len(fn.Triggers) == 0:
		return fmt.Errorf("function %s: Function has no trigger, so nothing may invoke it", name)
	}
	for _, t := range fn.Triggers {
		if a.Invokers[t.Kind] == nil {
			return fmt.Errorf("function %s: Invokers[%s] is required by its %s trigger", name, t.Kind, t.Kind)
		}
	}
	for _, e := range fn.Env {
		switch {
		case e.Setting != "" && a.Settings[e.Setting] == nil:
			return fmt.Errorf("function %s: env %s needs setting %q, which Settings lacks", name, e.Name, e.Setting)
		case e.Setting == "" && e.From == manifest.Self:
			if e.Attr != manifest.Email && e.Attr != manifest.ID {
				return fmt.Errorf("function %s: env %s: its own account has an email and an id, not a %s", name, e.Name, e.Attr)
			}
		case e.Setting == "" && attr(a.Resources[e.From], e.Attr) == nil:
			return fmt.Errorf("function %s: env %s needs the %s of %q, which Resources lacks", name, e.Name, e.Attr, e.From)
		}
	}
	for _, p := range fn.Permissions {
		if p.On == manifest.Self {
			continue
		}
		if err := checkGrantable(p, a.Resources[p.On]); err != nil {
			return fmt.Errorf("function %s: permission %s on %s: %w", name, p.Permission, p.On, err)
		}
	}
	return nil
}

// attr returns the attribute of ref an environment variable carries, or nil.
func attr(ref ResourceRef, a manifest.Attr) pulumi.StringInput {
	switch a {
	case manifest.Name:
		return ref.Name
	case manifest.ID:
		return ref.ID
	case manifest.URL:
		return ref.URL
	case manifest.Email:
		return ref.Email
	case manifest.Location:
		return ref.Location
	}
	return nil
}

// permissionGroup is the permissions of one function on one resource and object prefix: one
// custom role, one member.
type permissionGroup struct {
	On          manifest.Resource
	Prefix      string
	Permissions []string
}

// groupPermissions groups ps by resource and prefix, in the manifest's order of first use,
// with each group's permissions sorted and unique.
func groupPermissions(ps []manifest.Permission) []permissionGroup {
	var out []permissionGroup
	index := map[[2]string]int{}
	for _, p := range ps {
		key := [2]string{string(p.On), p.Prefix}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, permissionGroup{On: p.On, Prefix: p.Prefix})
		}
		if !contains(out[i].Permissions, p.Permission) {
			out[i].Permissions = append(out[i].Permissions, p.Permission)
		}
	}
	for i := range out {
		sort.Strings(out[i].Permissions)
	}
	return out
}

// roleID is the custom role id of a function's group: letters, digits and underscores, at
// most 64 characters, starting with the stack prefix so stacks sharing a project never
// collide (deleted role ids stay reserved for weeks).
func roleID(fnName string, g permissionGroup) string {
	raw := fnName + "-" + string(g.On)
	if g.Prefix != "" {
		raw += "-" + strings.TrimSuffix(g.Prefix, "/")
	}
	return strings.ReplaceAll(fit(raw, 64), "-", "_")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
