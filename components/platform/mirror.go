package platform

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	ottaws "github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/components/cloudflare"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// hasEdgeMirror reports whether the stack's edge serves from R2, which the complete function
// then fills.
func (s *Spec) hasEdgeMirror() bool {
	return s.Edge.Provider == EdgeCloudflare && (s.Edge.Mode == "" || s.Edge.Mode == cloudflare.ModeR2)
}

// awsFunctions are the functions an AWS stack deploys: the manifest's, with the extensions of
// the stack's options (Extensions).
func (s *Spec) awsFunctions() []manifest.Function {
	fns := manifest.All()
	for i, fn := range fns {
		fns[i] = fn.With(s.Extensions()...)
	}
	return fns
}

// awsEdgeMirror stores the edge's R2 credentials in Secrets Manager and adds the mirror's
// resources and endpoint to what the functions are wired with. It does nothing without an
// R2 edge.
func awsEdgeMirror(ctx *pulumi.Context, name string, spec *Spec, store *cloudflare.Storage, key pulumi.StringInput, tags pulumi.StringMap,
	refs map[manifest.Resource]ottaws.ResourceRef, settings map[manifest.Setting]pulumi.StringInput, opts ...pulumi.ResourceOption) (*ottaws.EdgeMirrorSecret, error) {
	if store == nil {
		return nil, nil
	}
	secret, err := ottaws.NewEdgeMirrorSecret(ctx, name+"-edge-mirror", &ottaws.EdgeMirrorSecretArgs{
		Name: name + "-edge-mirror", KeyArn: key,
		AccessKeyID: store.Mirror.AccessKeyID, SecretAccessKey: store.Mirror.SecretAccessKey,
		DestroyData: !spec.RetainData, Tags: tags,
	}, opts...)
	if err != nil {
		return nil, err
	}
	refs[manifest.EdgeMirrorBucket] = ottaws.ResourceRef{Name: store.Bucket.Name}
	refs[manifest.EdgeMirrorSecret] = ottaws.ResourceRef{Arn: secret.Arn}
	settings[manifest.EdgeMirrorEndpoint] = store.Mirror.Endpoint
	return secret, nil
}
