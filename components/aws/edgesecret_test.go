package aws

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestEdgeSigningSecret(t *testing.T) {
	for _, tt := range []struct {
		name        string
		destroyData bool
		window      float64
	}{{"retained", false, SecretRecoveryDays}, {"destroyable", true, 0}} {
		res := platRun(t, func(ctx *pulumi.Context) error {
			_, err := NewEdgeSigningSecret(ctx, "acme-prod-edge-signing", &EdgeSigningSecretArgs{
				Name: "acme-prod-edge-signing", KeyArn: pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/k"), DestroyData: tt.destroyData,
			})
			return err
		})
		platDiff(t, "EdgeSigningSecret children", platChildren(t, res, EdgeSigningSecretType, "acme-prod-edge-signing"), []string{
			"aws:secretsmanager/secret:Secret acme-prod-edge-signing-secret",
		})
		s := platMust(t, res, "aws:secretsmanager/secret:Secret", "acme-prod-edge-signing-secret")
		if s.Inputs["name"] != "acme-prod-edge-signing" || s.Inputs["kmsKeyId"] != "arn:aws:kms:eu-west-1:123456789012:key/k" || s.Inputs["recoveryWindowInDays"] != tt.window {
			t.Errorf("%s: secret %v: want the name ottkit keys writes, the stack key, recovery %v days", tt.name, s.Inputs, tt.window)
		}
	}
	for _, tt := range []struct {
		args *EdgeSigningSecretArgs
		want string
	}{
		{nil, "args are required"},
		{&EdgeSigningSecretArgs{Name: "Acme Prod", KeyArn: pulumi.String("k")}, `name "Acme Prod" must be lowercase`},
		{&EdgeSigningSecretArgs{Name: "acme-prod-edge-signing"}, "KeyArn is required"},
	} {
		err, n := platRunFailing(t, func(ctx *pulumi.Context) error {
			_, err := NewEdgeSigningSecret(ctx, "acme-prod-edge-signing", tt.args)
			return err
		})
		if !strings.Contains(err.Error(), tt.want) || n != 0 {
			t.Errorf("error %v after %d registrations, want %q before any", err, n, tt.want)
		}
	}
}
