package platform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/cloudflare"
	edgeworker "github.com/ottkit/ottkit/functions/edge/cloudflare"
)

// EdgeSpec is the optional edge in front of the stack's CDN (ottkit:edge and the
// ottkit:cloudflare* and ottkit:edge* keys).
type EdgeSpec struct {
	// Provider is "" (none) or "cloudflare".
	Provider string
	// AccountID, ZoneID and Hostname place the Worker: account, zone and media host.
	AccountID, ZoneID, Hostname string
	// Mode is cloudflare.ModeR2 or cloudflare.ModeOrigin; Plan is the zone's declared plan.
	Mode, Plan string
	// PublicKeys are the viewer-token public keys the Worker accepts (key id -> base64url);
	// SigningKeyID is the one the api signs with. `ottkit keys` maintains both.
	PublicKeys   map[string]string
	SigningKeyID string
	// OriginPublicKeys are the PEM RSA-2048 public keys of the edge's own CloudFront key pair
	// (origin mode on AWS only): one, two while rotating.
	OriginPublicKeys []string
}

// EdgeCloudflare is ottkit:edge's value for a Cloudflare edge.
const EdgeCloudflare = "cloudflare"

var edgeKeys = []Key{
	str("edge", "", "Edge in front of the CDN: empty for none, or cloudflare (a Worker checking viewer tokens).", func(s *Spec) *string { return &s.Edge.Provider }),
	str("cloudflareAccountId", "", "Cloudflare account id (32 hex digits) of the edge Worker, KV namespace and R2 bucket.", func(s *Spec) *string { return &s.Edge.AccountID }),
	str("cloudflareZoneId", "", "Cloudflare zone id (32 hex digits) holding ottkit:cloudflareHostname.", func(s *Spec) *string { return &s.Edge.ZoneID }),
	str("cloudflareHostname", "", "Media host name on the Cloudflare zone, e.g. media.example.com; the Worker runs on <host>/assets/*.", func(s *Spec) *string { return &s.Edge.Hostname }),
	str("cloudflareMode", cloudflare.ModeR2, "r2 (serve from an R2 bucket, any plan) or origin (fetch from CloudFront on aws, from the delivery bucket on gcp; Enterprise zones only).", func(s *Spec) *string { return &s.Edge.Mode }),
	str("cloudflarePlan", "", "Plan of the Cloudflare zone: free, pro, business or enterprise; origin mode requires enterprise.", func(s *Spec) *string { return &s.Edge.Plan }),
	{Name: "edgePublicKeys", Type: "object", Default: map[string]any{},
		Description: "Viewer-token public keys the edge accepts, {key id: base64url Ed25519 key}; none until ottkit keys generates the first, one, two while rotating.",
		get: func(s *Spec) any {
			out := map[string]any{}
			for id, v := range s.Edge.PublicKeys {
				out[id] = v
			}
			return out
		},
		set: func(s *Spec, v any) error {
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("must be an object of key id: public key, not %s", describe(v))
			}
			s.Edge.PublicKeys = map[string]string{}
			var errs []error
			for _, id := range slices.Sorted(maps.Keys(m)) {
				t, ok := m[id].(string)
				if !ok {
					errs = append(errs, fmt.Errorf(".%s: must be a string, not %s", id, describe(m[id])))
					continue
				}
				s.Edge.PublicKeys[id] = t
			}
			return errors.Join(errs...)
		}},
	str("edgeSigningKeyId", "", "Key id of ottkit:edgePublicKeys the api signs viewer tokens with (ottkit keys switches it).", func(s *Spec) *string { return &s.Edge.SigningKeyID }),
	strs("edgeOriginPublicKeys", []any{}, "Origin mode on aws: RSA-2048 public keys (PEM) of the edge's own CloudFront key pair, added to the key group beside ottkit:signingPublicKeys; two while rotating. Its private half goes to the edge's origin credential (docs/EDGE.md), never here.", func(s *Spec) *[]string { return &s.Edge.OriginPublicKeys }),
}

func init() { Keys = append(Keys, edgeKeys...) }

// validateEdge checks the edge keys: all or nothing, and consistent with each other.
func (s *Spec) validateEdge(p *problems) {
	e := s.Edge
	switch e.Provider {
	case "":
		for name, set := range map[string]bool{
			"cloudflareAccountId": e.AccountID != "", "cloudflareZoneId": e.ZoneID != "",
			"cloudflareHostname": e.Hostname != "", "cloudflareMode": e.Mode != "" && e.Mode != cloudflare.ModeR2,
			"cloudflarePlan": e.Plan != "", "edgePublicKeys": len(e.PublicKeys) > 0, "edgeSigningKeyId": e.SigningKeyID != "",
			"edgeOriginPublicKeys": len(e.OriginPublicKeys) > 0,
		} {
			if set {
				p.add(k(name), "means nothing without ottkit:edge: cloudflare")
			}
		}
		return
	case EdgeCloudflare:
	default:
		p.add(k("edge"), "%q must be empty or cloudflare", e.Provider)
		return
	}
	switch e.Mode {
	case cloudflare.ModeR2:
		if len(e.OriginPublicKeys) > 0 {
			p.add(k("edgeOriginPublicKeys"), "means nothing in ottkit:cloudflareMode r2 (the Worker reads R2, not CloudFront)")
		}
	case cloudflare.ModeOrigin:
		if e.Plan != "enterprise" {
			p.add(k("cloudflareMode"), "origin serves video hosted outside Cloudflare, which Cloudflare's terms allow only on Enterprise zones; ottkit:cloudflarePlan is %q", e.Plan)
		}
		s.validateOriginKeys(p)
	default:
		p.add(k("cloudflareMode"), "%q must be r2 or origin", e.Mode)
	}
	field := map[string]string{"AccountID": "cloudflareAccountId", "ZoneID": "cloudflareZoneId",
		"Hostname": "cloudflareHostname", "Plan": "cloudflarePlan", "PublicKeys": "edgePublicKeys"}
	for _, one := range unjoin(s.edgeArgs("ottkit", nil).Validate()) {
		var ae *cloudflare.ArgError
		if errors.As(one, &ae) {
			if key, ok := field[ae.Field]; ok {
				p.add(k(key), "%s", ae.Problem)
			}
		}
	}
	// No key at all is the first deployment's state: it creates the api's empty signing
	// secret, then `ottkit keys rotate` generates the first key into it and the stack file.
	if _, ok := e.PublicKeys[e.SigningKeyID]; !ok && (len(e.PublicKeys) > 0 || e.SigningKeyID != "") {
		p.add(k("edgeSigningKeyId"), "%q is not a key of ottkit:edgePublicKeys (ottkit keys generate adds one)", e.SigningKeyID)
	}
	if e.Hostname != "" && e.Hostname == s.Domain {
		p.add(k("cloudflareHostname"), "%q is ottkit:domain, the CloudFront host; the edge needs its own host name", e.Hostname)
	}
}

// validateOriginKeys checks ottkit:edgeOriginPublicKeys of an origin-mode edge: on AWS the
// edge's CloudFront key, one or two, none of them a viewer key; on GCP none (the edge reads
// GCS with an HMAC key of the stack's edge reader).
func (s *Spec) validateOriginKeys(p *problems) {
	keys := s.Edge.OriginPublicKeys
	if s.Cloud == CloudGCP {
		if len(keys) > 0 {
			p.add(k("edgeOriginPublicKeys"), "only applies to ottkit:cloud aws; on gcp the edge reads the delivery bucket with an HMAC key of the stack's edge reader")
		}
		return
	}
	switch n := len(keys); {
	case n == 0:
		p.add(k("edgeOriginPublicKeys"), "required in origin mode on aws: the RSA-2048 public key (PEM) of the edge's own CloudFront key pair")
	case n > 2:
		p.add(k("edgeOriginPublicKeys"), "has %d keys; at most 2 (the current one and the next during a rotation)", n)
	}
	for i, pemText := range keys {
		key := fmt.Sprintf("%s[%d]", k("edgeOriginPublicKeys"), i)
		if err := checkSigningKey(pemText); err != nil {
			p.add(key, "%v", err)
		}
		for j, viewer := range s.SigningPublicKeys {
			if strings.TrimSpace(viewer) == strings.TrimSpace(pemText) {
				p.add(key, "is ottkit:signingPublicKeys[%d]; the edge needs a key pair of its own", j)
			}
		}
		if i == 1 && strings.TrimSpace(pemText) == strings.TrimSpace(keys[0]) {
			p.add(key, "repeats ottkit:edgeOriginPublicKeys[0]")
		}
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// edgeArgs are the components/cloudflare arguments of the spec's edge, reading origin in
// origin mode.
func (s *Spec) edgeArgs(prefix string, origin *cloudflare.OriginArgs) *cloudflare.EdgeArgs {
	a := &cloudflare.EdgeArgs{
		Prefix: prefix, AccountID: s.Edge.AccountID, ZoneID: s.Edge.ZoneID, Hostname: s.Edge.Hostname,
		Mode: cloudflare.ModeR2, Plan: s.Edge.Plan, PublicKeys: s.Edge.PublicKeys, RetainData: s.RetainData,
	}
	if s.Edge.Mode == cloudflare.ModeOrigin {
		a.Mode, a.Origin = cloudflare.ModeOrigin, origin
	}
	return a
}

// cloudFrontOrigin is the origin of an edge in front of a CloudFront distribution: its own
// domain, which the edge's signed-cookie policies name.
func cloudFrontOrigin(distributionDomain pulumi.StringInput) *cloudflare.OriginArgs {
	return &cloudflare.OriginArgs{Kind: edgeworker.OriginCloudFront, URL: pulumi.Sprintf("https://%s", distributionDomain)}
}

// gcsOrigin is the origin of an edge reading a GCS bucket through the XML API.
func gcsOrigin(bucket pulumi.StringInput) *cloudflare.OriginArgs {
	return &cloudflare.OriginArgs{Kind: edgeworker.OriginGCS, URL: pulumi.String(cloudflare.GCSXMLEndpoint), Bucket: bucket}
}

// newEdge creates the Cloudflare edge when the spec has one, passing <host>/api/* through to
// apiOrigin (the API's https origin) and, in origin mode, reading media from origin (in r2
// mode from store, made beforehand by newEdgeStorage); nil without an edge.
func newEdge(ctx *pulumi.Context, name string, spec *Spec, apiOrigin pulumi.StringInput, store *cloudflare.Storage, origin *cloudflare.OriginArgs, opts ...pulumi.ResourceOption) (*cloudflare.Edge, error) {
	if spec.Edge.Provider != EdgeCloudflare {
		return nil, nil
	}
	args := spec.edgeArgs(spec.Prefix(), origin)
	args.APIOrigin = apiOrigin
	args.Storage = store
	return cloudflare.NewEdge(ctx, name+"-edge", args, opts...)
}

// edgeOutputs are the stack outputs of the edge, exported beside Platform's own when the
// stack has one: its URL and, in origin mode, what writing its origin credential needs.
func (p *Platform) edgeOutputs() pulumi.Map {
	out := pulumi.Map{}
	if p.Edge == nil {
		return out
	}
	out["edgeUrl"] = p.Edge.URL
	if p.Edge.OriginCredentials != nil {
		out["edgeOriginCredentialsId"] = p.Edge.OriginCredentialsId
	}
	if p.Delivery != nil && p.Edge.OriginCredentials != nil {
		out["edgeOriginKeyIds"] = p.Delivery.EdgeOriginKeyIds
	}
	if p.GCP != nil && p.GCP.EdgeReader != nil {
		out["edgeReaderEmail"] = p.GCP.EdgeReader.Email
	}
	return out
}

// EdgeSigningSecretName is the secret the api signs edge viewer tokens with, on both clouds:
// the name `ottkit keys` writes (cmd/ottkit/keys.SigningSecretName).
func EdgeSigningSecretName(prefix string) string { return prefix + "-edge-signing" }

// hasEdge reports whether the stack has a Cloudflare edge, whose token the api issues.
func (s *Spec) hasEdge() bool { return s.Edge.Provider == EdgeCloudflare }

// edgeAPIURL is the API's URL on the edge host, where browsers must call it: its cookies are
// host-only, and the media comes from that host.
func (s *Spec) edgeAPIURL() pulumi.StringOutput {
	return pulumi.String("https://" + s.Edge.Hostname + "/api").ToStringOutput()
}

// newEdgeStorage creates the R2 bucket and mirror token of a stack whose edge serves from R2,
// before the functions (the complete function fills the bucket); nil otherwise.
func newEdgeStorage(ctx *pulumi.Context, name string, spec *Spec, opts ...pulumi.ResourceOption) (*cloudflare.Storage, error) {
	if !spec.hasEdgeMirror() {
		return nil, nil
	}
	return cloudflare.NewStorage(ctx, name+"-edge", spec.edgeArgs(spec.Prefix(), nil), opts...)
}
