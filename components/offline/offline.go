// Package offline runs a Pulumi program in-process against a mock engine and records every
// resource it registers: type, name, URN, parent, provider, inputs and the options that matter to
// policy (protect, retainOnDelete, ignoreChanges). It needs no Pulumi CLI, no provider plugins,
// no credentials and no network.
//
// The component tests, the policy-pack harness and `ottkit plan` all use it, so what a test
// asserts is exactly what a policy sees.
package offline

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account and Partition are what the mock engine answers for aws:index/getCallerIdentity and
// aws:index/getPartition, and what it puts into the ARNs it makes up.
const (
	Account   = "123456789012"
	Partition = "aws"
)

// Resource is one registered resource as the mock engine saw it.
type Resource struct {
	Type     string // type token, e.g. aws:s3/bucketV2:BucketV2
	Name     string // logical name
	URN      string
	Parent   string // parent URN; empty for the stack itself
	Provider string // provider reference (URN::ID) when an explicit provider was given
	Custom   bool   // false for component resources
	ID       string // the mock's physical id
	// Inputs are the resource's inputs as plain Go values (string, float64, bool, []any,
	// map[string]any, nil). Secrets are unwrapped; assets and archives are described by a map
	// with their kind and path or hash.
	Inputs map[string]any
	// Outputs are the inputs plus the attributes the mock engine computed (arn, id, url, ...).
	Outputs        map[string]any
	Protect        bool
	RetainOnDelete bool
	IgnoreChanges  []string
	DependsOn      []string
	Aliases        int // number of aliases declared
}

// Result is what a program registered.
type Result struct {
	Project   string
	Stack     string
	Resources []Resource     // in registration order
	Outputs   map[string]any // stack outputs, resolved to plain values
	byURN     map[string]int // index into Resources
}

// Options say which program to run and with what configuration.
type Options struct {
	Project string // defaults to "ottkit"
	Stack   string // defaults to "dev"
	// Config is the stack configuration as Pulumi passes it to programs: "namespace:key" to the
	// value's string form (structured values JSON-encoded).
	Config map[string]string
	// SecretKeys lists which Config keys are secret.
	SecretKeys []string
	// Preview runs the program as during `pulumi preview`.
	Preview bool
	// Transformations are applied to every resource the program registers, as with
	// ctx.RegisterStackTransformation. Tests use them to mutate a real program.
	Transformations []pulumi.ResourceTransformation
}

// readPrefix names the exports Run adds to read the program's own; they are not in Result.Outputs.
const readPrefix = "offline-read:"

// Run executes program under the mock engine and returns what it registered. An error the
// program returns, or a resource it fails to register, is returned as is.
func Run(program pulumi.RunFunc, opts Options) (*Result, error) {
	if opts.Project == "" {
		opts.Project = "ottkit"
	}
	if opts.Stack == "" {
		opts.Stack = "dev"
	}
	m := &engine{region: opts.Config["aws:region"]}
	if m.region == "" {
		m.region = "us-east-1"
	}
	var outMu sync.Mutex
	outputs := map[string]any{}

	body := func(ctx *pulumi.Context) error {
		for _, t := range opts.Transformations {
			if err := ctx.RegisterStackTransformation(t); err != nil {
				return err
			}
		}
		if err := program(ctx); err != nil {
			return err
		}
		// Each value is read by an apply that is itself exported: the engine awaits the stack's
		// exports before RunErr returns, but not an apply of an output made without the context
		// (pulumi.String(...).ToStringOutput()), which could otherwise run after Run returned.
		for name, v := range ctx.GetCurrentExportMap() {
			name := name
			ctx.Export(readPrefix+name, pulumi.ToOutput(v).ApplyT(func(x any) (any, error) {
				outMu.Lock()
				defer outMu.Unlock()
				outputs[name] = plainGo(x)
				return true, nil
			}))
		}
		return nil
	}
	withConfig := func(info *pulumi.RunInfo) {
		info.Config = opts.Config
		info.ConfigSecretKeys = opts.SecretKeys
		info.DryRun = opts.Preview
	}
	err := pulumi.RunErr(body, pulumi.WithMocks(opts.Project, opts.Stack, m), withConfig)
	if err != nil {
		return nil, err
	}
	res := &Result{Project: opts.Project, Stack: opts.Stack, Resources: m.resources, Outputs: outputs,
		byURN: map[string]int{}}
	for i, r := range res.Resources {
		res.byURN[r.URN] = i
	}
	return res, nil
}

// Find returns the resource of the given type and logical name.
func (r *Result) Find(typ, name string) (Resource, bool) {
	for _, x := range r.Resources {
		if x.Type == typ && x.Name == name {
			return x, true
		}
	}
	return Resource{}, false
}

// ByURN returns the resource with the given URN.
func (r *Result) ByURN(urn string) (Resource, bool) {
	i, ok := r.byURN[urn]
	if !ok {
		return Resource{}, false
	}
	return r.Resources[i], true
}

// OfType returns every resource of the given type, in registration order.
func (r *Result) OfType(typ string) []Resource {
	var out []Resource
	for _, x := range r.Resources {
		if x.Type == typ {
			out = append(out, x)
		}
	}
	return out
}

// Inventory returns "type name" for every resource, sorted: a stable summary for golden tests.
func (r *Result) Inventory() []string {
	out := make([]string, 0, len(r.Resources))
	for _, x := range r.Resources {
		out = append(out, x.Type+" "+x.Name)
	}
	sort.Strings(out)
	return out
}

// engine is the mock resource monitor.
type engine struct {
	mu        sync.Mutex
	region    string
	resources []Resource
	providers map[string]string // provider URN to its region
}

func (m *engine) trackProvider(args pulumi.MockResourceArgs, inputs map[string]any) {
	region, _ := inputs["region"].(string)
	if region == "" || args.RegisterRPC == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.providers == nil {
		m.providers = map[string]string{}
	}
	m.providers[urnOf(args.RegisterRPC.GetParent(), args.TypeToken, args.Name)] = region
}

// regionFor returns the region of the explicit provider ref ("URN::ID"), or the stack's.
func (m *engine) regionFor(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		m.mu.Lock()
		defer m.mu.Unlock()
		if r, ok := m.providers[ref[:i]]; ok {
			return r
		}
	}
	return m.region
}

func (m *engine) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	inputs := plainMap(args.Inputs)
	id := args.Name + "-id"
	if args.ID != "" {
		id = args.ID
	}
	region := m.regionFor(args.Provider)
	if args.TypeToken == "pulumi:providers:aws" {
		m.trackProvider(args, inputs)
	}
	outputs := computed(args.TypeToken, args.Name, id, region, inputs)
	if s, ok := outputs["id"].(string); ok && args.Custom && args.ID == "" {
		id = s // AWS ids are often the name, URL or ARN, and programs pass them on
	}

	r := Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Provider: args.Provider,
		Custom:   args.Custom,
		ID:       id,
		Inputs:   inputs,
		Outputs:  outputs,
	}
	if rpc != nil {
		r.Parent = rpc.GetParent()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.IgnoreChanges = rpc.GetIgnoreChanges()
		r.DependsOn = rpc.GetDependencies()
		r.Aliases = len(rpc.GetAliases())
		r.URN = urnOf(rpc.GetParent(), args.TypeToken, args.Name)
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	if !args.Custom {
		// Components and providers keep their inputs as state: nothing to compute.
		return id, resource.NewPropertyMapFromMap(inputs), nil
	}
	return id, resource.NewPropertyMapFromMap(outputs), nil
}

func (m *engine) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": Account,
			"arn":       fmt.Sprintf("arn:%s:iam::%s:user/offline", Partition, Account),
			"userId":    "AIDAOFFLINE",
			"id":        Account,
		}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{
			"partition": Partition, "dnsSuffix": "amazonaws.com", "id": Partition,
		}), nil
	case "gcp:organizations/getProject:getProject":
		return resource.NewPropertyMapFromMap(gcpProject(args.Args)), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": m.region, "id": m.region, "endpoint": "ec2." + m.region + ".amazonaws.com",
		}), nil
	}
	return args.Args, nil
}

// urnOf builds the URN the mock monitor gives a resource. The stack and project parts are
// filled in from the parent, so children of the stack get "urn:pulumi:<stack>::<project>::".
func urnOf(parent, typ, name string) string {
	if parent == "" {
		return ""
	}
	// urn:pulumi:stack::project::qualifiedType::name
	parts := strings.SplitN(parent, "::", 4)
	if len(parts) < 4 {
		return ""
	}
	qualified := parts[2]
	if qualified == "pulumi:pulumi:Stack" {
		qualified = typ
	} else {
		qualified = qualified + "$" + typ
	}
	return parts[0] + "::" + parts[1] + "::" + qualified + "::" + name
}

// plainMap turns a property map into plain Go values.
func plainMap(pm resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(pm))
	for k, v := range pm {
		if v.IsNull() {
			continue
		}
		out[string(k)] = plain(v)
	}
	return out
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plain(e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return Unknown
		}
		return plain(o.Element)
	case v.IsComputed():
		return Unknown
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		return string(ref.URN)
	case v.IsAsset():
		a := v.AssetValue()
		return map[string]any{"kind": "asset", "path": a.Path, "hash": a.Hash}
	case v.IsArchive():
		a := v.ArchiveValue()
		return map[string]any{"kind": "archive", "path": a.Path, "hash": a.Hash}
	}
	return nil
}

// plainGo converts a resolved output value (which may hold Go maps and slices of any) to the
// same plain shape as inputs.
func plainGo(x any) any {
	switch t := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			out[k] = plainGo(v)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			out[i] = plainGo(v)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, v := range t {
			out[i] = v
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, v := range t {
			out[k] = v
		}
		return out
	case int:
		return float64(t)
	}
	return x
}

// Unknown stands for a value the engine would only know after deployment.
const Unknown = "<computed>"

var _ pulumi.MockResourceMonitor = (*engine)(nil)
