package keys

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	awscomp "github.com/ottkit/ottkit/components/aws"
)

// CloudFront is the TrustedKeys of CloudFront's API: it needs cloudfront:ListKeyGroups and
// cloudfront:GetPublicKey, nothing that changes the distribution.
type CloudFront struct {
	Client *cloudfront.Client
}

var _ TrustedKeys = CloudFront{}

// KeyID implements TrustedKeys: the key group named group, then the member whose encoded key
// is pemText (compared by fingerprint, so line breaks do not matter).
func (c CloudFront) KeyID(ctx context.Context, group, pemText string) (string, error) {
	want, err := awscomp.PublicKeyFingerprint(pemText)
	if err != nil {
		return "", err
	}
	var members []string
	found := false
	var marker *string
	for {
		out, err := c.Client.ListKeyGroups(ctx, &cloudfront.ListKeyGroupsInput{Marker: marker})
		if err != nil {
			return "", fmt.Errorf("list key groups: %w", err)
		}
		if out.KeyGroupList == nil {
			break
		}
		for _, item := range out.KeyGroupList.Items {
			if item.KeyGroup == nil || item.KeyGroup.KeyGroupConfig == nil {
				continue
			}
			if aws.ToString(item.KeyGroup.KeyGroupConfig.Name) == group {
				found = true
				members = item.KeyGroup.KeyGroupConfig.Items
			}
		}
		marker = out.KeyGroupList.NextMarker
		if found || marker == nil || *marker == "" {
			break
		}
	}
	if !found {
		return "", fmt.Errorf("key group %s: %w (it does not exist yet)", group, ErrNotTrusted)
	}
	for _, id := range members {
		out, err := c.Client.GetPublicKey(ctx, &cloudfront.GetPublicKeyInput{Id: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("public key %s of key group %s: %w", id, group, err)
		}
		if out.PublicKey == nil || out.PublicKey.PublicKeyConfig == nil {
			return "", errors.New("public key " + id + ": empty answer")
		}
		got, err := awscomp.PublicKeyFingerprint(aws.ToString(out.PublicKey.PublicKeyConfig.EncodedKey))
		if err != nil {
			return "", fmt.Errorf("public key %s: %w", id, err)
		}
		if got == want {
			return id, nil
		}
	}
	return "", fmt.Errorf("key %s: %w %s (members %s)", want, ErrNotTrusted, group, strings.Join(members, ", "))
}
