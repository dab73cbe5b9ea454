package platform

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/cloudflare"
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
}

// EdgeCloudflare is ottkit:edge's value for a Cloudflare edge.
const EdgeCloudflare = "cloudflare"

var edgeKeys = []Key{
	str("edge", "", "Edge in front of the CDN: empty for none, or cloudflare (a Worker checking viewer tokens).", func(s *Spec) *string { return &s.Edge.Provider }),
	str("cloudflareAccountId", "", "Cloudflare account id (32 hex digits) of the edge Worker, KV namespace and R2 bucket.", func(s *Spec) *string { return &s.Edge.AccountID }),
	str("cloudflareZoneId", "", "Cloudflare zone id (32 hex digits) holding ottkit:cloudflareHostname.", func(s *Spec) *string { return &s.Edge.ZoneID }),
	str("cloudflareHostname", "", "Media host name on the Cloudflare zone, e.g. media.example.com; the Worker runs on <host>/assets/*.", func(s *Spec) *string { return &s.Edge.Hostname }),
	str("cloudflareMode", cloudflare.ModeR2, "r2 (serve from an R2 bucket, any plan) or origin (fetch from the cloud CDN, Enterprise zones only).", func(s *Spec) *string { return &s.Edge.Mode }),
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
	case cloudflare.ModeOrigin:
		if e.Plan != "enterprise" {
			p.add(k("cloudflareMode"), "origin serves video hosted outside Cloudflare, which Cloudflare's terms allow only on Enterprise zones; ottkit:cloudflarePlan is %q", e.Plan)
		} else {
			// The Worker presents CloudFront signed cookies of its own edge key, a third key
			// in the distribution's key group, which the delivery component does not hold.
			p.add(k("cloudflareMode"), "origin: the stack program serves the edge from R2; build origin mode with components/cloudflare.NewEdge and the edge's own CloudFront key")
		}
	default:
		p.add(k("cloudflareMode"), "%q must be r2 or origin", e.Mode)
	}
	field := map[string]string{"AccountID": "cloudflareAccountId", "ZoneID": "cloudflareZoneId",
		"Hostname": "cloudflareHostname", "Plan": "cloudflarePlan", "PublicKeys": "edgePublicKeys"}
	for _, one := range unjoin(s.edgeArgs("ottkit").Validate()) {
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

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// edgeArgs are the components/cloudflare arguments of the spec's edge (r2 mode).
func (s *Spec) edgeArgs(prefix string) *cloudflare.EdgeArgs {
	return &cloudflare.EdgeArgs{
		Prefix: prefix, AccountID: s.Edge.AccountID, ZoneID: s.Edge.ZoneID, Hostname: s.Edge.Hostname,
		Mode: cloudflare.ModeR2, Plan: s.Edge.Plan, PublicKeys: s.Edge.PublicKeys, RetainData: s.RetainData,
	}
}

// newEdge creates the Cloudflare edge when the spec has one, passing <host>/api/* through to
// apiOrigin (the API's https origin); nil otherwise.
func newEdge(ctx *pulumi.Context, name string, spec *Spec, apiOrigin pulumi.StringInput, opts ...pulumi.ResourceOption) (*cloudflare.Edge, error) {
	if spec.Edge.Provider != EdgeCloudflare {
		return nil, nil
	}
	args := spec.edgeArgs(spec.Prefix())
	args.APIOrigin = apiOrigin
	return cloudflare.NewEdge(ctx, name+"-edge", args, opts...)
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
