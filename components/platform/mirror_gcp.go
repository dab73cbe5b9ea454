package platform

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/cloudflare"
	ottgcp "github.com/ottkit/ottkit/components/gcp"
	manifest "github.com/ottkit/ottkit/functions/gcp/manifest"
)

// gcpFunction is fn as a GCP stack deploys it, with the extensions of the stack's options
// (GCPExtensions).
func (s *Spec) gcpFunction(fn manifest.Function) manifest.Function {
	return fn.With(s.GCPExtensions()...)
}

// gcpEdgeMirror stores the edge's R2 credentials in Secret Manager and adds the mirror's
// resources and endpoint to what the functions are wired with. It does nothing without an
// R2 edge.
func gcpEdgeMirror(ctx *pulumi.Context, name string, spec *Spec, store *cloudflare.Storage, key pulumi.StringInput, labels pulumi.StringMap,
	refs map[manifest.Resource]ottgcp.ResourceRef, settings map[manifest.Setting]pulumi.StringInput, opts ...pulumi.ResourceOption) (*ottgcp.EdgeMirrorSecret, error) {
	if store == nil {
		return nil, nil
	}
	secret, err := ottgcp.NewEdgeMirrorSecret(ctx, name+"-edge-mirror", &ottgcp.EdgeMirrorSecretArgs{
		Project: spec.Project, Region: spec.Region, KeyID: key,
		AccessKeyID: store.Mirror.AccessKeyID, SecretAccessKey: store.Mirror.SecretAccessKey, Labels: labels,
	}, opts...)
	if err != nil {
		return nil, err
	}
	refs[manifest.EdgeMirrorBucket] = ottgcp.ResourceRef{Name: store.Bucket.Name}
	refs[manifest.EdgeMirrorSecret] = ottgcp.ResourceRef{ID: secret.SecretID}
	settings[manifest.EdgeMirrorEndpoint] = store.Mirror.Endpoint
	return secret, nil
}
