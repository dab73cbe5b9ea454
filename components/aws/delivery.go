package aws

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// DeliveryType is the type token of Delivery.
const DeliveryType = "ottkit:aws:Delivery"

// Defaults of DeliveryArgs.
const (
	DefaultPriceClass = "PriceClass_100"
	// DefaultWAFMediaRateLimit allows 100 viewers behind one address (a household, an
	// office or a carrier's NAT) at MediaRequestsPerViewer each.
	DefaultWAFMediaRateLimit = 100 * MediaRequestsPerViewer
	// DefaultWAFAPIRateLimit allows 30 viewers behind one address at APIRequestsPerViewer
	// each: the API is where abuse costs (signing, catalog reads, presigned uploads).
	DefaultWAFAPIRateLimit = 30 * APIRequestsPerViewer
)

// What one viewer requests in WAF's five-minute window, the unit the rate limits are set in
// (docs/ARCHITECTURE.md shows the arithmetic).
const (
	// MediaRequestsPerViewer: 300 s of 6-second segments is 50 video and 50 audio segment
	// requests; 20 playlist fetches (start, a rendition switch every 30 s, each loading the
	// media playlists again) and 30 thumbnails while seeking bring it to 150.
	MediaRequestsPerViewer = 150
	// APIRequestsPerViewer: a playback start and its cookie refreshes, catalog pages while
	// browsing and an occasional upload: 20.
	APIRequestsPerViewer = 20
)

// TTLs of the two cache policies, in seconds. Manifests may be rewritten when a title is
// transcoded again, so they live briefly; segments never change under the same name.
const (
	ManifestDefaultTTL = 30
	ManifestMaxTTL     = 300
	SegmentDefaultTTL  = 7 * 24 * 3600
	SegmentMaxTTL      = 365 * 24 * 3600
)

// deliveryOriginID names the delivery bucket's origin; apiOriginID the HTTP API's.
const (
	deliveryOriginID = "delivery-bucket"
	apiOriginID      = "api"
)

// APIPathPattern is where the distribution serves the HTTP API (DeliveryArgs.API); the
// distribution strips APIPathPrefix before the request reaches API Gateway, whose routes
// have none (POST /api/uploads reaches the route POST /uploads).
const (
	APIPathPattern = "/api/*"
	APIPathPrefix  = "/api"
)

// cachingDisabledPolicyID is CloudFront's managed cache policy Managed-CachingDisabled: no
// caching, nothing in the cache key. API responses are per caller and never cached.
const cachingDisabledPolicyID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

// allMethods are the methods the API behaviour passes through.
var allMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// apiPathFunction is the viewer-request CloudFront Function of the API behaviour: it strips
// APIPathPrefix, so /api/assets/x reaches API Gateway as /assets/x.
const apiPathFunction = `function handler(event) {
  var request = event.request;
  if (request.uri === '/api' || request.uri.indexOf('/api/') === 0) {
    request.uri = request.uri.substring(4) || '/';
  }
  return request;
}
`

// apiPathViewerIPFunction is apiPathFunction that also hands the API the viewer's address, as
// CloudFront saw it, in manifest.ViewerIPHeader: the origin request policy forwards every viewer
// header, so the function overwrites whatever a viewer put there.
const apiPathViewerIPFunction = `function handler(event) {
  var request = event.request;
  if (request.uri === '/api' || request.uri.indexOf('/api/') === 0) {
    request.uri = request.uri.substring(4) || '/';
  }
  request.headers['` + manifest.ViewerIPHeader + `'] = { value: event.viewer.ip };
  return request;
}
`

// DeliveryArgs configures a Delivery.
type DeliveryArgs struct {
	// BucketName, BucketArn and BucketRegionalDomainName identify the private delivery
	// bucket. Delivery writes the bucket's one policy (see MediaStorageArgs.
	// DeliveryPolicyByCaller). Required.
	BucketName               pulumi.StringInput
	BucketArn                pulumi.StringInput
	BucketRegionalDomainName pulumi.StringInput
	// LogsBucketName receives the standard access logs under cdn/. Standard logging needs
	// the bucket's ACLs enabled before the distribution is created, so pass an output that
	// resolves only then (MediaStorage.CDNLogsName). Required.
	LogsBucketName pulumi.StringInput
	// KeyArn is the stack key: it encrypts the signing secret, and the bucket policy refuses
	// objects written under any other key. Required.
	KeyArn pulumi.StringInput
	// PublicKeys are the PEM RSA-2048 public keys whose private halves sign playback
	// cookies: one while signing normally, two while rotating. Plain because each is a
	// CloudFront public key resource.
	PublicKeys []string
	// EdgeOriginPublicKeys are the PEM RSA-2048 public keys of the Cloudflare edge in origin
	// mode, which fetches from the distribution with signed cookies of its own: none without
	// that edge, one while signing normally, two while rotating. They join the same key group
	// as separate CloudFront public keys, so CloudFront checks the edge exactly as it checks a
	// viewer, and the edge's key rotates without touching the viewers'. Plain because each is a
	// CloudFront public key resource.
	EdgeOriginPublicKeys []string
	// Domain is the host name viewers use, e.g. media.example.com. Plain because it decides
	// whether a certificate and DNS records exist. "" serves from CloudFront's own domain with
	// its default certificate.
	Domain string
	// CertificateArn is an existing ACM certificate in us-east-1 for Domain. nil creates one,
	// validated through DNS.
	CertificateArn pulumi.StringInput
	// ZoneId is the Route53 hosted zone of Domain. Plain because it decides whether records
	// exist: when set, Delivery creates the certificate's validation record and A/AAAA alias
	// records for Domain; when "", CertificateValidationOptions lists the records to create.
	ZoneId string
	// PriceClass is the distribution's price class. Default DefaultPriceClass.
	PriceClass pulumi.StringInput
	// API, when set, serves the HTTP API through this distribution under APIPathPattern:
	// browsers then call the API on the playback host, so the host-only cookies it sets are
	// the ones media requests carry, and CORS preflights reach API Gateway through the CDN.
	// Plain because it decides whether the origin and behaviour exist.
	API *DeliveryAPIArgs
	// WAF, when set, attaches a new web ACL. Plain because it decides whether the ACL exists.
	WAF *DeliveryWAFArgs
	// Sessions, when set, runs the edge session check (functions/edge/cloudfront) on every
	// media behaviour: a CloudFront Function with a KeyValueStore of its own. Plain because it
	// decides whether the function and the store exist.
	Sessions *DeliverySessionsArgs
	// GeoAllowList limits viewers to these countries (ISO 3166-1 alpha-2 codes). Plain so it
	// is checked before anything is created. Empty serves every country.
	GeoAllowList []string
	// CORSOrigins are the https origins of the players allowed to read media with
	// credentials (the signed cookies). Plain so they are checked before anything is
	// created. Empty allows any origin without credentials.
	CORSOrigins []string
	// DestroyData deletes the signing secret at once on `pulumi destroy` (no recovery
	// window), so a destroyed stack can be brought up again under the same names. By default
	// Secrets Manager keeps a deleted secret recoverable for 30 days, and its name cannot be
	// reused until then.
	DestroyData bool
	// USEast1 is an AWS provider for us-east-1, where CloudFront's certificates and web ACLs
	// live. nil creates one (name-us-east-1) when a certificate or web ACL needs it, with the
	// stack's aws:* settings (StackProviderArgs: profile, assumed role, allowed accounts,
	// default tags, ...); pass one when the program deploys through an explicit provider (an
	// assumed role), built with that provider's settings, so the same credentials apply.
	USEast1 pulumi.ProviderResource
	// Tags go on every taggable child.
	Tags pulumi.StringMap
}

// DeliveryAPIArgs puts the HTTP API behind the distribution: not cached, every method, every
// viewer header but Host (API Gateway routes by its own host name), cookies and query
// strings forwarded. The API's JWT authorizer still checks every request.
type DeliveryAPIArgs struct {
	// Domain is the API's host name (API.Domain: <id>.execute-api.<region>.amazonaws.com).
	// Required.
	Domain pulumi.StringInput
}

// DeliverySessionsArgs configures the edge session check.
type DeliverySessionsArgs struct {
	// BindToViewerIP has the API behaviour's function forward the viewer's address to the
	// API (header x-ottkit-viewer-ip, replacing whatever the viewer sent), which binds each
	// session to it. Plain because it changes the function's code.
	BindToViewerIP bool
}

// DeliveryWAFArgs configures the web ACL in front of the distribution: two per-IP rate
// limits, a strict one on the API (APIPathPattern) and one sized for playback on everything
// else, and AWS's managed common rule set.
type DeliveryWAFArgs struct {
	// MediaRateLimit is the most media requests (anything outside APIPathPattern) one IP may
	// make in 5 minutes before it is blocked. Default DefaultWAFMediaRateLimit.
	MediaRateLimit pulumi.IntInput
	// APIRateLimit is the most API requests one IP may make in 5 minutes. Default
	// DefaultWAFAPIRateLimit.
	APIRateLimit pulumi.IntInput
}

// Delivery is the CDN in front of the private delivery bucket: a CloudFront distribution that
// reads the bucket through origin access control (SigV4, never an origin access identity),
// serves media only to viewers holding cookies signed with one of the trusted keys, caches
// manifests briefly and segments long, sets CORS and security headers, redirects HTTP to
// HTTPS with TLS 1.2 or later, logs to the logs bucket, and optionally sits behind WAF and
// a geographic allow list. It also writes the delivery bucket's policy, which admits this
// distribution and no other reader, and creates the secret the API signs cookies with.
type Delivery struct {
	pulumi.ResourceState

	Distribution *cloudfront.Distribution

	DistributionId  pulumi.StringOutput `pulumi:"distributionId"`
	DistributionArn pulumi.StringOutput `pulumi:"distributionArn"`
	// DomainName is CloudFront's domain of the distribution (d111111abcdef8.cloudfront.net).
	DomainName pulumi.StringOutput `pulumi:"domainName"`
	// PlaybackDomain is where viewers fetch media: Domain, or DomainName without one. It is
	// the value of manifest.PlaybackDomain.
	PlaybackDomain pulumi.StringOutput `pulumi:"playbackDomain"`
	// KeyGroupId is the trusted key group; PublicKeyIds are its keys, the key pair ids
	// cookies are signed under.
	KeyGroupId   pulumi.StringOutput      `pulumi:"keyGroupId"`
	PublicKeyIds pulumi.StringArrayOutput `pulumi:"publicKeyIds"`
	// EdgeOriginKeyIds are the key pair ids of EdgeOriginPublicKeys, in their order: the
	// keyPairId of the Cloudflare edge's origin credential.
	EdgeOriginKeyIds pulumi.StringArrayOutput `pulumi:"edgeOriginKeyIds"`
	// SigningSecretArn is the manifest.SigningSecret: the operator stores
	// {"keyPairId": <one of PublicKeyIds>, "privateKey": <PEM>} in it.
	SigningSecretArn pulumi.StringOutput `pulumi:"signingSecretArn"`
	// CertificateArn is the certificate served for Domain; "" without Domain.
	CertificateArn pulumi.StringOutput `pulumi:"certificateArn"`
	// CertificateValidationOptions are the DNS records that validate a certificate Delivery
	// created; empty otherwise.
	CertificateValidationOptions acm.CertificateDomainValidationOptionArrayOutput `pulumi:"certificateValidationOptions"`
	// WebAclArn is the web ACL's ARN; "" without WAF.
	WebAclArn pulumi.StringOutput `pulumi:"webAclArn"`
	// SessionStoreArn is the session check's KeyValueStore (manifest.SessionStore); ""
	// without Sessions.
	SessionStoreArn pulumi.StringOutput `pulumi:"sessionStoreArn"`
}

// NewDelivery creates the distribution and everything it needs.
func NewDelivery(ctx *pulumi.Context, name string, args *DeliveryArgs, opts ...pulumi.ResourceOption) (*Delivery, error) {
	if err := validateDelivery(name, args); err != nil {
		return nil, err
	}
	d := &Delivery{}
	if err := ctx.RegisterComponentResource(DeliveryType, name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)

	// us-east-1 for the certificate and the web ACL.
	usEast1 := args.USEast1
	if usEast1 == nil && ((args.Domain != "" && args.CertificateArn == nil) || args.WAF != nil) {
		east, err := StackProviderArgs(ctx, "us-east-1")
		if err != nil {
			return nil, fmt.Errorf("delivery %s: us-east-1 provider: %w", name, err)
		}
		p, err := aws.NewProvider(ctx, name+"-us-east-1", east, parent)
		if err != nil {
			return nil, err
		}
		usEast1 = p
	}

	oac, err := cloudfront.NewOriginAccessControl(ctx, name+"-oac", &cloudfront.OriginAccessControlArgs{
		Name:                          pulumi.String(name + "-oac"),
		Description:                   pulumi.String("ottkit " + name + ": CloudFront signs every request to the delivery bucket"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, parent)
	if err != nil {
		return nil, err
	}

	var keyIds pulumi.StringArray
	for i, pemText := range args.PublicKeys {
		keyName, err := PublicKeyName(name, pemText)
		if err != nil {
			return nil, fmt.Errorf("delivery %s: PublicKeys[%d]: %w", name, i, err)
		}
		// A key's resource is named by its fingerprint, not its place in the list, so that
		// retiring the first key of two leaves the second one's CloudFront id (the
		// keyPairId the api signs under) untouched. The alias adopts the resource of a stack
		// deployed when keys were named by place; the physical name is ignored for the same
		// reason (changing it would replace the key and change its id).
		pk, err := cloudfront.NewPublicKey(ctx, keyName, &cloudfront.PublicKeyArgs{
			Name:       pulumi.String(keyName),
			Comment:    pulumi.String("ottkit " + name + ": verifies playback cookies"),
			EncodedKey: pulumi.String(pemText),
		}, parent, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(fmt.Sprintf("%s-key-%d", name, i+1))}}),
			pulumi.IgnoreChanges([]string{"name"}))
		if err != nil {
			return nil, err
		}
		keyIds = append(keyIds, pk.ID().ToStringOutput())
	}
	var edgeKeyIds pulumi.StringArray
	for i, pemText := range args.EdgeOriginPublicKeys {
		// Named by fingerprint, as the viewer keys are: retiring one of two keeps the
		// other's CloudFront id, which the Worker's stored credential names.
		keyName, err := PublicKeyName(name+"-edge", pemText)
		if err != nil {
			return nil, fmt.Errorf("delivery: EdgeOriginPublicKeys[%d]: %w", i, err)
		}
		pk, err := cloudfront.NewPublicKey(ctx, keyName, &cloudfront.PublicKeyArgs{
			Name:       pulumi.String(keyName),
			Comment:    pulumi.String("ottkit " + name + ": verifies the Cloudflare edge's origin cookies"),
			EncodedKey: pulumi.String(pemText),
		}, parent)
		if err != nil {
			return nil, err
		}
		edgeKeyIds = append(edgeKeyIds, pk.ID().ToStringOutput())
	}
	keyGroup, err := cloudfront.NewKeyGroup(ctx, KeyGroupName(name), &cloudfront.KeyGroupArgs{
		Name:    pulumi.String(KeyGroupName(name)),
		Comment: pulumi.String("ottkit " + name + ": keys trusted to sign playback cookies"),
		Items:   append(append(pulumi.StringArray{}, keyIds...), edgeKeyIds...),
	}, parent)
	if err != nil {
		return nil, err
	}

	manifests, err := cloudfront.NewCachePolicy(ctx, name+"-manifests", cachePolicyArgs(name+"-manifests",
		"manifests: short-lived, compressed", ManifestDefaultTTL, ManifestMaxTTL, true), parent)
	if err != nil {
		return nil, err
	}
	segments, err := cloudfront.NewCachePolicy(ctx, name+"-segments", cachePolicyArgs(name+"-segments",
		"segments and images: immutable", SegmentDefaultTTL, SegmentMaxTTL, false), parent)
	if err != nil {
		return nil, err
	}
	headers, err := cloudfront.NewResponseHeadersPolicy(ctx, name+"-headers", responseHeadersArgs(name, args.CORSOrigins), parent)
	if err != nil {
		return nil, err
	}

	d.CertificateArn = pulumi.String("").ToStringOutput()
	d.CertificateValidationOptions = acm.CertificateDomainValidationOptionArray{}.ToCertificateDomainValidationOptionArrayOutput()
	var certArn pulumi.StringInput = args.CertificateArn
	switch {
	case args.Domain != "" && args.CertificateArn == nil:
		certArn, err = deliveryCertificate(ctx, d, name, args, usEast1)
		if err != nil {
			return nil, err
		}
	case args.Domain != "":
		d.CertificateArn = args.CertificateArn.ToStringOutput()
	}

	d.WebAclArn = pulumi.String("").ToStringOutput()
	var webACL pulumi.StringPtrInput
	if args.WAF != nil {
		acl, err := wafv2.NewWebAcl(ctx, name+"-waf", webACLArgs(name, args.WAF, args.Tags), parent, pulumi.Provider(usEast1))
		if err != nil {
			return nil, err
		}
		d.WebAclArn = acl.Arn
		webACL = acl.Arn
	}

	origins := cloudfront.DistributionOriginArray{&cloudfront.DistributionOriginArgs{
		OriginId:              pulumi.String(deliveryOriginID),
		DomainName:            args.BucketRegionalDomainName,
		OriginAccessControlId: oac.ID(),
	}}
	// First match wins: the API, then manifests before the catch-all for segments.
	var behaviours cloudfront.DistributionOrderedCacheBehaviorArray
	d.SessionStoreArn = pulumi.String("").ToStringOutput()
	var viewerFunctions cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArray
	var defaultFunctions cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArray
	if args.Sessions != nil {
		check, store, err := sessionCheck(ctx, name, parent)
		if err != nil {
			return nil, err
		}
		d.SessionStoreArn = store.Arn
		viewerFunctions = cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArray{
			&cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArgs{EventType: pulumi.String("viewer-request"), FunctionArn: check.Arn},
		}
		defaultFunctions = cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArray{
			&cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs{EventType: pulumi.String("viewer-request"), FunctionArn: check.Arn},
		}
	}
	if args.API != nil {
		origin, behaviour, err := apiBehaviour(ctx, name, args.API, args.Sessions != nil && args.Sessions.BindToViewerIP, parent)
		if err != nil {
			return nil, err
		}
		origins = append(origins, origin)
		behaviours = append(behaviours, behaviour)
	}

	media := func(pattern string, policy *cloudfront.CachePolicy) cloudfront.DistributionOrderedCacheBehaviorArgs {
		return cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern:             pulumi.String(pattern),
			TargetOriginId:          pulumi.String(deliveryOriginID),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          pulumi.StringArray{pulumi.String("GET"), pulumi.String("HEAD")},
			CachedMethods:           pulumi.StringArray{pulumi.String("GET"), pulumi.String("HEAD")},
			CachePolicyId:           policy.ID(),
			ResponseHeadersPolicyId: headers.ID(),
			TrustedKeyGroups:        pulumi.StringArray{keyGroup.ID()},
			Compress:                pulumi.Bool(true),
			FunctionAssociations:    viewerFunctions,
		}
	}
	assets := "/" + manifest.AssetPrefix
	viewerCert := &cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true)}
	var aliases pulumi.StringArray
	if args.Domain != "" {
		viewerCert = &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      certArn,
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String("TLSv1.2_2021"),
		}
		aliases = pulumi.StringArray{pulumi.String(args.Domain)}
	}
	geo := &cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")}
	if len(args.GeoAllowList) > 0 {
		geo = &cloudfront.DistributionRestrictionsGeoRestrictionArgs{
			RestrictionType: pulumi.String("whitelist"),
			Locations:       pulumi.ToStringArray(args.GeoAllowList),
		}
	}
	priceClass := args.PriceClass
	if priceClass == nil {
		priceClass = pulumi.String(DefaultPriceClass)
	}
	d.Distribution, err = cloudfront.NewDistribution(ctx, name+"-cdn", &cloudfront.DistributionArgs{
		Comment:       pulumi.String("ottkit " + name + ": media delivery"),
		Enabled:       pulumi.Bool(true),
		IsIpv6Enabled: pulumi.Bool(true),
		HttpVersion:   pulumi.String("http2and3"),
		PriceClass:    priceClass,
		Aliases:       aliases,
		Origins:       origins,
		// Nothing outside the asset prefix is served, but the default behaviour is as closed
		// as the media ones so that no path reaches the bucket unsigned.
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:          pulumi.String(deliveryOriginID),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          pulumi.StringArray{pulumi.String("GET"), pulumi.String("HEAD")},
			CachedMethods:           pulumi.StringArray{pulumi.String("GET"), pulumi.String("HEAD")},
			CachePolicyId:           segments.ID(),
			ResponseHeadersPolicyId: headers.ID(),
			TrustedKeyGroups:        pulumi.StringArray{keyGroup.ID()},
			Compress:                pulumi.Bool(true),
			FunctionAssociations:    defaultFunctions,
		},
		OrderedCacheBehaviors: append(behaviours,
			media(assets+"*.m3u8", manifests),
			media(assets+"*.mpd", manifests),
			media(assets+"*", segments),
		),
		Restrictions:      &cloudfront.DistributionRestrictionsArgs{GeoRestriction: geo},
		ViewerCertificate: viewerCert,
		LoggingConfig: &cloudfront.DistributionLoggingConfigArgs{
			Bucket:         pulumi.Sprintf("%s.s3.amazonaws.com", args.LogsBucketName),
			Prefix:         pulumi.String("cdn/"),
			IncludeCookies: pulumi.Bool(false),
		},
		WebAclId: webACL,
		Tags:     args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	policy := pulumi.All(args.BucketArn, d.Distribution.Arn, args.KeyArn).ApplyT(func(v []any) (string, error) {
		return deliveryBucketPolicy(v[0].(string), v[1].(string), v[2].(string)).JSON()
	}).(pulumi.StringOutput)
	if _, err := s3.NewBucketPolicy(ctx, name+"-bucket-policy", &s3.BucketPolicyArgs{
		Bucket: args.BucketName,
		Policy: policy,
	}, parent); err != nil {
		return nil, err
	}

	if args.Domain != "" && args.ZoneId != "" {
		for _, rr := range []struct{ role, typ string }{{"alias-a", "A"}, {"alias-aaaa", "AAAA"}} {
			if _, err := route53.NewRecord(ctx, name+"-"+rr.role, &route53.RecordArgs{
				ZoneId: pulumi.String(args.ZoneId),
				Name:   pulumi.String(args.Domain),
				Type:   pulumi.String(rr.typ),
				Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
					Name:                 d.Distribution.DomainName,
					ZoneId:               d.Distribution.HostedZoneId,
					EvaluateTargetHealth: pulumi.Bool(false),
				}},
			}, parent); err != nil {
				return nil, err
			}
		}
	}

	secret, err := secretsmanager.NewSecret(ctx, name+"-signing-secret", &secretsmanager.SecretArgs{
		Name: pulumi.String(SigningSecretName(name)),
		Description: pulumi.String(`ottkit ` + name + `: playback cookie signing key, stored by the operator as ` +
			`{"keyPairId": "<CloudFront public key id>", "privateKey": "<PEM>"}`),
		KmsKeyId:             args.KeyArn,
		RecoveryWindowInDays: pulumi.Int(secretRecoveryDays(args.DestroyData)),
		Tags:                 args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	d.DistributionId = d.Distribution.ID().ToStringOutput()
	d.DistributionArn = d.Distribution.Arn
	d.DomainName = d.Distribution.DomainName
	d.PlaybackDomain = d.Distribution.DomainName
	if args.Domain != "" {
		d.PlaybackDomain = pulumi.String(args.Domain).ToStringOutput()
	}
	d.KeyGroupId = keyGroup.ID().ToStringOutput()
	d.PublicKeyIds = keyIds.ToStringArrayOutput()
	d.EdgeOriginKeyIds = append(pulumi.StringArray{}, edgeKeyIds...).ToStringArrayOutput()
	d.SigningSecretArn = secret.Arn
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"distributionId":               d.DistributionId,
		"distributionArn":              d.DistributionArn,
		"domainName":                   d.DomainName,
		"playbackDomain":               d.PlaybackDomain,
		"keyGroupId":                   d.KeyGroupId,
		"publicKeyIds":                 d.PublicKeyIds,
		"edgeOriginKeyIds":             d.EdgeOriginKeyIds,
		"signingSecretArn":             d.SigningSecretArn,
		"certificateArn":               d.CertificateArn,
		"certificateValidationOptions": d.CertificateValidationOptions,
		"webAclArn":                    d.WebAclArn,
		"sessionStoreArn":              d.SessionStoreArn,
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// SecretRecoveryDays is how long a deleted signing secret stays recoverable when the stack
// keeps its data; a stack that destroys its data deletes the secret without recovery (0).
const SecretRecoveryDays = 30

func secretRecoveryDays(destroyData bool) int {
	if destroyData {
		return 0
	}
	return SecretRecoveryDays
}

// apiBehaviour returns the API's origin and its cache behaviour, with the policies and the
// path function they use.
func apiBehaviour(ctx *pulumi.Context, name string, api *DeliveryAPIArgs, forwardViewerIP bool, parent pulumi.ResourceOption) (
	cloudfront.DistributionOriginArgs, cloudfront.DistributionOrderedCacheBehaviorArgs, error) {
	var origin cloudfront.DistributionOriginArgs
	var behaviour cloudfront.DistributionOrderedCacheBehaviorArgs
	forward, err := cloudfront.NewOriginRequestPolicy(ctx, name+"-api-origin", &cloudfront.OriginRequestPolicyArgs{
		Name:    pulumi.String(name + "-api-origin"),
		Comment: pulumi.String("ottkit " + name + ": everything the API reads (Authorization, Origin, CORS preflight headers, cookies, query) but Host"),
		HeadersConfig: &cloudfront.OriginRequestPolicyHeadersConfigArgs{
			HeaderBehavior: pulumi.String("allExcept"),
			Headers: &cloudfront.OriginRequestPolicyHeadersConfigHeadersArgs{
				Items: pulumi.StringArray{pulumi.String("host")},
			},
		},
		CookiesConfig: &cloudfront.OriginRequestPolicyCookiesConfigArgs{CookieBehavior: pulumi.String("all")},
		QueryStringsConfig: &cloudfront.OriginRequestPolicyQueryStringsConfigArgs{
			QueryStringBehavior: pulumi.String("all"),
		},
	}, parent)
	if err != nil {
		return origin, behaviour, err
	}
	// Security headers only: the CORS headers of API responses are API Gateway's.
	headers, err := cloudfront.NewResponseHeadersPolicy(ctx, name+"-api-headers", &cloudfront.ResponseHeadersPolicyArgs{
		Name:                  pulumi.String(name + "-api-headers"),
		Comment:               pulumi.String("ottkit " + name + ": HSTS, nosniff, referrer policy for the API; CORS is API Gateway's"),
		SecurityHeadersConfig: securityHeaders(),
	}, parent)
	if err != nil {
		return origin, behaviour, err
	}
	code, comment := apiPathFunction, "ottkit "+name+": strips "+APIPathPrefix+" before API Gateway"
	if forwardViewerIP {
		code, comment = apiPathViewerIPFunction, comment+", forwards the viewer's address"
	}
	strip, err := cloudfront.NewFunction(ctx, name+"-api-path", &cloudfront.FunctionArgs{
		Name:    pulumi.String(name + "-api-path"),
		Comment: pulumi.String(comment),
		Runtime: pulumi.String("cloudfront-js-2.0"),
		Code:    pulumi.String(code),
		Publish: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return origin, behaviour, err
	}
	origin = cloudfront.DistributionOriginArgs{
		OriginId:   pulumi.String(apiOriginID),
		DomainName: api.Domain,
		CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{
			HttpPort:             pulumi.Int(80),
			HttpsPort:            pulumi.Int(443),
			OriginProtocolPolicy: pulumi.String("https-only"),
			OriginSslProtocols:   pulumi.StringArray{pulumi.String("TLSv1.2")},
		},
	}
	behaviour = cloudfront.DistributionOrderedCacheBehaviorArgs{
		PathPattern:    pulumi.String(APIPathPattern),
		TargetOriginId: pulumi.String(apiOriginID),
		// A redirect would turn a POST into a GET: refuse plain HTTP instead.
		ViewerProtocolPolicy:    pulumi.String("https-only"),
		AllowedMethods:          pulumi.ToStringArray(allMethods),
		CachedMethods:           pulumi.StringArray{pulumi.String("GET"), pulumi.String("HEAD")},
		CachePolicyId:           pulumi.String(cachingDisabledPolicyID),
		OriginRequestPolicyId:   forward.ID(),
		ResponseHeadersPolicyId: headers.ID(),
		Compress:                pulumi.Bool(true),
		FunctionAssociations: cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArray{
			&cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArgs{
				EventType:   pulumi.String("viewer-request"),
				FunctionArn: strip.Arn,
			},
		},
	}
	return origin, behaviour, nil
}

// deliveryCertificate creates the certificate for args.Domain in us-east-1 and its DNS
// validation, and returns the ARN to serve once it is issued.
func deliveryCertificate(ctx *pulumi.Context, d *Delivery, name string, args *DeliveryArgs, usEast1 pulumi.ProviderResource) (pulumi.StringInput, error) {
	inUSEast1 := []pulumi.ResourceOption{pulumi.Parent(d), pulumi.Provider(usEast1)}
	cert, err := acm.NewCertificate(ctx, name+"-cert", &acm.CertificateArgs{
		DomainName:       pulumi.String(args.Domain),
		ValidationMethod: pulumi.String("DNS"),
		Tags:             args.Tags,
	}, inUSEast1...)
	if err != nil {
		return nil, err
	}
	d.CertificateValidationOptions = cert.DomainValidationOptions
	var fqdns pulumi.StringArray
	if args.ZoneId != "" {
		field := func(get func(acm.CertificateDomainValidationOption) *string) pulumi.StringOutput {
			return cert.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) (string, error) {
				for _, o := range opts {
					if dvoField(o.DomainName) == args.Domain && dvoField(get(o)) != "" {
						return *get(o), nil
					}
				}
				return "", fmt.Errorf("delivery %s: certificate has no DNS validation record for %s", name, args.Domain)
			}).(pulumi.StringOutput)
		}
		rec, err := route53.NewRecord(ctx, name+"-cert-record", &route53.RecordArgs{
			ZoneId: pulumi.String(args.ZoneId),
			Name:   field(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordName }),
			Type:   field(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordType }),
			Records: pulumi.StringArray{
				field(func(o acm.CertificateDomainValidationOption) *string { return o.ResourceRecordValue }),
			},
			Ttl:            pulumi.Int(300),
			AllowOverwrite: pulumi.Bool(true),
		}, pulumi.Parent(d))
		if err != nil {
			return nil, err
		}
		fqdns = pulumi.StringArray{rec.Fqdn}
	} else {
		// Without a zone the operator creates the record; say which while `pulumi up` waits.
		cert.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) error {
			for _, o := range opts {
				if o.ResourceRecordName == nil || o.ResourceRecordValue == nil {
					continue
				}
				_ = ctx.Log.Info(fmt.Sprintf("create DNS record %s %s %s to validate the certificate for %s",
					*o.ResourceRecordName, dvoField(o.ResourceRecordType), *o.ResourceRecordValue, args.Domain),
					&pulumi.LogArgs{Resource: d})
			}
			return nil
		})
	}
	validation, err := acm.NewCertificateValidation(ctx, name+"-cert-validation", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	}, inUSEast1...)
	if err != nil {
		return nil, err
	}
	d.CertificateArn = validation.CertificateArn
	return validation.CertificateArn, nil
}

func dvoField(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// cachePolicyArgs keys the cache on the path alone: the signed cookies are checked by
// CloudFront before the cache and never reach the bucket.
func cachePolicyArgs(policyName, comment string, defaultTTL, maxTTL int, compress bool) *cloudfront.CachePolicyArgs {
	return &cloudfront.CachePolicyArgs{
		Name:       pulumi.String(policyName),
		Comment:    pulumi.String("ottkit " + comment),
		MinTtl:     pulumi.Int(0),
		DefaultTtl: pulumi.Int(defaultTTL),
		MaxTtl:     pulumi.Int(maxTTL),
		ParametersInCacheKeyAndForwardedToOrigin: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
			CookiesConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{
				CookieBehavior: pulumi.String("none"),
			},
			HeadersConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{
				HeaderBehavior: pulumi.String("none"),
			},
			QueryStringsConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{
				QueryStringBehavior: pulumi.String("none"),
			},
			EnableAcceptEncodingGzip:   pulumi.Bool(compress),
			EnableAcceptEncodingBrotli: pulumi.Bool(compress),
		},
	}
}

// responseHeadersArgs lets players read media cross-origin and adds the security headers
// every response should carry.
func responseHeadersArgs(name string, origins []string) *cloudfront.ResponseHeadersPolicyArgs {
	allowOrigins := origins
	if len(allowOrigins) == 0 {
		allowOrigins = []string{"*"}
	}
	return &cloudfront.ResponseHeadersPolicyArgs{
		Name:    pulumi.String(name + "-headers"),
		Comment: pulumi.String("ottkit " + name + ": CORS for players, HSTS, nosniff, referrer policy"),
		CorsConfig: &cloudfront.ResponseHeadersPolicyCorsConfigArgs{
			// Cookies cross origins only to named origins: a wildcard never gets credentials.
			AccessControlAllowCredentials: pulumi.Bool(len(origins) > 0),
			AccessControlAllowOrigins: &cloudfront.ResponseHeadersPolicyCorsConfigAccessControlAllowOriginsArgs{
				Items: pulumi.ToStringArray(allowOrigins),
			},
			AccessControlAllowMethods: &cloudfront.ResponseHeadersPolicyCorsConfigAccessControlAllowMethodsArgs{
				Items: pulumi.StringArray{pulumi.String("GET"), pulumi.String("HEAD")},
			},
			AccessControlAllowHeaders: &cloudfront.ResponseHeadersPolicyCorsConfigAccessControlAllowHeadersArgs{
				Items: pulumi.StringArray{pulumi.String("Range")},
			},
			AccessControlExposeHeaders: &cloudfront.ResponseHeadersPolicyCorsConfigAccessControlExposeHeadersArgs{
				Items: pulumi.StringArray{pulumi.String("Content-Length"), pulumi.String("Content-Range"), pulumi.String("Accept-Ranges")},
			},
			AccessControlMaxAgeSec: pulumi.Int(3600),
			OriginOverride:         pulumi.Bool(true),
		},
		SecurityHeadersConfig: securityHeaders(),
	}
}

// securityHeaders are the headers every response carries: HSTS, nosniff, a referrer policy
// and no framing.
func securityHeaders() *cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs {
	return &cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
		StrictTransportSecurity: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
			AccessControlMaxAgeSec: pulumi.Int(63072000),
			IncludeSubdomains:      pulumi.Bool(true),
			Override:               pulumi.Bool(true),
		},
		ContentTypeOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{
			Override: pulumi.Bool(true),
		},
		ReferrerPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
			ReferrerPolicy: pulumi.String("strict-origin-when-cross-origin"),
			Override:       pulumi.Bool(true),
		},
		FrameOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{
			FrameOption: pulumi.String("DENY"),
			Override:    pulumi.Bool(true),
		},
	}
}

// webACLArgs is a CloudFront-scope web ACL: block an IP past the API's rate limit on the API,
// past the media rate limit elsewhere, and AWS's common rule set against the usual exploits.
func webACLArgs(name string, w *DeliveryWAFArgs, tags pulumi.StringMap) *wafv2.WebAclArgs {
	// apiPath matches the paths the distribution sends to the API.
	apiPath := func() *wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementArgs {
		return &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementArgs{
			SearchString:         pulumi.String(APIPathPrefix + "/"),
			PositionalConstraint: pulumi.String("STARTS_WITH"),
			FieldToMatch: &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementFieldToMatchArgs{
				UriPath: &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementFieldToMatchUriPathArgs{},
			},
			TextTransformations: wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementTextTransformationArray{
				&wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementByteMatchStatementTextTransformationArgs{
					Priority: pulumi.Int(0), Type: pulumi.String("NONE"),
				},
			},
		}
	}
	notAPIPath := &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementArgs{
		NotStatement: &wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementNotStatementArgs{
			Statements: wafv2.WebAclRuleStatementArray{&wafv2.WebAclRuleStatementArgs{
				ByteMatchStatement: &wafv2.WebAclRuleStatementByteMatchStatementArgs{
					SearchString:         pulumi.String(APIPathPrefix + "/"),
					PositionalConstraint: pulumi.String("STARTS_WITH"),
					FieldToMatch: &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchArgs{
						UriPath: &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchUriPathArgs{},
					},
					TextTransformations: wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArray{
						&wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs{
							Priority: pulumi.Int(0), Type: pulumi.String("NONE"),
						},
					},
				},
			}},
		},
	}
	rate := func(rule string, priority int, limit pulumi.IntInput, def int, scope *wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementArgs) *wafv2.WebAclRuleArgs {
		if limit == nil {
			limit = pulumi.Int(def)
		}
		return &wafv2.WebAclRuleArgs{
			Name:     pulumi.String(rule),
			Priority: pulumi.Int(priority),
			Action:   &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}},
			Statement: &wafv2.WebAclRuleStatementArgs{
				RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
					Limit:              limit,
					AggregateKeyType:   pulumi.String("IP"),
					ScopeDownStatement: scope,
				},
			},
			VisibilityConfig: &wafv2.WebAclRuleVisibilityConfigArgs{
				CloudwatchMetricsEnabled: pulumi.Bool(true),
				SampledRequestsEnabled:   pulumi.Bool(true),
				MetricName:               pulumi.String(name + "-" + rule),
			},
		}
	}
	visibility := func(metric string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			SampledRequestsEnabled:   pulumi.Bool(true),
			MetricName:               pulumi.String(metric),
		}
	}
	return &wafv2.WebAclArgs{
		Name:          pulumi.String(name + "-waf"),
		Description:   pulumi.String("ottkit " + name + ": API and media rate limits, AWS common and known bad inputs rules"),
		Scope:         pulumi.String("CLOUDFRONT"),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules: wafv2.WebAclRuleArray{
			rate("api-rate-limit", 0, w.APIRateLimit, DefaultWAFAPIRateLimit,
				&wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementArgs{ByteMatchStatement: apiPath()}),
			rate("media-rate-limit", 1, w.MediaRateLimit, DefaultWAFMediaRateLimit, notAPIPath),
			&wafv2.WebAclRuleArgs{
				Name:           pulumi.String("aws-common"),
				Priority:       pulumi.Int(2),
				OverrideAction: &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}},
				Statement: &wafv2.WebAclRuleStatementArgs{
					ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
						VendorName: pulumi.String("AWS"),
						Name:       pulumi.String("AWSManagedRulesCommonRuleSet"),
					},
				},
				VisibilityConfig: visibility(name + "-aws-common"),
			},
			// Known bad inputs blocks request patterns of known exploits (Log4Shell's JNDI
			// lookups among them), which the common rule set does not cover. It runs after
			// the rate limits and the common rules, with room for more before it.
			&wafv2.WebAclRuleArgs{
				Name:           pulumi.String("aws-known-bad-inputs"),
				Priority:       pulumi.Int(10),
				OverrideAction: &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}},
				Statement: &wafv2.WebAclRuleStatementArgs{
					ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
						VendorName: pulumi.String("AWS"),
						Name:       pulumi.String("AWSManagedRulesKnownBadInputsRuleSet"),
					},
				},
				VisibilityConfig: visibility(name + "-aws-known-bad-inputs"),
			},
		},
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			SampledRequestsEnabled:   pulumi.Bool(true),
			MetricName:               pulumi.String(name + "-waf"),
		},
		Tags: tags,
	}
}

// deliveryBucketPolicy is the delivery bucket's one policy: TLS only, objects written only
// under the stack key (as every media bucket), and reads of the rendered assets by this
// distribution alone.
func deliveryBucketPolicy(bucketArn, distributionArn, keyArn string) iampolicy.Document {
	st := SecureTransportStatements(bucketArn)
	st = append(st, EncryptionStatements(bucketArn, keyArn)...)
	st = append(st, iampolicy.Statement{
		Sid:        "CloudFrontReadsAssets",
		Effect:     iampolicy.Allow,
		Principals: []iampolicy.Principal{{Type: "Service", Identifiers: []string{"cloudfront.amazonaws.com"}}},
		Actions:    []string{"s3:GetObject"},
		Resources:  []string{bucketArn + "/" + manifest.AssetPrefix + "*"},
		Conditions: []iampolicy.Condition{{Test: "StringEquals", Variable: "AWS:SourceArn", Values: []string{distributionArn}}},
	})
	return iampolicy.Document{Statements: st}
}

var (
	domainPattern  = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	zoneIDPattern  = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

func validateDelivery(name string, args *DeliveryArgs) error {
	if args == nil {
		return fmt.Errorf("delivery %s: args are required", name)
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("delivery %s: "+format, append([]any{name}, a...)...))
	}
	// CloudFront names (OAC, cache and headers policies, keys) derive from it.
	if err := checkName("delivery", name, 48); err != nil {
		errs = append(errs, err)
	}
	for _, f := range []struct {
		field string
		v     pulumi.StringInput
	}{
		{"BucketName", args.BucketName}, {"BucketArn", args.BucketArn},
		{"BucketRegionalDomainName", args.BucketRegionalDomainName},
		{"LogsBucketName", args.LogsBucketName}, {"KeyArn", args.KeyArn},
	} {
		if f.v == nil {
			bad("%s is required", f.field)
		}
	}
	switch n := len(args.PublicKeys); {
	case n == 0:
		bad("PublicKeys needs 1 or 2 PEM public keys")
	case n > 2:
		bad("PublicKeys has %d keys; at most 2 (the current and the next while rotating)", n)
	}
	for i, k := range args.PublicKeys {
		if err := validatePublicKeyPEM(k); err != nil {
			bad("PublicKeys[%d]: %v", i, err)
		}
	}
	if n := len(args.EdgeOriginPublicKeys); n > 2 {
		bad("EdgeOriginPublicKeys has %d keys; at most 2 (the current and the next while rotating)", n)
	}
	if n := len(args.PublicKeys) + len(args.EdgeOriginPublicKeys); n > MaxKeysPerKeyGroup {
		bad("PublicKeys and EdgeOriginPublicKeys hold %d keys; a CloudFront key group takes at most %d", n, MaxKeysPerKeyGroup)
	}
	viewerKeys := map[string]int{}
	for i, k := range args.PublicKeys {
		viewerKeys[string(publicKeyDER(k))] = i
	}
	for i, k := range args.EdgeOriginPublicKeys {
		if err := validatePublicKeyPEM(k); err != nil {
			bad("EdgeOriginPublicKeys[%d]: %v", i, err)
			continue
		}
		// One key for both would let whoever holds the api's signing key act as the edge, and
		// tie the two rotations together.
		if j, ok := viewerKeys[string(publicKeyDER(k))]; ok {
			bad("EdgeOriginPublicKeys[%d] is PublicKeys[%d]; the edge needs a key pair of its own", i, j)
		}
	}
	if args.Domain != "" {
		if len(args.Domain) > 253 || !domainPattern.MatchString(args.Domain) {
			bad("Domain %q is not a lowercase DNS name such as media.example.com", args.Domain)
		}
	} else {
		if args.CertificateArn != nil {
			bad("CertificateArn needs Domain")
		}
		if args.ZoneId != "" {
			bad("ZoneId needs Domain")
		}
	}
	if args.ZoneId != "" && !zoneIDPattern.MatchString(args.ZoneId) {
		bad("ZoneId %q is not a Route53 hosted zone id (Z...)", args.ZoneId)
	}
	seen := map[string]bool{}
	for i, c := range args.GeoAllowList {
		switch {
		case !countryPattern.MatchString(c):
			bad("GeoAllowList[%d] %q is not an ISO 3166-1 alpha-2 code such as DE", i, c)
		case seen[c]:
			bad("GeoAllowList[%d] %q appears twice", i, c)
		}
		seen[c] = true
	}
	for i, o := range args.CORSOrigins {
		if err := validateOrigin(o); err != nil {
			bad("CORSOrigins[%d]: %v", i, err)
		}
	}
	if args.API != nil && args.API.Domain == nil {
		bad("API.Domain is required")
	}
	return errors.Join(errs...)
}

// KeyGroupName is the name of the key group a Delivery named delivery trusts.
func KeyGroupName(delivery string) string { return delivery + "-signers" }

// SigningSecretName is the name of the secret the api signs playback cookies with.
func SigningSecretName(delivery string) string { return delivery + "-signing" }

// PublicKeyFingerprint identifies an RSA public key in PEM by the first 16 hex digits of the
// SHA-256 of its PKIX encoding, whatever the PEM's line breaks.
func PublicKeyFingerprint(pemText string) (string, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return "", errors.New("not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("parse public key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8]), nil
}

// PublicKeyName is the resource and CloudFront name of a Delivery's public key:
// <delivery>-key-<fingerprint>.
func PublicKeyName(delivery, pemText string) (string, error) {
	fp, err := PublicKeyFingerprint(pemText)
	if err != nil {
		return "", err
	}
	return delivery + "-key-" + fp, nil
}

// validatePublicKeyPEM accepts what CloudFront accepts for signed cookies: a PEM RSA public
// key of 2048 bits.
// MaxKeysPerKeyGroup is CloudFront's quota of public keys in one key group.
const MaxKeysPerKeyGroup = 5

// publicKeyDER returns the DER of a PEM public key, nil when it is not PEM.
func publicKeyDER(text string) []byte {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil
	}
	return block.Bytes
}

func validatePublicKeyPEM(text string) error {
	block, rest := pem.Decode([]byte(text))
	if block == nil {
		return errors.New("not PEM")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return errors.New("holds more than one PEM block")
	}
	if block.Type != "PUBLIC KEY" {
		return fmt.Errorf("PEM block is %q, want PUBLIC KEY", block.Type)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("parse public key: %w", err)
	}
	rsaKey, ok := pub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("key is %T, want RSA", pub)
	}
	if bits := rsaKey.N.BitLen(); bits != 2048 {
		return fmt.Errorf("RSA key has %d bits, CloudFront takes 2048", bits)
	}
	return nil
}

// validateOrigin accepts a browser origin: https, a host, an optional port, nothing more.
func validateOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil {
		return fmt.Errorf("%q: %w", o, err)
	}
	if u.Scheme != "https" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q is not an https origin such as https://player.example.com", o)
	}
	return nil
}
