package aws

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// account is where a component's resources land: the account, partition and region of the
// provider its parent resolves to, so an explicit provider for a customer's own account is
// honoured by the policies built from it.
type account struct {
	ID, Partition, Region string
}

func lookupAccount(ctx *pulumi.Context, parent pulumi.Resource) (account, error) {
	id, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(parent))
	if err != nil {
		return account{}, fmt.Errorf("look up the account: %w", err)
	}
	part, err := aws.GetPartition(ctx, nil, pulumi.Parent(parent))
	if err != nil {
		return account{}, fmt.Errorf("look up the partition: %w", err)
	}
	region, err := aws.GetRegion(ctx, nil, pulumi.Parent(parent))
	if err != nil {
		return account{}, fmt.Errorf("look up the region: %w", err)
	}
	return account{ID: id.AccountId, Partition: part.Partition, Region: region.Name}, nil
}

// arn builds an ARN in this account and region.
func (a account) arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, service, a.Region, a.ID, resource)
}

// nameRe is what every physical name ottkit derives from a component name must look like:
// valid for S3, SQS, SNS, DynamoDB, CloudWatch and KMS aliases alike.
var nameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// checkName validates a component name used as the stem of physical names of at most max
// characters.
func checkName(component, name string, max int) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("%s: name %q must be lowercase letters, digits and hyphens (it prefixes physical names)", component, name)
	}
	if len(name) > max {
		return fmt.Errorf("%s: name %q is %d characters; at most %d fit the physical names derived from it", component, name, len(name), max)
	}
	return nil
}
