package aws

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// TestEdgeOutputs exports each component's outputs and checks they resolve to the values of
// the children they stand for: these are what the platform wires into the next component.
func TestEdgeOutputs(t *testing.T) {
	res := edgeRun(t, func(ctx *pulumi.Context) error {
		fn, err := NewGoFunction(ctx, "acme-dev-fn-transcode", edgeFunctionArgs(manifest.Transcode))
		if err != nil {
			return err
		}
		ctx.Export("fnArn", fn.Arn)
		ctx.Export("fnName", fn.Name)
		ctx.Export("fnRoleArn", fn.RoleArn)
		ctx.Export("fnLogGroup", fn.LogGroupName)

		tr, err := NewTranscoder(ctx, "acme-dev-transcoder", edgeTranscoderArgs())
		if err != nil {
			return err
		}
		ctx.Export("queueArn", tr.QueueArn)
		ctx.Export("roleArn", tr.RoleArn)

		plain, err := NewDelivery(ctx, "acme-dev-plain", edgeDeliveryArgs(t))
		if err != nil {
			return err
		}
		ctx.Export("plainPlayback", plain.PlaybackDomain)
		ctx.Export("plainCert", plain.CertificateArn)
		ctx.Export("plainWaf", plain.WebAclArn)
		ctx.Export("plainDvos", plain.CertificateValidationOptions)

		full, err := NewDelivery(ctx, "acme-dev-delivery", edgeFullDelivery(t))
		if err != nil {
			return err
		}
		ctx.Export("fullPlayback", full.PlaybackDomain)
		ctx.Export("fullCert", full.CertificateArn)
		ctx.Export("fullWaf", full.WebAclArn)
		ctx.Export("fullDvos", full.CertificateValidationOptions)
		ctx.Export("fullDistributionArn", full.DistributionArn)
		ctx.Export("fullKeyIds", full.PublicKeyIds)
		ctx.Export("fullSecret", full.SigningSecretArn)

		ownArgs := edgeDeliveryArgs(t)
		ownArgs.Domain = "watch.example.com"
		ownArgs.CertificateArn = pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/own")
		own, err := NewDelivery(ctx, "acme-dev-own", ownArgs)
		if err != nil {
			return err
		}
		ctx.Export("ownCert", own.CertificateArn)
		ctx.Export("ownPlayback", own.PlaybackDomain)

		api, err := NewAPI(ctx, "acme-dev-api", edgeAPIArgs())
		if err != nil {
			return err
		}
		ctx.Export("apiEndpoint", api.Endpoint)
		return nil
	})
	out := res.Outputs
	lambdaFn := edgeMust(t, res, "aws:lambda/function:Function", "acme-dev-fn-transcode-function")
	dist := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", "acme-dev-delivery-cdn")
	plainDist := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", "acme-dev-plain-cdn")
	cert := edgeMust(t, res, "aws:acm/certificate:Certificate", "acme-dev-delivery-cert")
	waf := edgeMust(t, res, "aws:wafv2/webAcl:WebAcl", "acme-dev-delivery-waf")
	secret := edgeMust(t, res, "aws:secretsmanager/secret:Secret", "acme-dev-delivery-signing-secret")
	api := edgeMust(t, res, "aws:apigatewayv2/api:Api", "acme-dev-api-api")
	// In the order of PublicKeys.
	var keyIds []any
	for i := 0; i < 2; i++ {
		keyIds = append(keyIds, edgeMust(t, res, "aws:cloudfront/publicKey:PublicKey", keyName(t, "acme-dev-delivery", i)).ID)
	}
	checks := []struct {
		name string
		want any
	}{
		{"fnArn", lambdaFn.Outputs["arn"]},
		{"fnName", "acme-dev-fn-transcode"},
		{"fnRoleArn", "arn:aws:iam::123456789012:role/acme-dev-fn-transcode-role"},
		{"fnLogGroup", "/aws/lambda/acme-dev-fn-transcode"},
		{"queueArn", edgeMediaConvertQueueArn},
		{"roleArn", "arn:aws:iam::123456789012:role/acme-dev-transcoder-role"},
		{"plainPlayback", plainDist.Outputs["domainName"]},
		{"plainCert", ""},
		{"plainWaf", ""},
		{"fullPlayback", edgeDomain},
		{"fullCert", cert.Outputs["arn"]},
		{"fullWaf", waf.Outputs["arn"]},
		{"fullDistributionArn", dist.Outputs["arn"]},
		{"fullKeyIds", keyIds},
		{"fullSecret", secret.Outputs["arn"]},
		{"apiEndpoint", api.Outputs["apiEndpoint"]},
		{"ownCert", "arn:aws:acm:us-east-1:123456789012:certificate/own"},
		{"ownPlayback", "watch.example.com"},
	}
	for _, c := range checks {
		if got := out[c.name]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("output %s = %#v, want %#v", c.name, got, c.want)
		}
	}

	ownCert := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", "acme-dev-own-cdn").Inputs["viewerCertificate"]
	if edgeGet(ownCert, "acmCertificateArn") != "arn:aws:acm:us-east-1:123456789012:certificate/own" ||
		edgeGet(ownCert, "minimumProtocolVersion") != "TLSv1.2_2021" || edgeGet(ownCert, "sslSupportMethod") != "sni-only" {
		t.Errorf("distribution with the caller's certificate serves %v", ownCert)
	}

	if dvos, ok := out["plainDvos"].([]acm.CertificateDomainValidationOption); !ok || len(dvos) != 0 {
		t.Errorf("plain delivery validation options = %#v, want none", out["plainDvos"])
	}
	dvos, _ := out["fullDvos"].([]acm.CertificateDomainValidationOption)
	want := edgeGet(cert.Outputs, "domainValidationOptions", "0")
	if len(dvos) != 1 || dvos[0].ResourceRecordName == nil || *dvos[0].ResourceRecordName != edgeGet(want, "resourceRecordName") ||
		dvos[0].ResourceRecordValue == nil || *dvos[0].ResourceRecordValue != edgeGet(want, "resourceRecordValue") {
		t.Errorf("validation options = %#v, want the certificate's %v", dvos, want)
	}
}
