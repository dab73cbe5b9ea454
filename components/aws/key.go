package aws

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
)

// StackKeyType is the type token of StackKey.
const StackKeyType = "ottkit:aws:StackKey"

// StackKeyArgs configures the stack's customer managed key.
type StackKeyArgs struct {
	// Prefix is the name every resource of the stack starts with ("<customer>-<env>"); the
	// key's alias is "alias/<prefix>". Required.
	Prefix string
	// Consumers name, exactly, the resources AWS services use the key for on their own
	// behalf; the key policy admits those and no other. A name prefix would not do: customer
	// names may hold hyphens, so "acme-prod-*" also matches the stack of customer "acme-prod",
	// environment "eu".
	Consumers KeyConsumers
	// DestroyData lets `pulumi destroy` schedule the key's deletion (after 7 days). By default
	// the key is retained: deleting it makes every object, message and item it encrypted
	// unreadable.
	DestroyData bool
	// Tags are set on the key.
	Tags pulumi.StringMap
}

// StackKey is the one KMS customer managed key a stack encrypts its buckets, queues, topics,
// table and logs with. Rotation is on.
type StackKey struct {
	pulumi.ResourceState

	Key   *kms.Key
	Alias *kms.Alias
	// Arn and KeyId identify the key.
	Arn   pulumi.StringOutput `pulumi:"arn"`
	KeyId pulumi.StringOutput `pulumi:"keyId"`
}

// KeyConsumers are the stack's resources that AWS services encrypt or decrypt with the
// stack key on their own behalf. Empty fields admit nothing.
type KeyConsumers struct {
	// AlarmTopic is the name of the encrypted topic CloudWatch alarms publish to
	// (AlarmTopicName of the Alerts component).
	AlarmTopic string
	// EventQueues are the names of the encrypted queues EventBridge sends to (a work queue's
	// queue and dead-letter queue, QueueName and DeadLetterQueueName).
	EventQueues []string
	// LogGroups are the names of the encrypted log groups (FunctionLogGroupName,
	// APIAccessLogGroupName).
	LogGroups []string
	// MediaStorage is the MediaStorage component whose delivery bucket (named with the default
	// suffix, the account id) CloudFront reads through origin access control.
	MediaStorage string
}

// keyAdminActions are what the account root may do with the key: everything IAM policies in
// the account may then delegate, listed so that no statement is kms:*.
var keyAdminActions = []string{
	"kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
	"kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
	"kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
	"kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListKeyRotations",
	"kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant",
	"kms:RevokeGrant", "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource",
	"kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
}

// NewStackKey creates the key and its alias "alias/<prefix>".
func NewStackKey(ctx *pulumi.Context, name string, args *StackKeyArgs, opts ...pulumi.ResourceOption) (*StackKey, error) {
	if args == nil {
		return nil, errors.New("stack key: args are required")
	}
	if err := checkName("stack key", name, 200); err != nil {
		return nil, err
	}
	if err := checkName("stack key: Prefix", args.Prefix, 200); err != nil {
		return nil, err
	}
	k := &StackKey{}
	if err := ctx.RegisterComponentResource(StackKeyType, name, k, opts...); err != nil {
		return nil, err
	}
	acct, err := lookupAccount(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("stack key %s: %w", name, err)
	}
	policy, err := KeyPolicy(acct.ID, acct.Partition, acct.Region, args.Consumers).KeyPolicyJSON()
	if err != nil {
		return nil, fmt.Errorf("stack key %s: policy: %w", name, err)
	}
	window := 30
	childOpts := []pulumi.ResourceOption{pulumi.Parent(k)}
	if args.DestroyData {
		window = 7
	} else {
		childOpts = append(childOpts, pulumi.RetainOnDelete(true))
	}
	k.Key, err = kms.NewKey(ctx, name+"-cmk", &kms.KeyArgs{
		Description:          pulumi.Sprintf("ottkit %s: buckets, queues, topics, catalog and logs", args.Prefix),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(window),
		Policy:               pulumi.String(policy),
		Tags:                 args.Tags,
	}, childOpts...)
	if err != nil {
		return nil, err
	}
	k.Alias, err = kms.NewAlias(ctx, name+"-alias", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + args.Prefix),
		TargetKeyId: k.Key.KeyId,
	}, pulumi.Parent(k))
	if err != nil {
		return nil, err
	}
	k.Arn = k.Key.Arn
	k.KeyId = k.Key.KeyId
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"arn": k.Arn, "keyId": k.KeyId})
}

// KeyPolicy is the stack key's policy. The account administers the key and may delegate its
// use through IAM (the functions' roles get kms:Decrypt and kms:GenerateDataKey that way).
// S3, DynamoDB and Secrets Manager use the key on behalf of their callers, with the callers'
// IAM permissions, so they need no statement of their own.
// AWS services that act on their own get only what they need, and only for the resources c
// names exactly (no statement for an empty field):
//   - CloudWatch, to publish alarms to the encrypted alarm topic: SNS passes the topic ARN as
//     encryption context, so the statement matches that topic alone;
//   - EventBridge, to send to the encrypted queues (EventBridge passes no aws:SourceArn to
//     KMS, so the queue's encryption context scopes it);
//   - CloudWatch Logs, for the stack's log groups, by their encryption context;
//   - CloudFront, to read the SSE-KMS delivery bucket through origin access control. S3 passes
//     the bucket ARN as encryption context (bucket keys), which scopes the statement to this
//     stack's bucket; the distribution itself cannot be named here without a dependency
//     cycle (distribution -> bucket -> key), and the delivery bucket policy names it.
func KeyPolicy(accountID, partition, region string, c KeyConsumers) iampolicy.Document {
	a := account{ID: accountID, Partition: partition, Region: region}
	root := fmt.Sprintf("arn:%s:iam::%s:root", partition, accountID)
	service := func(s string) []iampolicy.Principal {
		return []iampolicy.Principal{{Type: "Service", Identifiers: []string{s}}}
	}
	sourceAccount := iampolicy.Condition{Test: "StringEquals", Variable: "aws:SourceAccount", Values: []string{accountID}}
	st := []iampolicy.Statement{{
		Sid: "AccountAdministersKey", Effect: iampolicy.Allow,
		Principals: []iampolicy.Principal{{Type: "AWS", Identifiers: []string{root}}},
		Actions:    keyAdminActions, Resources: []string{"*"},
	}}
	if c.AlarmTopic != "" {
		st = append(st, iampolicy.Statement{
			Sid: "CloudWatchAlarmsPublishEncrypted", Effect: iampolicy.Allow,
			Principals: service("cloudwatch.amazonaws.com"),
			Actions:    []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: []string{"*"},
			Conditions: []iampolicy.Condition{sourceAccount,
				{Test: "StringEquals", Variable: "kms:EncryptionContext:aws:sns:topicArn", Values: []string{a.arn("sns", c.AlarmTopic)}}},
		})
	}
	if len(c.EventQueues) > 0 {
		var arns []string
		for _, q := range c.EventQueues {
			arns = append(arns, a.arn("sqs", q))
		}
		st = append(st, iampolicy.Statement{
			Sid: "EventBridgeSendsToEncryptedQueues", Effect: iampolicy.Allow,
			Principals: service("events.amazonaws.com"),
			Actions:    []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: []string{"*"},
			Conditions: []iampolicy.Condition{
				{Test: "ArnEquals", Variable: "kms:EncryptionContext:aws:sqs:arn", Values: arns}},
		})
	}
	if len(c.LogGroups) > 0 {
		var arns []string
		for _, g := range c.LogGroups {
			arns = append(arns, a.arn("logs", "log-group:"+g))
		}
		st = append(st, iampolicy.Statement{
			Sid: "LogsEncryptLogGroups", Effect: iampolicy.Allow,
			Principals: service(fmt.Sprintf("logs.%s.amazonaws.com", region)),
			Actions: []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
				"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"},
			Resources: []string{"*"},
			Conditions: []iampolicy.Condition{
				{Test: "ArnEquals", Variable: "kms:EncryptionContext:aws:logs:arn", Values: arns}},
		})
	}
	if c.MediaStorage != "" {
		st = append(st, iampolicy.Statement{
			Sid: "CloudFrontReadsDelivery", Effect: iampolicy.Allow,
			Principals: service("cloudfront.amazonaws.com"),
			Actions:    []string{"kms:Decrypt"}, Resources: []string{"*"},
			Conditions: []iampolicy.Condition{sourceAccount,
				{Test: "ArnLike", Variable: "aws:SourceArn", Values: []string{
					fmt.Sprintf("arn:%s:cloudfront::%s:distribution/*", partition, accountID)}},
				{Test: "StringEquals", Variable: "kms:EncryptionContext:aws:s3:arn", Values: []string{
					fmt.Sprintf("arn:%s:s3:::%s", partition, BucketName(c.MediaStorage, "delivery", accountID))}}},
		})
	}
	return iampolicy.Document{Statements: st}
}
