// Package cloudflare is ottkit's Cloudflare edge: a Worker that checks the viewer token on
// every media request and serves the asset from an R2 bucket (mode r2, any plan) or from the
// cloud's origin (mode origin, Enterprise zones only: CloudFront with the edge's own signed
// cookies, or the GCS XML API with an HMAC key of a reader limited to assets/), with its route,
// DNS record, revocation KV namespace and the zone settings it relies on (TLS 1.2 minimum,
// HTTPS only).
package cloudflare

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	cf "github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	edgeworker "github.com/ottkit/ottkit/functions/edge/cloudflare"
)

// EdgeType is the type token of Edge.
const EdgeType = "ottkit:cloudflare:Edge"

// Modes of the edge.
const (
	// ModeR2 serves from an R2 bucket the complete stage copies verified outputs to. Any plan:
	// Cloudflare's terms allow video through its CDN when Cloudflare hosts it.
	ModeR2 = "r2"
	// ModeOrigin fetches from the cloud's origin (OriginArgs) with the edge's own credential.
	// Enterprise zones only (the terms restrict video hosted elsewhere).
	ModeOrigin = "origin"
)

// GCSXMLEndpoint is the Cloud Storage XML API, which accepts V4 HMAC-signed requests.
const GCSXMLEndpoint = "https://storage.googleapis.com"

// Plans a zone may be declared on.
var Plans = []string{"free", "pro", "business", "enterprise"}

// CompatibilityDate is the Workers runtime behaviour the Worker is written and tested for.
const CompatibilityDate = "2025-01-01"

// MediaPathPattern is the path the Worker's route covers on the hostname.
const MediaPathPattern = "/assets/*"

// APIPathPattern is the path of the Worker's second route, with EdgeArgs.APIOrigin: the
// Worker passes it through to the stack's API, so the api's cookies belong to this host.
const APIPathPattern = "/api/*"

// EdgeArgs configures the edge.
type EdgeArgs struct {
	// Prefix starts every Cloudflare resource name ("<customer>-<env>"). Required.
	Prefix string
	// AccountID and ZoneID are the Cloudflare account and zone (32 hex digits). Required.
	AccountID, ZoneID string
	// Hostname is the media host on the zone, e.g. media.example.com. Required.
	Hostname string
	// Mode is ModeR2 (default) or ModeOrigin.
	Mode string
	// Plan is the zone's plan, one of Plans; ModeOrigin requires "enterprise".
	Plan string
	// PublicKeys are the viewer-token keys the Worker accepts: key id -> base64url raw
	// Ed25519 public key. One, or two while rotating; none only before the first key exists
	// (the first deployment creates the api's empty signing secret, `ottkit keys rotate`
	// then generates the key), when the Worker refuses every token.
	PublicKeys map[string]string
	// APIOrigin is the https origin of the stack's API (API Gateway's endpoint, which serves
	// the routes at its root). With it, the Worker also runs on <Hostname>/api/* and passes
	// those requests through, so a browser that asks the API on the edge host stores the
	// api's host-only cookies for the host it fetches media from. Without it the Worker
	// serves media only, for players that send the token themselves.
	APIOrigin pulumi.StringInput
	// Origin is where ModeOrigin reads (required there, nil in ModeR2). Plain because its
	// kind decides which bindings exist.
	Origin *OriginArgs
	// RetainData keeps the R2 bucket on pulumi destroy.
	RetainData bool
	// Storage is the r2-mode bucket and mirror token made beforehand by NewStorage (so the
	// functions that fill the bucket can be created before the Worker, which needs the API's
	// origin); nil makes them here, as the edge's children.
	Storage *Storage
}

// OriginArgs is the cloud origin of ModeOrigin. The Worker's credential for it is not an
// argument: it is written out of band into the OriginCredentials namespace (the JSON of
// functions/edge/cloudflare.OriginCredential under OriginCredentialKey), so that the private
// half is in neither the stack file nor Pulumi state, and a redeploy of the Worker keeps it.
type OriginArgs struct {
	// Kind is edgeworker.OriginCloudFront or edgeworker.OriginGCS.
	Kind string
	// URL is the origin's https base URL: https://<distribution domain> for CloudFront
	// (the domain its signed-cookie policies name), GCSXMLEndpoint for GCS. Required.
	URL pulumi.StringInput
	// Bucket is the delivery bucket (OriginGCS only, required there).
	Bucket pulumi.StringInput
}

// Edge is the Cloudflare edge of one stack.
type Edge struct {
	pulumi.ResourceState

	Script *cf.WorkersScript
	Route  *cf.WorkersRoute
	// APIRoute is nil without EdgeArgs.APIOrigin.
	APIRoute *cf.WorkersRoute
	Revoked  *cf.WorkersKvNamespace
	// OriginCredentials holds the Worker's origin credential (ModeOrigin; nil in ModeR2).
	OriginCredentials *cf.WorkersKvNamespace
	// Bucket is nil in ModeOrigin.
	Bucket *cf.R2Bucket
	// Mirror is the bucket's write credentials for the complete stage; nil in ModeOrigin.
	Mirror *Mirror
	DNS    *cf.Record
	Zone   *cf.ZoneSettingsOverride

	// URL is the edge's https base URL; BucketName the R2 bucket ("" in ModeOrigin);
	// OriginCredentialsId the namespace the origin credential is written to ("" in ModeR2).
	URL                 pulumi.StringOutput `pulumi:"url"`
	BucketName          pulumi.StringOutput `pulumi:"bucketName"`
	OriginCredentialsId pulumi.StringOutput `pulumi:"originCredentialsId"`
}

var (
	hexID    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	kidRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	prefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,40}[a-z0-9]$`)
	hostRE   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	// apiOriginRE is an https origin: scheme and host (API Gateway's endpoints), no path.
	apiOriginRE = regexp.MustCompile(`^https://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// ArgError is one problem of EdgeArgs, naming the field.
type ArgError struct {
	Field, Problem string
}

func (e *ArgError) Error() string { return "cloudflare edge: " + e.Field + ": " + e.Problem }

// Validate returns every problem of args, each an *ArgError naming its field.
func (a *EdgeArgs) Validate() error {
	var errs []error
	bad := func(field, format string, v ...any) {
		errs = append(errs, &ArgError{Field: field, Problem: fmt.Sprintf(format, v...)})
	}
	if !prefixRE.MatchString(a.Prefix) {
		bad("Prefix", "%q must be 2-42 lowercase letters, digits and hyphens", a.Prefix)
	}
	if !hexID.MatchString(a.AccountID) {
		bad("AccountID", "%q must be 32 lowercase hex digits", a.AccountID)
	}
	if !hexID.MatchString(a.ZoneID) {
		bad("ZoneID", "%q must be 32 lowercase hex digits", a.ZoneID)
	}
	if !hostRE.MatchString(a.Hostname) {
		bad("Hostname", "%q must be a DNS host name such as media.example.com", a.Hostname)
	}
	if a.Plan != "" && !slices.Contains(Plans, a.Plan) {
		bad("Plan", "%q must be one of %s", a.Plan, strings.Join(Plans, ", "))
	}
	switch a.mode() {
	case ModeR2:
		if a.Origin != nil {
			bad("Origin", "origin settings mean nothing in mode r2")
		}
	case ModeOrigin:
		if a.Plan != "enterprise" {
			bad("Mode", "origin mode serves video hosted outside Cloudflare, which Cloudflare's terms allow only on Enterprise zones; plan is %q", a.Plan)
		}
		switch o := a.Origin; {
		case o == nil:
			bad("Origin", "origin mode needs the origin (Kind and URL)")
		case o.Kind != edgeworker.OriginCloudFront && o.Kind != edgeworker.OriginGCS:
			bad("Origin.Kind", "%q must be %s or %s", o.Kind, edgeworker.OriginCloudFront, edgeworker.OriginGCS)
		case o.URL == nil:
			bad("Origin.URL", "is required")
		case o.Kind == edgeworker.OriginGCS && o.Bucket == nil:
			bad("Origin.Bucket", "is required for a gcs origin")
		case o.Kind == edgeworker.OriginCloudFront && o.Bucket != nil:
			bad("Origin.Bucket", "means nothing for a cloudfront origin (the distribution names its bucket)")
		}
	default:
		bad("Mode", "%q must be r2 or origin", a.Mode)
	}
	if err := CheckPublicKeys(a.PublicKeys); err != nil {
		bad("PublicKeys", "%v", err)
	}
	if o, known := a.APIOrigin.(pulumi.String); known && !apiOriginRE.MatchString(string(o)) {
		bad("APIOrigin", "%q must be an https origin (https://host, no path)", string(o))
	}
	return errors.Join(errs...)
}

// CheckPublicKeys returns why a key set cannot be the Worker's PUBLIC_KEYS, or nil. An
// empty set is the state before the first key: the Worker then refuses every token.
func CheckPublicKeys(keys map[string]string) error {
	if n := len(keys); n > 2 {
		return fmt.Errorf("has %d keys; want 1, or 2 while rotating", n)
	}
	for _, id := range sortedIDs(keys) {
		if !kidRE.MatchString(id) {
			return fmt.Errorf("key id %q: want 1-64 of [A-Za-z0-9_.-]", id)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(keys[id]); err != nil || len(raw) != ed25519.PublicKeySize {
			return fmt.Errorf("key %s: must be %d bytes of unpadded base64url (an Ed25519 public key)", id, ed25519.PublicKeySize)
		}
	}
	return nil
}

func sortedIDs(m map[string]string) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (a *EdgeArgs) mode() string {
	if a.Mode == "" {
		return ModeR2
	}
	return a.Mode
}

// publicKeysJSON renders the keys in key id order, so the binding is stable across runs.
func publicKeysJSON(keys map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range sortedIDs(keys) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%q", id, keys[id])
	}
	b.WriteByte('}')
	return b.String()
}

// Storage is the R2 side of an r2-mode edge: the private bucket the Worker serves from and the
// mirror token the complete function fills it with.
type Storage struct {
	Bucket *cf.R2Bucket
	Mirror *Mirror
}

// NewStorage validates args (an r2-mode edge), then creates the edge's R2 bucket and mirror
// token with opts, named as NewEdge(ctx, name, args) would name them; pass the result as
// EdgeArgs.Storage.
func NewStorage(ctx *pulumi.Context, name string, args *EdgeArgs, opts ...pulumi.ResourceOption) (*Storage, error) {
	if args == nil {
		return nil, errors.New("cloudflare edge storage: args are required")
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	if args.mode() != ModeR2 {
		return nil, fmt.Errorf("cloudflare edge storage: mode %q serves from the cloud's CDN and has no R2 bucket", args.mode())
	}
	return newStorage(ctx, name, args, opts...)
}

func newStorage(ctx *pulumi.Context, name string, args *EdgeArgs, opts ...pulumi.ResourceOption) (*Storage, error) {
	bucketOpts := append([]pulumi.ResourceOption(nil), opts...)
	if args.RetainData {
		bucketOpts = append(bucketOpts, pulumi.RetainOnDelete(true))
	}
	// Private: no r2.dev subdomain and no custom domain are attached; the Worker binding is
	// the only reader.
	bucket, err := cf.NewR2Bucket(ctx, name+"-media", &cf.R2BucketArgs{
		AccountId: pulumi.String(args.AccountID),
		Name:      pulumi.String(args.Prefix + "-media"),
	}, bucketOpts...)
	if err != nil {
		return nil, err
	}
	mirror, err := newMirror(ctx, name, args, args.Prefix+"-media", opts...)
	if err != nil {
		return nil, err
	}
	return &Storage{Bucket: bucket, Mirror: mirror}, nil
}

// NewEdge validates args, then creates the edge's resources.
func NewEdge(ctx *pulumi.Context, name string, args *EdgeArgs, opts ...pulumi.ResourceOption) (*Edge, error) {
	if args == nil {
		return nil, errors.New("cloudflare edge: args are required")
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	e := &Edge{}
	if err := ctx.RegisterComponentResource(EdgeType, name, e, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(e)
	var err error
	e.Zone, err = cf.NewZoneSettingsOverride(ctx, name+"-zone", &cf.ZoneSettingsOverrideArgs{
		ZoneId: pulumi.String(args.ZoneID),
		Settings: &cf.ZoneSettingsOverrideSettingsArgs{
			MinTlsVersion:          pulumi.String("1.2"),
			Tls13:                  pulumi.String("on"),
			AlwaysUseHttps:         pulumi.String("on"),
			AutomaticHttpsRewrites: pulumi.String("on"),
			Ssl:                    pulumi.String("strict"),
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	e.Revoked, err = cf.NewWorkersKvNamespace(ctx, name+"-revoked", &cf.WorkersKvNamespaceArgs{
		AccountId: pulumi.String(args.AccountID),
		Title:     pulumi.String(args.Prefix + "-edge-revoked"),
	}, parent)
	if err != nil {
		return nil, err
	}
	plain := cf.WorkersScriptPlainTextBindingArray{
		cf.WorkersScriptPlainTextBindingArgs{Name: pulumi.String("MODE"), Text: pulumi.String(args.mode())},
		cf.WorkersScriptPlainTextBindingArgs{Name: pulumi.String("PUBLIC_KEYS"), Text: pulumi.String(publicKeysJSON(args.PublicKeys))},
	}
	kv := cf.WorkersScriptKvNamespaceBindingArray{cf.WorkersScriptKvNamespaceBindingArgs{Name: pulumi.String("REVOKED"), NamespaceId: e.Revoked.ID()}}
	var r2 cf.WorkersScriptR2BucketBindingArray
	e.BucketName = pulumi.String("").ToStringOutput()
	e.OriginCredentialsId = pulumi.String("").ToStringOutput()
	if args.mode() == ModeR2 {
		st := args.Storage
		if st == nil {
			if st, err = newStorage(ctx, name, args, parent); err != nil {
				return nil, err
			}
		}
		e.Bucket, e.BucketName, e.Mirror = st.Bucket, st.Bucket.Name, st.Mirror
		r2 = cf.WorkersScriptR2BucketBindingArray{cf.WorkersScriptR2BucketBindingArgs{Name: pulumi.String("MEDIA"), BucketName: e.Bucket.Name}}
	} else {
		// The credential's namespace, apart from REVOKED so that whoever writes revocations
		// need not be trusted with it. Pulumi manages the namespace, never its values.
		e.OriginCredentials, err = cf.NewWorkersKvNamespace(ctx, name+"-origin-credentials", &cf.WorkersKvNamespaceArgs{
			AccountId: pulumi.String(args.AccountID),
			Title:     pulumi.String(args.Prefix + "-edge-origin"),
		}, parent)
		if err != nil {
			return nil, err
		}
		e.OriginCredentialsId = e.OriginCredentials.ID().ToStringOutput()
		kv = append(kv, cf.WorkersScriptKvNamespaceBindingArgs{Name: pulumi.String(edgeworker.OriginCredentialsBinding), NamespaceId: e.OriginCredentials.ID()})
		plain = append(plain,
			cf.WorkersScriptPlainTextBindingArgs{Name: pulumi.String("ORIGIN_KIND"), Text: pulumi.String(args.Origin.Kind)},
			cf.WorkersScriptPlainTextBindingArgs{Name: pulumi.String("ORIGIN"), Text: args.Origin.URL})
		if args.Origin.Kind == edgeworker.OriginGCS {
			plain = append(plain, cf.WorkersScriptPlainTextBindingArgs{Name: pulumi.String("ORIGIN_BUCKET"), Text: args.Origin.Bucket})
		}
	}
	if args.APIOrigin != nil {
		origin := args.APIOrigin.ToStringOutput().ApplyT(func(o string) (string, error) {
			if !apiOriginRE.MatchString(o) {
				return "", fmt.Errorf("cloudflare edge: APIOrigin %q must be an https origin (https://host, no path)", o)
			}
			return o, nil
		}).(pulumi.StringOutput)
		plain = append(plain, cf.WorkersScriptPlainTextBindingArgs{Name: pulumi.String("API_ORIGIN"), Text: origin})
	}
	e.Script, err = cf.NewWorkersScript(ctx, name+"-worker", &cf.WorkersScriptArgs{
		AccountId:           pulumi.String(args.AccountID),
		Name:                pulumi.String(args.Prefix + "-edge"),
		Content:             pulumi.String(edgeworker.WorkerModule),
		Module:              pulumi.Bool(true),
		CompatibilityDate:   pulumi.String(CompatibilityDate),
		KvNamespaceBindings: kv,
		PlainTextBindings:   plain,
		R2BucketBindings:    r2,
	}, parent)
	if err != nil {
		return nil, err
	}
	// A Worker-only host: the proxied AAAA 100:: record gives the route a name to run on and
	// sends nothing anywhere (Cloudflare's documented placeholder for Workers routes).
	e.DNS, err = cf.NewRecord(ctx, name+"-dns", &cf.RecordArgs{
		ZoneId:  pulumi.String(args.ZoneID),
		Name:    pulumi.String(args.Hostname),
		Type:    pulumi.String("AAAA"),
		Content: pulumi.String("100::"),
		Proxied: pulumi.Bool(true),
		Ttl:     pulumi.Int(1),
		Comment: pulumi.String("ottkit " + args.Prefix + " edge Worker host"),
	}, parent)
	if err != nil {
		return nil, err
	}
	e.Route, err = cf.NewWorkersRoute(ctx, name+"-route", &cf.WorkersRouteArgs{
		ZoneId:     pulumi.String(args.ZoneID),
		Pattern:    pulumi.String(args.Hostname + MediaPathPattern),
		ScriptName: e.Script.Name,
	}, parent)
	if err != nil {
		return nil, err
	}
	if args.APIOrigin != nil {
		e.APIRoute, err = cf.NewWorkersRoute(ctx, name+"-api-route", &cf.WorkersRouteArgs{
			ZoneId:     pulumi.String(args.ZoneID),
			Pattern:    pulumi.String(args.Hostname + APIPathPattern),
			ScriptName: e.Script.Name,
		}, parent)
		if err != nil {
			return nil, err
		}
	}
	e.URL = pulumi.String("https://" + args.Hostname).ToStringOutput()
	return e, ctx.RegisterResourceOutputs(e, pulumi.Map{"url": e.URL, "bucketName": e.BucketName, "originCredentialsId": e.OriginCredentialsId})
}
