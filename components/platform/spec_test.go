package platform

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
)

// validConfig is a complete, valid configuration as Pulumi passes it: the dev-aws stack's.
func validConfig(t *testing.T) map[string]string {
	t.Helper()
	cfg, err := ReadStackConfig(projectDir, "dev-aws")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func publicPEM(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestValidationRules covers every rule of Spec: each bad value is reported with its key,
// and neither New nor Program registers a single resource.
func TestValidationRules(t *testing.T) {
	base := validConfig(t)
	var devKeys []string
	if err := json.Unmarshal([]byte(base["ottkit:signingPublicKeys"]), &devKeys); err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rung := func(h, b int) map[string]int { return map[string]int{"height": h, "maxBitrate": b} }
	elevenRungs := []map[string]int{}
	for i := range 11 {
		elevenRungs = append(elevenRungs, rung(144+2*i, 500_000))
	}

	tests := []struct {
		name string
		set  map[string]string // "" deletes the key
		want string
	}{
		{"cloud", map[string]string{"ottkit:cloud": "azure"}, `ottkit:cloud: "azure" is not one of aws, gcp`},
		{"gcp key on aws", map[string]string{"gcp:project": "acme-media-prod"}, `gcp:project: only applies to ottkit:cloud gcp; this stack deploys to aws`},
		{"customer required", map[string]string{"ottkit:customer": ""}, "ottkit:customer: required"},
		{"customer short", map[string]string{"ottkit:customer": "a"}, `ottkit:customer: "a" must be 2 to 20 characters`},
		{"customer long", map[string]string{"ottkit:customer": "abcdefghijklmnopqrstu"}, "ottkit:customer: \"abcdefghijklmnopqrstu\" must be 2 to 20"},
		{"customer case", map[string]string{"ottkit:customer": "Acme"}, "ottkit:customer: \"Acme\" must be lowercase"},
		{"customer double hyphen", map[string]string{"ottkit:customer": "ac--me"}, "ottkit:customer: \"ac--me\" must be lowercase letters, digits and single hyphens"},
		{"customer reserved", map[string]string{"ottkit:customer": "sthree-tv"}, "ottkit:customer: \"sthree-tv\" with ottkit:environment \"dev\" names buckets S3 refuses: bucket name \"sthree-tv-dev-ingest-000000000000\" starts with \"sthree-\""},
		{"customer makes a demo bucket", map[string]string{"ottkit:customer": "amzn-s3-demo"}, `ottkit:customer: "amzn-s3-demo" with ottkit:environment "dev" names buckets S3 refuses: bucket name "amzn-s3-demo-dev-ingest-000000000000" starts with "amzn-s3-demo-"`},
		{"customer and environment make a demo bucket", map[string]string{"ottkit:customer": "amzn-s3", "ottkit:environment": "demo"}, `starts with "amzn-s3-demo-", which S3 reserves`},
		{"environment", map[string]string{"ottkit:environment": "Prod-1"}, `ottkit:environment: "Prod-1" must be 1 to 10`},
		{"region required", map[string]string{"aws:region": ""}, "aws:region: required"},
		{"region name", map[string]string{"aws:region": "europe"}, `aws:region: "europe" is not an AWS region name`},
		{"region not allowed", map[string]string{"ottkit:allowedRegions": `["eu-west-1"]`}, `aws:region: "us-east-1" is not in ottkit:allowedRegions [eu-west-1]`},
		{"allowed region name", map[string]string{"ottkit:allowedRegions": `["us-east-1","mars-1"]`}, `ottkit:allowedRegions[1]: "mars-1" is not an AWS region name`},
		{"assume role", map[string]string{"ottkit:assumeRoleArn": "arn:aws:iam::123:user/x"}, "ottkit:assumeRoleArn: \"arn:aws:iam::123:user/x\" is not an IAM role ARN"},
		{"domain", map[string]string{"ottkit:domain": "Media_Example", "ottkit:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/4b0c9a36-2f1e-4b8e-9d67-0c1a2b3c4d5e"}, `ottkit:domain: "Media_Example" is not a lowercase fully qualified host name`},
		{"domain needs certificate", map[string]string{"ottkit:domain": "media.example.com"}, "ottkit:certificateArn: required when ottkit:domain is set"},
		{"certificate needs domain", map[string]string{"ottkit:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/4b0c9a36-2f1e-4b8e-9d67-0c1a2b3c4d5e"}, "ottkit:domain: required when ottkit:certificateArn is set"},
		{"certificate region", map[string]string{"ottkit:domain": "media.example.com", "ottkit:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/4b0c9a36-2f1e-4b8e-9d67-0c1a2b3c4d5e"}, "ottkit:certificateArn: \"arn:aws:acm:eu-west-1"},
		{"ladder empty", map[string]string{"ottkit:ladder": `[]`}, "ottkit:ladder: needs at least one rung"},
		{"ladder too long", map[string]string{"ottkit:ladder": jsonOf(t, elevenRungs)}, "ottkit:ladder: has 11 rungs; at most 10"},
		{"rung height low", map[string]string{"ottkit:ladder": jsonOf(t, []any{rung(1080, 6e6), rung(720, 3e6), rung(100, 3e5)})}, "ottkit:ladder[2].height: 100 is below 144"},
		{"rung height high", map[string]string{"ottkit:ladder": jsonOf(t, []any{rung(4322, 6e6)})}, "ottkit:ladder[0].height: 4322 is above 4320"},
		{"rung height odd", map[string]string{"ottkit:ladder": jsonOf(t, []any{rung(721, 6e6)})}, "ottkit:ladder[0].height: 721 is odd"},
		{"rung bitrate low", map[string]string{"ottkit:ladder": jsonOf(t, []any{rung(720, 10)})}, "ottkit:ladder[0].maxBitrate: 10 is below 50000"},
		{"rung bitrate high", map[string]string{"ottkit:ladder": jsonOf(t, []any{rung(720, 2e9)})}, "ottkit:ladder[0].maxBitrate: 2000000000 is above"},
		{"rung repeated", map[string]string{"ottkit:ladder": jsonOf(t, []any{rung(720, 3e6), rung(720, 2e6)})}, "ottkit:ladder[1].height: 720 repeats ottkit:ladder[0]"},
		{"rung missing field", map[string]string{"ottkit:ladder": `[{"height":720}]`}, "ottkit:ladder[0].maxBitrate: missing"},
		{"rung unknown field", map[string]string{"ottkit:ladder": `[{"height":720,"maxBitrate":3000000,"width":1280}]`}, "ottkit:ladder[0].width: unknown field"},
		{"rung fraction", map[string]string{"ottkit:ladder": `[{"height":720.5,"maxBitrate":3000000}]`}, "ottkit:ladder[0].height: must be a whole number"},
		{"ladder not a list", map[string]string{"ottkit:ladder": `{"height":720}`}, "ottkit:ladder: must be a list"},
		{"max height range", map[string]string{"ottkit:maxHeight": "100"}, "ottkit:maxHeight: 100 is outside 144..4320"},
		{"max height below rungs", map[string]string{"ottkit:maxHeight": "240"}, "ottkit:maxHeight: 240 is below every rung"},
		{"max height type", map[string]string{"ottkit:maxHeight": "tall"}, `ottkit:maxHeight: "tall" is not a valid integer`},
		{"codec", map[string]string{"ottkit:videoCodec": "av1"}, `ottkit:videoCodec: "av1" is not one of h264, hevc`},
		{"thumbnail interval", map[string]string{"ottkit:thumbnailInterval": "0"}, "ottkit:thumbnailInterval: 0 is outside 1..3600"},
		{"ingest expiration", map[string]string{"ottkit:ingestExpirationDays": "0"}, "ottkit:ingestExpirationDays: 0 is outside 1..365"},
		{"archive after", map[string]string{"ottkit:archiveAfterDays": "0"}, "ottkit:archiveAfterDays: 0 is outside 1..3650"},
		{"deep archive too soon", map[string]string{"ottkit:archiveAfterDays": "30", "ottkit:deepArchiveAfterDays": "60"}, "ottkit:deepArchiveAfterDays: 60 must be at least 90 days after"},
		{"noncurrent expiration", map[string]string{"ottkit:noncurrentVersionExpirationDays": "0"}, "ottkit:noncurrentVersionExpirationDays: 0 is outside"},
		{"access log expiration", map[string]string{"ottkit:accessLogExpirationDays": "-1"}, "ottkit:accessLogExpirationDays: -1 is outside"},
		{"log retention", map[string]string{"ottkit:logRetentionDays": "10"}, "ottkit:logRetentionDays: 10 is not a CloudWatch Logs retention"},
		{"retain data type", map[string]string{"ottkit:retainData": "yes"}, `ottkit:retainData: "yes" is not a valid boolean`},
		{"retain data null", map[string]string{"ottkit:retainData": "null"}, `ottkit:retainData: null is not a boolean`},
		{"archive class", map[string]string{"ottkit:archiveStorageClass": "COLD"}, `ottkit:archiveStorageClass: "COLD" is not one of`},
		{"issuer required", map[string]string{"ottkit:jwtIssuer": ""}, "ottkit:jwtIssuer: required"},
		{"issuer https", map[string]string{"ottkit:jwtIssuer": "http://auth.example.com/"}, `ottkit:jwtIssuer: "http://auth.example.com/" is not an https URL`},
		{"audience required", map[string]string{"ottkit:jwtAudience": `[]`}, "ottkit:jwtAudience: required"},
		{"audience empty", map[string]string{"ottkit:jwtAudience": `["a",""]`}, "ottkit:jwtAudience[1]: is empty"},
		{"audience not a list", map[string]string{"ottkit:jwtAudience": `player`}, `ottkit:jwtAudience: must be a list, e.g. ["player"]`},
		{"keys required", map[string]string{"ottkit:signingPublicKeys": `[]`}, "ottkit:signingPublicKeys: required"},
		{"keys too many", map[string]string{"ottkit:signingPublicKeys": jsonOf(t, []string{devKeys[0], publicPEM(t, &small.PublicKey), publicPEM(t, &ec.PublicKey)})}, "ottkit:signingPublicKeys: has 3 keys; at most 2"},
		{"key not pem", map[string]string{"ottkit:signingPublicKeys": `["ssh-rsa AAAA"]`}, "ottkit:signingPublicKeys[0]: is not PEM"},
		{"key 1024 bits", map[string]string{"ottkit:signingPublicKeys": jsonOf(t, []string{devKeys[0], publicPEM(t, &small.PublicKey)})}, "ottkit:signingPublicKeys[1]: is an RSA key of 1024 bits; CloudFront needs 2048"},
		{"key not rsa", map[string]string{"ottkit:signingPublicKeys": jsonOf(t, []string{publicPEM(t, &ec.PublicKey)})}, "ottkit:signingPublicKeys[0]: is a *ecdsa.PublicKey; CloudFront needs an RSA key"},
		{"key repeated", map[string]string{"ottkit:signingPublicKeys": jsonOf(t, []string{devKeys[0], devKeys[0]})}, "ottkit:signingPublicKeys[1]: repeats ottkit:signingPublicKeys[0]"},
		{"playback ttl short", map[string]string{"ottkit:playbackTtl": "10"}, "ottkit:playbackTtl: 10 is outside 60..3600"},
		{"playback ttl long", map[string]string{"ottkit:playbackTtl": "3601"}, "ottkit:playbackTtl: 3601 is outside 60..3600"},
		{"upload ttl", map[string]string{"ottkit:uploadTtl": "700000"}, "ottkit:uploadTtl: 700000 is outside 60..604800"},
		{"upload bytes", map[string]string{"ottkit:maxUploadBytes": "6000000000"}, "ottkit:maxUploadBytes: 6000000000 is outside 1..5368709120 (a single presigned PUT uploads at most 5 GiB)"},
		{"max duration", map[string]string{"ottkit:maxDuration": "0"}, "ottkit:maxDuration: 0 is outside 1..86400"},
		{"max retries", map[string]string{"ottkit:maxRetries": "11"}, "ottkit:maxRetries: 11 is outside 0..10"},
		{"queue concurrency below Lambda's floor", map[string]string{"ottkit:queueConcurrency": "1"}, "ottkit:queueConcurrency: 1 is outside 2..1000"},
		{"reservation below the queue cap", map[string]string{"ottkit:reservedConcurrency": "3"}, "ottkit:reservedConcurrency: 3 is below ottkit:queueConcurrency 5"},
		{"reservation past the default quota", map[string]string{"ottkit:reservedConcurrency": "226"}, "ottkit:reservedConcurrency: 226 is outside 0..225"},
		{"negative reservation", map[string]string{"ottkit:reservedConcurrency": "-1"}, "ottkit:reservedConcurrency: -1 is outside 0..225"},
		{"origin scheme", map[string]string{"ottkit:uploadOrigins": `["http://studio.example.com"]`}, `ottkit:uploadOrigins[0]: "http://studio.example.com" must use https`},
		{"origin localhost", map[string]string{"ottkit:playerOrigins": `["http://localhost:3000"]`}, `ottkit:playerOrigins[0]: "http://localhost:3000" must use https`},
		{"origin path", map[string]string{"ottkit:uploadOrigins": `["https://studio.example.com/upload"]`}, `ottkit:uploadOrigins[0]: "https://studio.example.com/upload" is not an origin`},
		{"alert email", map[string]string{"ottkit:alertEmail": "Ops <ops@example.com>"}, `ottkit:alertEmail: "Ops <ops@example.com>" is not a plain e-mail address`},
		{"tag reserved aws", map[string]string{"ottkit:tags": `{"aws:owner":"x"}`}, "ottkit:tags.aws:owner: tag key \"aws:owner\": the aws: prefix is reserved"},
		{"tag reserved ottkit", map[string]string{"ottkit:tags": `{"ottkit:customer":"x"}`}, "ottkit:tags.ottkit:customer: the ottkit: prefix is reserved"},
		{"tag value long", map[string]string{"ottkit:tags": jsonOf(t, map[string]string{"note": strings.Repeat("x", 257)})}, "ottkit:tags.note: tag value is 257 characters; at most 256"},
		{"tag value characters", map[string]string{"ottkit:tags": `{"department":"R&D (video)"}`}, `ottkit:tags.department: tag value "R&D (video)" may hold only letters, digits, spaces and _ . : / = + - @`},
		{"tag key characters", map[string]string{"ottkit:tags": `{"cost#centre":"42"}`}, `ottkit:tags.cost#centre: tag key "cost#centre" may hold only`},
		{"tag value counted in characters", map[string]string{"ottkit:tags": jsonOf(t, map[string]string{"note": strings.Repeat("ä", 257)})}, "ottkit:tags.note: tag value is 257 characters"},
		{"region without MediaConvert", map[string]string{"aws:region": "eu-south-2"}, `aws:region: "eu-south-2" has no AWS Elemental MediaConvert endpoint`},
		{"GovCloud region", map[string]string{"aws:region": "us-gov-west-1"}, `aws:region: "us-gov-west-1" is in the aws-us-gov partition, which has none of the commercial partition's CloudFront`},
		{"China region", map[string]string{"aws:region": "cn-north-1"}, `aws:region: "cn-north-1" is in the aws-cn partition`},
		{"assume role in another partition", map[string]string{"ottkit:assumeRoleArn": "arn:aws-us-gov:iam::123456789012:role/deployer"}, `ottkit:assumeRoleArn: "arn:aws-us-gov:iam::123456789012:role/deployer" is not an IAM role ARN of the commercial partition`},
		{"opt-in region drops CDN logs", map[string]string{"aws:region": "af-south-1"}, `aws:region: "af-south-1" is an opt-in region, where CloudFront standard logging does not deliver`},
		{"tag value type", map[string]string{"ottkit:tags": `{"cost":4711}`}, "ottkit:tags.cost: must be a string (quote it in YAML)"},
		{"waf rate", map[string]string{"ottkit:waf": "true", "ottkit:wafRateLimit": "50"}, "ottkit:wafRateLimit: 50 is outside 100..2000000000"},
		{"geo code", map[string]string{"ottkit:geoAllowList": `["de"]`}, `ottkit:geoAllowList[0]: "de" is not an ISO 3166-1 alpha-2 country code`},
		{"geo repeated", map[string]string{"ottkit:geoAllowList": `["DE","AT","DE"]`}, `ottkit:geoAllowList[2]: "DE" repeats ottkit:geoAllowList[0]`},
		{"price class", map[string]string{"ottkit:priceClass": "PriceClass_300"}, `ottkit:priceClass: "PriceClass_300" is not one of`},
		{"unknown key", map[string]string{"ottkit:ladderr": "[]"}, "ottkit:ladderr: unknown key; did you mean ottkit:ladder?"},
		{"wrong case", map[string]string{"ottkit:maxheight": "720"}, "ottkit:maxheight: unknown key; did you mean ottkit:maxHeight?"},
		{"nothing near", map[string]string{"ottkit:bananas": "3"}, "ottkit:bananas: unknown key; the ottkit keys are listed in Pulumi.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := map[string]string{}
			for k, v := range base {
				cfg[k] = v
			}
			for k, v := range tt.set {
				if v == "" {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			_, err := ParseSpec(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseSpec error = %v\nwant it to contain %q", err, tt.want)
			}
			if strings.Contains(tt.want, ": unknown key") {
				return // Program reads only known keys; Pulumi's project config check and ottkit plan report it
			}
			registered := runCounting(t, Program, cfg)
			if registered != 0 {
				t.Errorf("Program registered %d resources for an invalid configuration, want 0", registered)
			}
		})
	}
}

// runCounting runs program offline and returns how many resources it registered; the program
// must fail.
func runCounting(t *testing.T, program pulumi.RunFunc, cfg map[string]string) int {
	t.Helper()
	var n atomic.Int32
	count := func(*pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		n.Add(1)
		return nil
	}
	_, err := offline.Run(program, offline.Options{Stack: "invalid", Config: cfg,
		Transformations: []pulumi.ResourceTransformation{count}})
	if err == nil {
		t.Fatal("the program succeeded on an invalid configuration")
	}
	return int(n.Load())
}

// TestValidateReportsEveryProblem: one configuration with several mistakes gets them all.
func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := validConfig(t)
	cfg["ottkit:customer"] = "A"
	cfg["ottkit:ladder"] = `[{"height":100,"maxBitrate":10}]`
	cfg["ottkit:priceClass"] = "cheap"
	delete(cfg, "aws:region")
	_, err := ParseSpec(cfg)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"ottkit:customer:", "ottkit:ladder[0].height: 100 is below 144",
		"ottkit:ladder[0].maxBitrate: 10 is below", "ottkit:priceClass:", "aws:region: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestNewRejectsInvalidSpec: New validates a Spec built in Go (not parsed) before registering.
func TestNewRejectsInvalidSpec(t *testing.T) {
	s, err := ParseSpec(validConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Ladder[0].Height = 100
	registered := runCounting(t, func(ctx *pulumi.Context) error {
		_, err := New(ctx, s.Prefix(), s)
		if err != nil && !strings.Contains(err.Error(), "ottkit:ladder[0].height: 100 is below 144") {
			t.Errorf("New error = %v, want the ladder named", err)
		}
		return err
	}, nil)
	if registered != 0 {
		t.Errorf("New registered %d resources for an invalid spec, want 0", registered)
	}
}

func TestSettings(t *testing.T) {
	s, err := LoadSpec(projectDir, "acme-prod")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Settings()
	for k, want := range map[string]string{
		"ladder":                `[{"height":2160,"maxBitrate":16000000},{"height":1440,"maxBitrate":9000000},{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000},{"height":540,"maxBitrate":2000000},{"height":360,"maxBitrate":800000}]`,
		"max-height":            "2160",
		"video-codec":           "hevc",
		"thumbnail-interval":    "5",
		"max-duration":          "21600",
		"max-upload-bytes":      "5368709120",
		"archive-storage-class": "GLACIER_IR",
		"max-retries":           "3",
		"playback-domain":       "media.acme.example",
		"playback-ttl":          "900",
		"upload-ttl":            "900",
	} {
		var found bool
		for setting, v := range got {
			if string(setting) == k {
				found = true
				if v != want {
					t.Errorf("Settings()[%s] = %q, want %q", k, v, want)
				}
			}
		}
		if !found {
			t.Errorf("Settings() lacks %s", k)
		}
	}
}

// TestCountingSeesRegistrations is the control for runCounting: on a valid configuration the
// same transformation counts every resource the program registers.
func TestCountingSeesRegistrations(t *testing.T) {
	var n atomic.Int32
	count := func(*pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		n.Add(1)
		return nil
	}
	res, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: validConfig(t),
		Transformations: []pulumi.ResourceTransformation{count}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int(n.Load()), len(res.Resources); got != want || got == 0 {
		t.Errorf("counted %d registrations, want %d (> 0)", got, want)
	}
}

func BenchmarkParseSpec(b *testing.B) {
	cfg, err := ReadStackConfig(projectDir, "acme-prod")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSpec(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadStackConfig(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadStackConfig(projectDir, "acme-prod"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNewRejectsBadName(t *testing.T) {
	s, err := ParseSpec(validConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Acme", "acme_prod", "a-very-long-platform-name-over-31", ""} {
		registered := runCounting(t, func(ctx *pulumi.Context) error {
			_, err := New(ctx, name, s)
			if err != nil && !strings.Contains(err.Error(), "must be a lowercase DNS label") {
				t.Errorf("New(%q) error = %v, want the name named", name, err)
			}
			return err
		}, nil)
		if registered != 0 {
			t.Errorf("New(%q) registered %d resources, want 0", name, registered)
		}
	}
}

// FuzzParseSpec: whatever a stack file holds, ParseSpec returns a Spec or an error naming keys;
// it never panics, and an accepted Spec survives StackConfig unchanged.
func FuzzParseSpec(f *testing.F) {
	f.Add("ladder", `[{"height":720,"maxBitrate":3000000}]`)
	f.Add("ladder", `[{"height":1e400}]`)
	f.Add("tags", `{"a":"b","c":{"d":1}}`)
	f.Add("maxHeight", "-1")
	f.Add("jwtAudience", `"x"`)
	f.Add("signingPublicKeys", `["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]`)
	f.Add("retainData", "null")
	f.Add("geoAllowList", `[1,2]`)
	f.Fuzz(func(t *testing.T, key, value string) {
		cfg := map[string]string{}
		for k, v := range fuzzBase {
			cfg[k] = v
		}
		cfg[Namespace+":"+key] = value
		s, err := ParseSpec(cfg)
		if err != nil {
			if !strings.Contains(err.Error(), "ottkit:") && !strings.Contains(err.Error(), "aws:region") {
				t.Fatalf("error names no key: %v", err)
			}
			return
		}
		again, err := ParseSpec(s.StackConfig())
		if err != nil {
			t.Fatalf("StackConfig of an accepted spec does not parse: %v", err)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip changed the spec:\n%+v\n%+v", again, s)
		}
	})
}

// fuzzBase is the dev-aws configuration, read once.
var fuzzBase = func() map[string]string {
	cfg, err := ReadStackConfig(projectDir, "dev-aws")
	if err != nil {
		panic(err)
	}
	return cfg
}()
