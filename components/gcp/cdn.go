package gcp

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/gcp/gateway"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// DeliveryType is the type token of Delivery.
const DeliveryType = "ottkit:gcp:Delivery"

// Edge settings.
const (
	// MinTLSVersion is the oldest TLS the load balancer negotiates.
	MinTLSVersion = "TLS_1_2"
	// SSLProfile restricts ciphers to forward-secret AEAD suites.
	SSLProfile = "MODERN"
)

var countryRe = regexp.MustCompile(`^[A-Z]{2}$`)

// DeliveryArgs configures the playback edge.
type DeliveryArgs struct {
	// Project and Region: the signing secret is stored in Region. Required.
	Project, Region string
	// BucketName is the delivery bucket. Required.
	BucketName pulumi.StringInput
	// Domain is the playback host name the managed certificate covers: Cloud CDN has no
	// default HTTPS host name. Required.
	Domain string
	// SigningKey holds the stack's signed-cookie key secrets. Required.
	SigningKey *SigningKey
	// KeyNames are the names of the keys `ottkit keys` put in the backend bucket's keyset
	// (ottkit:cdnKeyNames). Until there is one, Cloud CDN's fill identity gets no read grant:
	// a backend bucket without keys would serve unsigned requests, so media stays
	// unreachable instead.
	KeyNames []string
	// FillAgent is Cloud CDN's fill identity (service-N@cloud-cdn-fill): the only reader of
	// the delivery bucket, and only under assets/. Required.
	FillAgent pulumi.StringInput
	// APIBackend, when set, is the backend service /api/* routes to.
	APIBackend pulumi.StringInput
	// GeoAllowList, when set, lets only viewers in these ISO 3166-1 countries play (Cloud
	// Armor edge policy on origin.region_code); everyone else gets 403.
	GeoAllowList []string
	// PlaybackTTL is the cookies' lifetime in seconds: responses to signed requests are
	// cacheable by the viewer for no longer.
	PlaybackTTL int
	// Labels are set on the forwarding rules.
	Labels pulumi.StringMap
}

// Delivery is Cloud CDN in front of the private delivery bucket: a CDN-enabled backend bucket
// whose signed-request keyset `ottkit keys` manages (signed cookies scoped to /assets/<id>/
// by the api function; the keys are never in the program or Pulumi state), a
// URL map for media and the API, HTTPS only (port 80 redirects) with an SSL policy at TLS 1.2
// or newer, a Google-managed certificate, a global address, and a Cloud Armor edge policy
// for geo rules. The keys are symmetric: Cloud CDN's keyset and the api's SigningKey secret
// hold the same value.
type Delivery struct {
	pulumi.ResourceState

	Backend   *compute.BackendBucket
	URLMap    *compute.URLMap
	Address   *compute.GlobalAddress
	Policy    *compute.SecurityPolicy
	SSLPolicy *compute.SSLPolicy

	PlaybackDomain pulumi.StringOutput `pulumi:"playbackDomain"`
	IPAddress      pulumi.StringOutput `pulumi:"ipAddress"`
	URLMapID       pulumi.StringOutput `pulumi:"urlMapId"`
}

// NewDelivery creates the edge.
func NewDelivery(ctx *pulumi.Context, name string, args *DeliveryArgs, opts ...pulumi.ResourceOption) (*Delivery, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	d := &Delivery{}
	if err := ctx.RegisterComponentResource(DeliveryType, name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	project := pulumi.String(args.Project)
	var err error

	d.Policy, err = compute.NewSecurityPolicy(ctx, name+"-edge-policy", &compute.SecurityPolicyArgs{
		Project:     project,
		Name:        pulumi.String(name + "-edge"),
		Type:        pulumi.String("CLOUD_ARMOR_EDGE"),
		Description: pulumi.String("ottkit playback geo rules"),
		Rules:       geoRules(args.GeoAllowList),
	}, parent)
	if err != nil {
		return nil, err
	}
	d.Backend, err = compute.NewBackendBucket(ctx, name+"-backend", &compute.BackendBucketArgs{
		Project:    project,
		Name:       pulumi.String(name + "-media"),
		BucketName: args.BucketName,
		EnableCdn:  pulumi.Bool(true),
		CdnPolicy: &compute.BackendBucketCdnPolicyArgs{
			CacheMode:               pulumi.String("CACHE_ALL_STATIC"),
			DefaultTtl:              pulumi.IntPtr(3600),
			MaxTtl:                  pulumi.IntPtr(86400),
			ClientTtl:               pulumi.IntPtr(args.PlaybackTTL),
			SignedUrlCacheMaxAgeSec: pulumi.IntPtr(args.PlaybackTTL),
			NegativeCaching:         pulumi.Bool(true),
			RequestCoalescing:       pulumi.Bool(true),
			ServeWhileStale:         pulumi.IntPtr(86400),
		},
		CompressionMode: pulumi.String("DISABLED"),
		CustomResponseHeaders: pulumi.StringArray{
			pulumi.String("Strict-Transport-Security: max-age=31536000; includeSubDomains"),
			pulumi.String("X-Content-Type-Options: nosniff"),
		},
		EdgeSecurityPolicy: d.Policy.SelfLink,
	}, parent)
	if err != nil {
		return nil, err
	}
	if len(args.KeyNames) > 0 {
		if _, err := storage.NewBucketIAMMember(ctx, name+"-fill-reads", &storage.BucketIAMMemberArgs{
			Bucket: args.BucketName,
			Role:   pulumi.String("roles/storage.objectViewer"),
			Member: saMember(args.FillAgent),
			Condition: &storage.BucketIAMMemberConditionArgs{
				Title:      pulumi.String("objects under " + manifest.AssetPrefix),
				Expression: pulumi.Sprintf(`resource.name.startsWith("projects/_/buckets/%s/objects/%s")`, args.BucketName, manifest.AssetPrefix),
			},
		}, parent); err != nil {
			return nil, err
		}
	}

	d.URLMap, err = compute.NewURLMap(ctx, name+"-urlmap", &compute.URLMapArgs{
		Project:        project,
		Name:           pulumi.String(name + "-urlmap"),
		DefaultService: d.Backend.SelfLink,
		HostRules: compute.URLMapHostRuleArray{compute.URLMapHostRuleArgs{
			Hosts: pulumi.StringArray{pulumi.String(args.Domain)}, PathMatcher: pulumi.String("playback"),
		}},
		PathMatchers: compute.URLMapPathMatcherArray{pathMatcher(d.Backend.SelfLink, args.APIBackend)},
	}, parent)
	if err != nil {
		return nil, err
	}
	d.SSLPolicy, err = compute.NewSSLPolicy(ctx, name+"-tls", &compute.SSLPolicyArgs{
		Project:       project,
		Name:          pulumi.String(name + "-tls"),
		MinTlsVersion: pulumi.String(MinTLSVersion),
		Profile:       pulumi.String(SSLProfile),
	}, parent)
	if err != nil {
		return nil, err
	}
	cert, err := compute.NewManagedSslCertificate(ctx, name+"-cert", &compute.ManagedSslCertificateArgs{
		Project: project,
		Name:    pulumi.String(name + "-cert"),
		Managed: &compute.ManagedSslCertificateManagedArgs{Domains: pulumi.StringArray{pulumi.String(args.Domain)}},
	}, parent)
	if err != nil {
		return nil, err
	}
	https, err := compute.NewTargetHttpsProxy(ctx, name+"-https", &compute.TargetHttpsProxyArgs{
		Project:         project,
		Name:            pulumi.String(name + "-https"),
		UrlMap:          d.URLMap.SelfLink,
		SslCertificates: pulumi.StringArray{cert.SelfLink},
		SslPolicy:       d.SSLPolicy.SelfLink,
		QuicOverride:    pulumi.String("ENABLE"),
	}, parent)
	if err != nil {
		return nil, err
	}
	d.Address, err = compute.NewGlobalAddress(ctx, name+"-address", &compute.GlobalAddressArgs{
		Project:   project,
		Name:      pulumi.String(name + "-address"),
		IpVersion: pulumi.String("IPV4"),
	}, parent)
	if err != nil {
		return nil, err
	}
	rule := func(role, port string, target pulumi.StringInput) error {
		_, err := compute.NewGlobalForwardingRule(ctx, name+"-"+role, &compute.GlobalForwardingRuleArgs{
			Project:             project,
			Name:                pulumi.String(name + "-" + role),
			Target:              target,
			IpAddress:           d.Address.Address,
			IpProtocol:          pulumi.String("TCP"),
			PortRange:           pulumi.String(port),
			LoadBalancingScheme: pulumi.String("EXTERNAL_MANAGED"),
			Labels:              labelsOrEmpty(args.Labels),
		}, parent)
		return err
	}
	if err := rule("https-rule", "443", https.SelfLink); err != nil {
		return nil, err
	}
	redirect, err := compute.NewURLMap(ctx, name+"-redirect", &compute.URLMapArgs{
		Project: project,
		Name:    pulumi.String(name + "-redirect"),
		DefaultUrlRedirect: &compute.URLMapDefaultUrlRedirectArgs{
			HttpsRedirect:        pulumi.Bool(true),
			StripQuery:           pulumi.Bool(false),
			RedirectResponseCode: pulumi.String("MOVED_PERMANENTLY_DEFAULT"),
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	http, err := compute.NewTargetHttpProxy(ctx, name+"-http", &compute.TargetHttpProxyArgs{
		Project: project,
		Name:    pulumi.String(name + "-http"),
		UrlMap:  redirect.SelfLink,
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := rule("http-rule", "80", http.SelfLink); err != nil {
		return nil, err
	}
	d.PlaybackDomain = pulumi.String(args.Domain).ToStringOutput()
	d.IPAddress, d.URLMapID = d.Address.Address, d.URLMap.ID().ToStringOutput()
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{
		"playbackDomain": d.PlaybackDomain, "ipAddress": d.IPAddress, "urlMapId": d.URLMapID,
	})
}

func (a *DeliveryArgs) validate(name string) error {
	if a == nil {
		return errors.New("delivery: args are required")
	}
	if err := checkName("delivery", name, 63-len("-signing-key")); err != nil {
		return err
	}
	if err := checkPlace("delivery", a.Project, a.Region); err != nil {
		return err
	}
	switch {
	case a.BucketName == nil || a.SigningKey == nil || a.FillAgent == nil:
		return errors.New("delivery: BucketName, SigningKey and FillAgent are required")
	case a.Domain == "" || !strings.Contains(a.Domain, ".") || strings.ToLower(a.Domain) != a.Domain:
		return fmt.Errorf("delivery: Domain %q must be a lowercase host name (Cloud CDN has no default HTTPS host name)", a.Domain)
	case a.PlaybackTTL < 60 || a.PlaybackTTL > 3600:
		return fmt.Errorf("delivery: PlaybackTTL %d is outside 60..3600", a.PlaybackTTL)
	}
	for i, c := range a.GeoAllowList {
		if !countryRe.MatchString(c) {
			return fmt.Errorf("delivery: GeoAllowList[%d] %q is not an ISO 3166-1 alpha-2 code", i, c)
		}
	}
	for i, n := range a.KeyNames {
		if !keyNameRe.MatchString(n) {
			return fmt.Errorf("delivery: KeyNames[%d] %q is not a Cloud CDN key name (lowercase letters, digits and -, starting with a letter, at most 63)", i, n)
		}
	}
	return nil
}

// keyNameRe is Compute Engine's resource name syntax, which signed-request key names follow.
var keyNameRe = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// geoRules allows the listed countries and denies everyone else, or allows all when the list
// is empty. Edge policies hold at most a few CEL clauses per rule, so countries are chunked.
func geoRules(countries []string) compute.SecurityPolicyRuleTypeArray {
	def := func(action string) compute.SecurityPolicyRuleTypeArgs {
		return compute.SecurityPolicyRuleTypeArgs{
			Action:      pulumi.String(action),
			Priority:    pulumi.Int(2147483647),
			Description: pulumi.String("default"),
			Match: compute.SecurityPolicyRuleMatchArgs{
				VersionedExpr: pulumi.String("SRC_IPS_V1"),
				Config:        &compute.SecurityPolicyRuleMatchConfigArgs{SrcIpRanges: pulumi.StringArray{pulumi.String("*")}},
			},
		}
	}
	if len(countries) == 0 {
		return compute.SecurityPolicyRuleTypeArray{def("allow")}
	}
	var rules compute.SecurityPolicyRuleTypeArray
	for i := 0; i < len(countries); i += 5 {
		end := min(i+5, len(countries))
		var clauses []string
		for _, c := range countries[i:end] {
			clauses = append(clauses, fmt.Sprintf("origin.region_code == '%s'", c))
		}
		rules = append(rules, compute.SecurityPolicyRuleTypeArgs{
			Action:      pulumi.String("allow"),
			Priority:    pulumi.Int(1000 + i),
			Description: pulumi.String("allowed countries"),
			Match: compute.SecurityPolicyRuleMatchArgs{
				Expr: &compute.SecurityPolicyRuleMatchExprArgs{Expression: pulumi.String(strings.Join(clauses, " || "))},
			},
		})
	}
	return append(rules, def("deny(403)"))
}

func pathMatcher(media pulumi.StringInput, api pulumi.StringInput) compute.URLMapPathMatcherArgs {
	m := compute.URLMapPathMatcherArgs{Name: pulumi.String("playback"), DefaultService: media}
	if api != nil {
		m.PathRules = compute.URLMapPathMatcherPathRuleArray{compute.URLMapPathMatcherPathRuleArgs{
			Paths: pulumi.StringArray{pulumi.String(gateway.PathPrefix), pulumi.String(gateway.PathPrefix + "/*")}, Service: api,
		}}
	}
	return m
}
