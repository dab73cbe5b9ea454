package aws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	pulumiaws "github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
)

var (
	edgeKeysOnce sync.Once
	edgeKeyPEMs  []string
)

// edgePublicKeys returns two RSA-2048 public keys in PEM, generated once per test binary.
func edgePublicKeys(t *testing.T) []string {
	t.Helper()
	return rsaPublicKeys()[:2]
}

// originPublicKeys returns two more, for the Cloudflare edge's own key pair.
func originPublicKeys(t *testing.T) []string {
	t.Helper()
	return rsaPublicKeys()[2:]
}

func rsaPublicKeys() []string {
	edgeKeysOnce.Do(func() {
		for i := 0; i < 4; i++ {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			edgeKeyPEMs = append(edgeKeyPEMs, edgePEM(&k.PublicKey))
		}
	})
	return edgeKeyPEMs
}

func edgePEM(pub any) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

const (
	edgeDeliveryBucketArn = "arn:aws:s3:::acme-dev-storage-delivery-123456789012"
	edgeDomain            = "media.example.com"
	edgeZone              = "Z0123456789ABCDEFGHIJ"
)

// edgeDeliveryArgs is the smallest configuration: CloudFront's domain, no WAF, one key.
// keyName is the resource name of edgePublicKeys(t)[i] in the delivery n.
func keyName(t *testing.T, n string, i int) string {
	t.Helper()
	name, err := PublicKeyName(n, edgePublicKeys(t)[i])
	if err != nil {
		t.Fatal(err)
	}
	return name
}

func edgeDeliveryArgs(t *testing.T) *DeliveryArgs {
	return &DeliveryArgs{
		BucketName:               pulumi.String("acme-dev-storage-delivery-123456789012"),
		BucketArn:                pulumi.String(edgeDeliveryBucketArn),
		BucketRegionalDomainName: pulumi.String("acme-dev-storage-delivery-123456789012.s3.eu-west-1.amazonaws.com"),
		LogsBucketName:           pulumi.String("acme-dev-storage-logs-123456789012"),
		KeyArn:                   pulumi.String(edgeKeyArn),
		PublicKeys:               edgePublicKeys(t)[:1],
		Tags:                     edgeTags(),
	}
}

// edgeFullDelivery turns on everything: custom domain with a created certificate in a
// managed zone, two keys, WAF, geo restriction and CORS origins.
func edgeFullDelivery(t *testing.T) *DeliveryArgs {
	a := edgeDeliveryArgs(t)
	a.PublicKeys = edgePublicKeys(t)
	a.Domain = edgeDomain
	a.ZoneId = edgeZone
	a.WAF = &DeliveryWAFArgs{MediaRateLimit: pulumi.Int(500), APIRateLimit: pulumi.Int(200)}
	a.GeoAllowList = []string{"DE", "AT", "CH"}
	a.CORSOrigins = []string{"https://player.example.com"}
	a.PriceClass = pulumi.String("PriceClass_200")
	return a
}

func edgeDeploy(t *testing.T, args *DeliveryArgs) *offline.Result {
	t.Helper()
	return edgeRun(t, func(ctx *pulumi.Context) error {
		_, err := NewDelivery(ctx, "acme-dev-delivery", args)
		return err
	})
}

func TestDeliveryType(t *testing.T) {
	if DeliveryType != "ottkit:aws:Delivery" {
		t.Errorf("DeliveryType = %q, want ottkit:aws:Delivery", DeliveryType)
	}
}

func TestDeliveryChildren(t *testing.T) {
	const n = "acme-dev-delivery"
	base := []string{
		"aws:cloudfront/cachePolicy:CachePolicy " + n + "-manifests",
		"aws:cloudfront/cachePolicy:CachePolicy " + n + "-segments",
		"aws:cloudfront/distribution:Distribution " + n + "-cdn",
		"aws:cloudfront/keyGroup:KeyGroup " + n + "-signers",
		"aws:cloudfront/originAccessControl:OriginAccessControl " + n + "-oac",
		"aws:cloudfront/publicKey:PublicKey " + keyName(t, n, 0),
		"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy " + n + "-headers",
		"aws:s3/bucketPolicy:BucketPolicy " + n + "-bucket-policy",
		"aws:secretsmanager/secret:Secret " + n + "-signing-secret",
	}
	provider := "pulumi:providers:aws " + n + "-us-east-1"
	cert := []string{
		"aws:acm/certificate:Certificate " + n + "-cert",
		"aws:acm/certificateValidation:CertificateValidation " + n + "-cert-validation",
	}
	aliases := []string{
		"aws:route53/record:Record " + n + "-alias-a",
		"aws:route53/record:Record " + n + "-alias-aaaa",
	}
	tests := []struct {
		name   string
		mutate func(a *DeliveryArgs)
		extra  []string
	}{
		{"cloudfront domain", func(a *DeliveryArgs) {}, nil},
		{"everything", func(a *DeliveryArgs) { *a = *edgeFullDelivery(t) }, append(append([]string{
			provider,
			"aws:cloudfront/publicKey:PublicKey " + keyName(t, n, 1),
			"aws:route53/record:Record " + n + "-cert-record",
			"aws:wafv2/webAcl:WebAcl " + n + "-waf",
		}, cert...), aliases...)},
		{"domain, own certificate, no zone", func(a *DeliveryArgs) {
			a.Domain = edgeDomain
			a.CertificateArn = pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/own")
		}, nil},
		{"domain, own certificate, zone", func(a *DeliveryArgs) {
			a.Domain = edgeDomain
			a.ZoneId = edgeZone
			a.CertificateArn = pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/own")
		}, aliases},
		{"domain, new certificate, no zone", func(a *DeliveryArgs) { a.Domain = edgeDomain }, append([]string{provider}, cert...)},
		{"waf only", func(a *DeliveryArgs) { a.WAF = &DeliveryWAFArgs{} },
			[]string{provider, "aws:wafv2/webAcl:WebAcl " + n + "-waf"}},
		{"edge sessions", func(a *DeliveryArgs) { a.Sessions = &DeliverySessionsArgs{} }, []string{
			"aws:cloudfront/function:Function " + n + "-session-check",
			"aws:cloudfront/keyValueStore:KeyValueStore " + n + "-sessions",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := edgeDeliveryArgs(t)
			tt.mutate(args)
			res := edgeDeploy(t, args)
			_, children := edgeComponent(t, res, DeliveryType, n)
			want := append(append([]string(nil), base...), tt.extra...)
			sort.Strings(want)
			if !reflect.DeepEqual(children, want) {
				t.Errorf("children =\n%s\nwant\n%s", strings.Join(children, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// edgeBehaviours returns the default and every ordered cache behaviour of the distribution.
func edgeBehaviours(dist map[string]any) []map[string]any {
	out := []map[string]any{dist["defaultCacheBehavior"].(map[string]any)}
	for _, b := range dist["orderedCacheBehaviors"].([]any) {
		out = append(out, b.(map[string]any))
	}
	return out
}

func TestDeliverySecurity(t *testing.T) {
	const n = "acme-dev-delivery"
	res := edgeDeploy(t, edgeFullDelivery(t))
	dist := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", n+"-cdn")
	in := dist.Inputs
	oac := edgeMust(t, res, "aws:cloudfront/originAccessControl:OriginAccessControl", n+"-oac")
	keyGroup := edgeMust(t, res, "aws:cloudfront/keyGroup:KeyGroup", n+"-signers")
	manifests := edgeMust(t, res, "aws:cloudfront/cachePolicy:CachePolicy", n+"-manifests")
	segments := edgeMust(t, res, "aws:cloudfront/cachePolicy:CachePolicy", n+"-segments")
	headers := edgeMust(t, res, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", n+"-headers")
	waf := edgeMust(t, res, "aws:wafv2/webAcl:WebAcl", n+"-waf")
	cert := edgeMust(t, res, "aws:acm/certificate:Certificate", n+"-cert")
	validation := edgeMust(t, res, "aws:acm/certificateValidation:CertificateValidation", n+"-cert-validation")
	usEast1 := edgeMust(t, res, "pulumi:providers:aws", n+"-us-east-1")

	t.Run("origin access control, not identity", func(t *testing.T) {
		for k, want := range map[string]string{"signingBehavior": "always", "signingProtocol": "sigv4", "originAccessControlOriginType": "s3"} {
			if oac.Inputs[k] != want {
				t.Errorf("OAC %s = %v, want %s", k, oac.Inputs[k], want)
			}
		}
		origins := in["origins"].([]any)
		if len(origins) != 1 {
			t.Fatalf("%d origins, want 1", len(origins))
		}
		o := origins[0].(map[string]any)
		if o["originAccessControlId"] != oac.ID {
			t.Errorf("origin OAC = %v, want %s", o["originAccessControlId"], oac.ID)
		}
		if oai := edgeGet(o, "s3OriginConfig", "originAccessIdentity"); oai != nil && oai != "" {
			t.Errorf("origin uses an origin access identity %v", oai)
		}
		if len(res.OfType("aws:cloudfront/originAccessIdentity:OriginAccessIdentity")) != 0 {
			t.Error("an origin access identity was created")
		}
	})

	t.Run("every behaviour is signed and https", func(t *testing.T) {
		for _, b := range edgeBehaviours(in) {
			p := b["pathPattern"]
			if got := edgeStrings(b["trustedKeyGroups"]); !reflect.DeepEqual(got, []string{keyGroup.ID}) {
				t.Errorf("behaviour %v trusts key groups %v, want [%s]", p, got, keyGroup.ID)
			}
			if b["viewerProtocolPolicy"] != "redirect-to-https" {
				t.Errorf("behaviour %v viewer protocol %v, want redirect-to-https", p, b["viewerProtocolPolicy"])
			}
			if b["responseHeadersPolicyId"] != headers.ID {
				t.Errorf("behaviour %v headers policy %v, want %s", p, b["responseHeadersPolicyId"], headers.ID)
			}
			if got := edgeStrings(b["allowedMethods"]); !reflect.DeepEqual(got, []string{"GET", "HEAD"}) {
				t.Errorf("behaviour %v allows %v, want GET HEAD", p, got)
			}
		}
		// The mock engine registers resources concurrently: compare as sets.
		var keyIds []string
		for _, k := range res.OfType("aws:cloudfront/publicKey:PublicKey") {
			keyIds = append(keyIds, k.ID)
		}
		sort.Strings(keyIds)
		got := edgeStrings(keyGroup.Inputs["items"])
		sort.Strings(got)
		if !reflect.DeepEqual(got, keyIds) || len(got) != 2 {
			t.Errorf("key group holds %v, want the 2 public keys %v", got, keyIds)
		}
	})

	t.Run("cache policies per path", func(t *testing.T) {
		var got []string
		for _, b := range in["orderedCacheBehaviors"].([]any) {
			b := b.(map[string]any)
			got = append(got, b["pathPattern"].(string)+" "+b["cachePolicyId"].(string))
		}
		want := []string{"/assets/*.m3u8 " + manifests.ID, "/assets/*.mpd " + manifests.ID, "/assets/* " + segments.ID}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ordered behaviours = %v, want %v", got, want)
		}
		if manifests.Inputs["defaultTtl"] != float64(ManifestDefaultTTL) || manifests.Inputs["maxTtl"] != float64(ManifestMaxTTL) {
			t.Errorf("manifest TTLs default %v max %v, want %d %d", manifests.Inputs["defaultTtl"], manifests.Inputs["maxTtl"], ManifestDefaultTTL, ManifestMaxTTL)
		}
		if segments.Inputs["defaultTtl"] != float64(SegmentDefaultTTL) || segments.Inputs["maxTtl"] != float64(SegmentMaxTTL) {
			t.Errorf("segment TTLs default %v max %v, want %d %d", segments.Inputs["defaultTtl"], segments.Inputs["maxTtl"], SegmentDefaultTTL, SegmentMaxTTL)
		}
		if ManifestMaxTTL >= SegmentDefaultTTL {
			t.Error("manifests are cached as long as segments")
		}
		for _, p := range []offline.Resource{manifests, segments} {
			for _, k := range []string{"cookiesConfig", "headersConfig", "queryStringsConfig"} {
				cfg, _ := edgeGet(p.Inputs, "parametersInCacheKeyAndForwardedToOrigin", k).(map[string]any)
				for field, v := range cfg {
					if strings.HasSuffix(field, "Behavior") && v != "none" {
						t.Errorf("%s forwards %s %v; want the path alone in the key", p.Name, k, v)
					}
				}
			}
		}
	})

	t.Run("response headers", func(t *testing.T) {
		h := headers.Inputs
		checks := []struct {
			what string
			got  any
			want any
		}{
			{"HSTS max-age", edgeGet(h, "securityHeadersConfig", "strictTransportSecurity", "accessControlMaxAgeSec"), float64(63072000)},
			{"HSTS subdomains", edgeGet(h, "securityHeadersConfig", "strictTransportSecurity", "includeSubdomains"), true},
			{"nosniff", edgeGet(h, "securityHeadersConfig", "contentTypeOptions", "override"), true},
			{"referrer policy", edgeGet(h, "securityHeadersConfig", "referrerPolicy", "referrerPolicy"), "strict-origin-when-cross-origin"},
			{"CORS origins", edgeGet(h, "corsConfig", "accessControlAllowOrigins", "items"), []any{"https://player.example.com"}},
			{"CORS credentials", edgeGet(h, "corsConfig", "accessControlAllowCredentials"), true},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
			}
		}
	})

	t.Run("TLS with the custom domain's certificate", func(t *testing.T) {
		vc := in["viewerCertificate"].(map[string]any)
		if vc["acmCertificateArn"] != validation.Outputs["certificateArn"] || vc["acmCertificateArn"] != cert.Outputs["arn"] {
			t.Errorf("viewer certificate %v, want the validated certificate %v", vc["acmCertificateArn"], cert.Outputs["arn"])
		}
		if vc["sslSupportMethod"] != "sni-only" || vc["minimumProtocolVersion"] != "TLSv1.2_2021" {
			t.Errorf("viewer TLS %v / %v, want sni-only / TLSv1.2_2021", vc["sslSupportMethod"], vc["minimumProtocolVersion"])
		}
		if vc["cloudfrontDefaultCertificate"] == true {
			t.Error("custom domain served with CloudFront's default certificate")
		}
		if got := edgeStrings(in["aliases"]); !reflect.DeepEqual(got, []string{edgeDomain}) {
			t.Errorf("aliases = %v, want [%s]", got, edgeDomain)
		}
		if cert.Inputs["domainName"] != edgeDomain || cert.Inputs["validationMethod"] != "DNS" {
			t.Errorf("certificate %v by %v, want %s by DNS", cert.Inputs["domainName"], cert.Inputs["validationMethod"], edgeDomain)
		}
		if usEast1.Inputs["region"] != "us-east-1" {
			t.Errorf("provider region = %v, want us-east-1", usEast1.Inputs["region"])
		}
		for _, r := range []offline.Resource{cert, validation, waf} {
			if !strings.HasPrefix(r.Provider, usEast1.URN+"::") {
				t.Errorf("%s provider = %q, want the us-east-1 provider", r.Name, r.Provider)
			}
		}
		record := edgeMust(t, res, "aws:route53/record:Record", "acme-dev-delivery-cert-record")
		if record.Inputs["zoneId"] != edgeZone {
			t.Errorf("validation record zone = %v, want %s", record.Inputs["zoneId"], edgeZone)
		}
		dvo := edgeGet(cert.Outputs, "domainValidationOptions", "0")
		if record.Inputs["name"] != edgeGet(dvo, "resourceRecordName") || record.Inputs["type"] != "CNAME" ||
			!reflect.DeepEqual(record.Inputs["records"], []any{edgeGet(dvo, "resourceRecordValue")}) {
			t.Errorf("validation record = %v, want the certificate's %v", record.Inputs, dvo)
		}
		if got := edgeStrings(validation.Inputs["validationRecordFqdns"]); len(got) != 1 {
			t.Errorf("validation waits for %v, want the one record", got)
		}
		for _, typ := range []string{"A", "AAAA"} {
			r := edgeMust(t, res, "aws:route53/record:Record", "acme-dev-delivery-alias-"+strings.ToLower(typ))
			if r.Inputs["type"] != typ || r.Inputs["name"] != edgeDomain || edgeGet(r.Inputs, "aliases", "0", "name") != dist.Outputs["domainName"] {
				t.Errorf("alias record %s = %v, want %s %s -> %v", typ, r.Inputs, typ, edgeDomain, dist.Outputs["domainName"])
			}
		}
	})

	t.Run("protocols, price class and logs", func(t *testing.T) {
		checks := []struct {
			what string
			got  any
			want any
		}{
			{"http version", in["httpVersion"], "http2and3"},
			{"ipv6", in["isIpv6Enabled"], true},
			{"price class", in["priceClass"], "PriceClass_200"},
			{"log bucket", edgeGet(in, "loggingConfig", "bucket"), "acme-dev-storage-logs-123456789012.s3.amazonaws.com"},
			{"log prefix", edgeGet(in, "loggingConfig", "prefix"), "cdn/"},
			{"geo restriction", edgeGet(in, "restrictions", "geoRestriction", "restrictionType"), "whitelist"},
			{"geo countries", edgeGet(in, "restrictions", "geoRestriction", "locations"), []any{"DE", "AT", "CH"}},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
			}
		}
	})

	t.Run("web ACL", func(t *testing.T) {
		if in["webAclId"] != waf.Outputs["arn"] {
			t.Errorf("distribution web ACL = %v, want %v", in["webAclId"], waf.Outputs["arn"])
		}
		if waf.Inputs["scope"] != "CLOUDFRONT" {
			t.Errorf("web ACL scope = %v, want CLOUDFRONT", waf.Inputs["scope"])
		}
		rules := waf.Inputs["rules"].([]any)
		if len(rules) != 4 {
			t.Fatalf("%d rules, want 4 (API and media rate limits, common and known bad inputs rules)", len(rules))
		}
		apiMatch := map[string]any{
			"searchString": "/api/", "positionalConstraint": "STARTS_WITH",
			"fieldToMatch":        map[string]any{"uriPath": map[string]any{}},
			"textTransformations": []any{map[string]any{"priority": 0.0, "type": "NONE"}},
		}
		for _, c := range []struct {
			what      string
			got, want any
		}{
			{"API rule", edgeGet(rules[0], "name"), "api-rate-limit"},
			{"API limit", edgeGet(rules[0], "statement", "rateBasedStatement", "limit"), 200.0},
			{"API rule counts only the API", edgeGet(rules[0], "statement", "rateBasedStatement", "scopeDownStatement", "byteMatchStatement"), apiMatch},
			{"media rule", edgeGet(rules[1], "name"), "media-rate-limit"},
			{"media limit", edgeGet(rules[1], "statement", "rateBasedStatement", "limit"), 500.0},
			{"media rule counts all but the API", edgeGet(rules[1], "statement", "rateBasedStatement", "scopeDownStatement", "notStatement", "statements"),
				[]any{map[string]any{"byteMatchStatement": apiMatch}}},
			{"per IP", edgeGet(rules[1], "statement", "rateBasedStatement", "aggregateKeyType"), "IP"},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
			}
		}
		for _, r := range rules[:2] {
			if edgeGet(r, "action", "block") == nil {
				t.Errorf("rate rule %v does not block", edgeGet(r, "name"))
			}
		}
		for i, want := range map[int]string{2: "AWSManagedRulesCommonRuleSet", 3: "AWSManagedRulesKnownBadInputsRuleSet"} {
			if got := edgeGet(rules[i], "statement", "managedRuleGroupStatement", "name"); got != want {
				t.Errorf("rule %d managed rule group = %v, want %s", i, got, want)
			}
		}
		badInputs := rules[len(rules)-1]
		if got := edgeGet(badInputs, "statement", "managedRuleGroupStatement", "name"); got != "AWSManagedRulesKnownBadInputsRuleSet" {
			t.Errorf("last managed rule group = %v, want AWSManagedRulesKnownBadInputsRuleSet", got)
		}
		if edgeGet(badInputs, "overrideAction", "none") == nil {
			t.Error("known bad inputs rules only count")
		}
	})

	t.Run("bucket policy admits only this distribution", func(t *testing.T) {
		bp := edgeMust(t, res, "aws:s3/bucketPolicy:BucketPolicy", n+"-bucket-policy")
		if bp.Inputs["bucket"] != "acme-dev-storage-delivery-123456789012" {
			t.Errorf("policy on bucket %v", bp.Inputs["bucket"])
		}
		stmts := parsePolicy(t, bp.Inputs["policy"])
		edgeCheckScoped(t, stmts)
		var allows, tlsDenies, keyDenies int
		for _, s := range stmts {
			switch s.Effect {
			case "Allow":
				allows++
				if !reflect.DeepEqual(s.Principal, map[string]any{"Service": []any{"cloudfront.amazonaws.com"}}) {
					t.Errorf("allow to %v, want cloudfront.amazonaws.com", s.Principal)
				}
				if !reflect.DeepEqual(s.Action, []string{"s3:GetObject"}) || !reflect.DeepEqual(s.Resource, []string{edgeDeliveryBucketArn + "/assets/*"}) {
					t.Errorf("allow %v on %v, want s3:GetObject on assets/*", s.Action, s.Resource)
				}
				if got := s.Condition["StringEquals"]["AWS:SourceArn"]; !reflect.DeepEqual(got, []string{dist.Outputs["arn"].(string)}) {
					t.Errorf("allow scoped to %v, want the distribution %v", got, dist.Outputs["arn"])
				}
			case "Deny":
				if s.Condition["Bool"]["aws:SecureTransport"] != nil || s.Condition["NumericLessThan"]["s3:TlsVersion"] != nil {
					tlsDenies++
				}
				if reflect.DeepEqual(s.Action, []string{"s3:PutObject"}) {
					keyDenies++
					if got := s.Condition["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption-aws-kms-key-id"]; got != nil &&
						!reflect.DeepEqual(got, []string{edgeKeyArn}) {
						t.Errorf("policy admits objects under key %v, want only %s", got, edgeKeyArn)
					}
				}
			}
		}
		if allows != 1 || tlsDenies != 2 || keyDenies != 3 {
			t.Errorf("policy has %d allows, %d TLS denies and %d encryption denies, want 1, 2 and 3:\n%+v", allows, tlsDenies, keyDenies, stmts)
		}
	})

	t.Run("signing secret", func(t *testing.T) {
		s := edgeMust(t, res, "aws:secretsmanager/secret:Secret", n+"-signing-secret")
		if s.Inputs["kmsKeyId"] != edgeKeyArn {
			t.Errorf("secret key = %v, want %s", s.Inputs["kmsKeyId"], edgeKeyArn)
		}
		if got := s.Inputs["recoveryWindowInDays"]; got != float64(SecretRecoveryDays) {
			t.Errorf("kept secret recovery window = %v, want %d days", got, SecretRecoveryDays)
		}
	})
}

// TestDeliverySecretWithoutRecovery: a stack that destroys its data deletes the signing secret
// without a recovery window, so `pulumi up` after `pulumi destroy` can create it again under
// the same name.
func TestDeliverySecretWithoutRecovery(t *testing.T) {
	args := edgeDeliveryArgs(t)
	args.DestroyData = true
	res := edgeDeploy(t, args)
	s := edgeMust(t, res, "aws:secretsmanager/secret:Secret", "acme-dev-delivery-signing-secret")
	if got := s.Inputs["recoveryWindowInDays"]; got != 0.0 {
		t.Errorf("recovery window = %v, want 0 (delete at once)", got)
	}
}

func TestDeliveryDefaults(t *testing.T) {
	res := edgeDeploy(t, edgeDeliveryArgs(t))
	in := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", "acme-dev-delivery-cdn").Inputs
	h := edgeMust(t, res, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "acme-dev-delivery-headers").Inputs
	checks := []struct {
		what string
		got  any
		want any
	}{
		{"default certificate", edgeGet(in, "viewerCertificate", "cloudfrontDefaultCertificate"), true},
		{"no aliases", in["aliases"], nil},
		{"no web ACL", in["webAclId"], nil},
		{"no geo restriction", edgeGet(in, "restrictions", "geoRestriction", "restrictionType"), "none"},
		{"price class", in["priceClass"], DefaultPriceClass},
		{"CORS any origin", edgeGet(h, "corsConfig", "accessControlAllowOrigins", "items"), []any{"*"}},
		{"CORS no credentials with a wildcard", edgeGet(h, "corsConfig", "accessControlAllowCredentials"), false},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	for _, b := range edgeBehaviours(in) {
		if len(edgeStrings(b["trustedKeyGroups"])) != 1 || b["viewerProtocolPolicy"] != "redirect-to-https" {
			t.Errorf("behaviour %v: key groups %v, viewer protocol %v", b["pathPattern"], b["trustedKeyGroups"], b["viewerProtocolPolicy"])
		}
	}
}

// TestDeliveryUsesAGivenProvider checks a caller's us-east-1 provider is used rather than a
// new one, so an assumed role carries over.
func TestDeliveryUsesAGivenProvider(t *testing.T) {
	res := edgeRun(t, func(ctx *pulumi.Context) error {
		p, err := pulumiaws.NewProvider(ctx, "callers-us-east-1", &pulumiaws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		args := edgeFullDelivery(t)
		args.USEast1 = p
		_, err = NewDelivery(ctx, "acme-dev-delivery", args)
		return err
	})
	providers := res.OfType("pulumi:providers:aws")
	if len(providers) != 1 || providers[0].Name != "callers-us-east-1" {
		t.Fatalf("providers = %v, want only the caller's", res.Inventory())
	}
	for _, typ := range []string{"aws:acm/certificate:Certificate", "aws:wafv2/webAcl:WebAcl"} {
		for _, r := range res.OfType(typ) {
			if !strings.HasPrefix(r.Provider, providers[0].URN+"::") {
				t.Errorf("%s provider = %q, want the caller's", r.Name, r.Provider)
			}
		}
	}
}

func TestDeliveryValidation(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	keys := edgePublicKeys(t)
	tests := []struct {
		name   string
		dName  string
		mutate func(a *DeliveryArgs)
		want   string
	}{
		{"nil args", "acme-dev-delivery", nil, "args are required"},
		{"bad name", "acme_dev", func(a *DeliveryArgs) {}, `name "acme_dev" must be lowercase`},
		{"no bucket", "acme-dev-delivery", func(a *DeliveryArgs) { a.BucketArn = nil }, "BucketArn is required"},
		{"no bucket domain", "acme-dev-delivery", func(a *DeliveryArgs) { a.BucketRegionalDomainName = nil }, "BucketRegionalDomainName is required"},
		{"no logs", "acme-dev-delivery", func(a *DeliveryArgs) { a.LogsBucketName = nil }, "LogsBucketName is required"},
		{"no key", "acme-dev-delivery", func(a *DeliveryArgs) { a.KeyArn = nil }, "KeyArn is required"},
		{"no public keys", "acme-dev-delivery", func(a *DeliveryArgs) { a.PublicKeys = nil }, "PublicKeys needs 1 or 2"},
		{"three public keys", "acme-dev-delivery", func(a *DeliveryArgs) { a.PublicKeys = []string{keys[0], keys[1], keys[0]} }, "PublicKeys has 3 keys"},
		{"not PEM", "acme-dev-delivery", func(a *DeliveryArgs) { a.PublicKeys = []string{"ssh-rsa AAAA"} }, "PublicKeys[0]: not PEM"},
		{"EC key", "acme-dev-delivery", func(a *DeliveryArgs) { a.PublicKeys = []string{keys[0], edgePEM(&ec.PublicKey)} }, "PublicKeys[1]: key is *ecdsa.PublicKey, want RSA"},
		{"short RSA key", "acme-dev-delivery", func(a *DeliveryArgs) { a.PublicKeys = []string{edgePEM(&small.PublicKey)} }, "PublicKeys[0]: RSA key has 1024 bits"},
		{"bad domain", "acme-dev-delivery", func(a *DeliveryArgs) { a.Domain = "https://media.example.com" }, `Domain "https://media.example.com" is not a lowercase DNS name`},
		{"certificate without domain", "acme-dev-delivery", func(a *DeliveryArgs) { a.CertificateArn = pulumi.String("arn:x") }, "CertificateArn needs Domain"},
		{"zone without domain", "acme-dev-delivery", func(a *DeliveryArgs) { a.ZoneId = edgeZone }, "ZoneId needs Domain"},
		{"bad zone", "acme-dev-delivery", func(a *DeliveryArgs) { a.Domain = edgeDomain; a.ZoneId = "example.com" }, `ZoneId "example.com" is not a Route53 hosted zone id`},
		{"bad country", "acme-dev-delivery", func(a *DeliveryArgs) { a.GeoAllowList = []string{"DE", "Germany"} }, `GeoAllowList[1] "Germany" is not an ISO 3166-1 alpha-2 code`},
		{"lowercase country", "acme-dev-delivery", func(a *DeliveryArgs) { a.GeoAllowList = []string{"de"} }, `GeoAllowList[0] "de"`},
		{"duplicate country", "acme-dev-delivery", func(a *DeliveryArgs) { a.GeoAllowList = []string{"DE", "DE"} }, `GeoAllowList[1] "DE" appears twice`},
		{"http origin", "acme-dev-delivery", func(a *DeliveryArgs) { a.CORSOrigins = []string{"http://player.example.com"} }, `CORSOrigins[0]: "http://player.example.com" is not an https origin`},
		{"origin with path", "acme-dev-delivery", func(a *DeliveryArgs) { a.CORSOrigins = []string{"https://player.example.com/app"} }, "CORSOrigins[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args *DeliveryArgs
			if tt.mutate != nil {
				args = edgeDeliveryArgs(t)
				tt.mutate(args)
			}
			res, err := edgeRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewDelivery(ctx, tt.dName, args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewDelivery error = %v, want it to contain %q", err, tt.want)
			}
			if len(res.Resources) != 0 {
				t.Errorf("a rejected delivery registered %v", res.Inventory())
			}
		})
	}
}

// TestDeliveryServesTheAPI: with API set, /api/* reaches API Gateway through the same
// distribution: first behaviour, not cached, every method, every viewer header but Host, the
// /api prefix stripped, HTTPS only, no signed cookies required (the JWT authorizer decides),
// and response headers that leave API Gateway's CORS headers alone.
func TestDeliveryServesTheAPI(t *testing.T) {
	const apiHost = "abc123.execute-api.us-east-1.amazonaws.com"
	args := edgeDeliveryArgs(t)
	args.API = &DeliveryAPIArgs{Domain: pulumi.String(apiHost)}
	res := edgeDeploy(t, args)
	n := "acme-dev-delivery"
	cdn := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", n+"-cdn").Inputs
	var origin map[string]any
	for _, o := range cdn["origins"].([]any) {
		if o := o.(map[string]any); o["originId"] == "api" {
			origin = o
		}
	}
	if origin == nil {
		t.Fatalf("no api origin in %v", cdn["origins"])
	}
	behaviours := cdn["orderedCacheBehaviors"].([]any)
	first := behaviours[0].(map[string]any)
	fn := edgeMust(t, res, "aws:cloudfront/function:Function", n+"-api-path")
	forward := edgeMust(t, res, "aws:cloudfront/originRequestPolicy:OriginRequestPolicy", n+"-api-origin")
	headers := edgeMust(t, res, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", n+"-api-headers")
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"origin host", origin["domainName"], apiHost},
		{"origin over TLS 1.2", edgeGet(origin, "customOriginConfig", "originSslProtocols"), []any{"TLSv1.2"}},
		{"origin https only", edgeGet(origin, "customOriginConfig", "originProtocolPolicy"), "https-only"},
		{"first behaviour", first["pathPattern"], APIPathPattern},
		{"target", first["targetOriginId"], "api"},
		{"all methods", first["allowedMethods"], []any{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}},
		{"not cached", first["cachePolicyId"], cachingDisabledPolicyID},
		{"viewer https only", first["viewerProtocolPolicy"], "https-only"},
		{"no key group", first["trustedKeyGroups"], nil},
		{"forwarding policy", first["originRequestPolicyId"], forward.ID},
		{"headers policy", first["responseHeadersPolicyId"], headers.ID},
		{"path function", edgeGet(first, "functionAssociations"), []any{map[string]any{"eventType": "viewer-request", "functionArn": fn.Outputs["arn"]}}},
		{"forwards all but host", edgeGet(forward.Inputs, "headersConfig", "headerBehavior"), "allExcept"},
		{"the excepted header", edgeGet(forward.Inputs, "headersConfig", "headers", "items"), []any{"host"}},
		{"forwards cookies", edgeGet(forward.Inputs, "cookiesConfig", "cookieBehavior"), "all"},
		{"forwards query strings", edgeGet(forward.Inputs, "queryStringsConfig", "queryStringBehavior"), "all"},
		{"no CORS override", headers.Inputs["corsConfig"], nil},
		{"HSTS", edgeGet(headers.Inputs, "securityHeadersConfig", "strictTransportSecurity", "override"), true},
		{"function runtime", fn.Inputs["runtime"], "cloudfront-js-2.0"},
		{"function published", fn.Inputs["publish"], true},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	// Media behaviours still follow, still signed.
	if got := behaviours[1].(map[string]any); got["trustedKeyGroups"] == nil {
		t.Errorf("behaviour after the API (%v) requires no signed cookies", got["pathPattern"])
	}
	if !strings.Contains(fn.Inputs["code"].(string), "request.uri.substring(4)") {
		t.Errorf("path function does not strip /api:\n%s", fn.Inputs["code"])
	}
}

// TestDeliveryKeyKeepsItsResourceWhenTheOtherRetires: a key's PublicKey is named by its
// fingerprint, so removing the first of two keys (the end of a rotation) leaves the second
// one's resource, and so its CloudFront id, where it was; a PEM with other line breaks is the
// same key.
func TestDeliveryKeyKeepsItsResourceWhenTheOtherRetires(t *testing.T) {
	const n = "acme-dev-delivery"
	keys := edgePublicKeys(t)
	rotating := edgeDeliveryArgs(t)
	rotating.PublicKeys = keys
	both := edgeDeploy(t, rotating)
	retired := edgeDeliveryArgs(t)
	retired.PublicKeys = keys[1:]
	after := edgeDeploy(t, retired)
	for _, res := range []*offline.Result{both, after} {
		if got := edgeMust(t, res, "aws:cloudfront/publicKey:PublicKey", keyName(t, n, 1)); got.Inputs["encodedKey"] != keys[1] {
			t.Errorf("the remaining key's resource holds %v, want the second key", got.Inputs["encodedKey"])
		}
	}
	if _, ok := after.Find("aws:cloudfront/publicKey:PublicKey", keyName(t, n, 0)); ok {
		t.Errorf("the retired key is still registered")
	}
	if got := len(after.OfType("aws:cloudfront/publicKey:PublicKey")); got != 1 {
		t.Errorf("%d public keys after the retire, want 1", got)
	}
	rewrapped := strings.ReplaceAll(keys[0], "\n", "\r\n")
	a, errA := PublicKeyFingerprint(keys[0])
	b, errB := PublicKeyFingerprint(rewrapped)
	if errA != nil || errB != nil || a != b || len(a) != 16 {
		t.Errorf("fingerprints %q %v, %q %v: want one 16-digit value", a, errA, b, errB)
	}
	if _, err := PublicKeyFingerprint("ssh-rsa AAAA"); err == nil {
		t.Error("a non-PEM key has a fingerprint")
	}
}
