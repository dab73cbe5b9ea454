package gcp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudtasks"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// Grant is one custom role holding a function's permissions on one resource, and the IAM
// member binding it there.
type Grant struct {
	Role   *projects.IAMCustomRole
	Member pulumi.Resource
	// On and Prefix say where the member is bound; Permissions what the role holds.
	On          manifest.Resource
	Prefix      string
	Permissions []string
}

// grantKind says which IAM member resource binds a grant on a manifest resource.
type grantKind int

const (
	onBucket grantKind = iota
	onTopic
	onQueue
	onAccount
	onSecret
	// onDatabase and onProject are project-level members: Firestore and the Transcoder API
	// have no resource-level IAM. The database grant carries a condition naming the stack's
	// database; Transcoder jobs have no IAM resource to condition on.
	onDatabase
	onProject
)

func kindOf(r manifest.Resource) (grantKind, error) {
	switch r {
	case manifest.IngestBucket, manifest.MastersBucket, manifest.DeliveryBucket:
		return onBucket, nil
	case manifest.IngestTopic, manifest.TranscodeTopic, manifest.JobsTopic, manifest.NotifyTopic:
		return onTopic, nil
	case manifest.RetryQueue:
		return onQueue, nil
	case manifest.TasksInvoker, manifest.Self:
		return onAccount, nil
	case manifest.SigningSecret, manifest.EdgeSigningSecret, manifest.EdgeMirrorSecret:
		return onSecret, nil
	case manifest.Catalog:
		return onDatabase, nil
	case manifest.Transcoder:
		return onProject, nil
	}
	return 0, fmt.Errorf("no grant is known for resource %q", r)
}

// checkGrantable says whether ref has what binding a permission on it needs.
func checkGrantable(p manifest.Permission, ref ResourceRef) error {
	kind, err := kindOf(p.On)
	if err != nil {
		return err
	}
	if p.Prefix != "" && kind != onBucket {
		return errors.New("an object prefix only narrows bucket grants")
	}
	switch kind {
	case onBucket, onTopic, onDatabase, onQueue:
		if ref.Name == nil {
			return errors.New("Resources lacks its Name")
		}
	case onAccount, onSecret:
		if ref.ID == nil {
			return errors.New("Resources lacks its ID")
		}
	}
	return nil
}

// newGrant creates the custom role of g and binds it to the function's account on ref.
func newGrant(ctx *pulumi.Context, parent pulumi.Resource, name, project, region, id string, g permissionGroup, ref ResourceRef, email pulumi.StringInput) (*Grant, error) {
	kind, err := kindOf(g.On)
	if err != nil {
		return nil, err
	}
	opt := pulumi.Parent(parent)
	role, err := projects.NewIAMCustomRole(ctx, name+"-role", &projects.IAMCustomRoleArgs{
		Project:     pulumi.String(project),
		RoleId:      pulumi.String(id),
		Title:       pulumi.String(fmt.Sprintf("ottkit %s on %s", strings.ReplaceAll(id, "_", " "), g.On)),
		Description: pulumi.String("Exactly the permissions functions/gcp/manifest lists for this function on this resource."),
		Permissions: pulumi.ToStringArray(g.Permissions),
		Stage:       pulumi.String("GA"),
	}, opt)
	if err != nil {
		return nil, err
	}
	member := saMember(email)
	roleName := role.Name
	var m pulumi.Resource
	switch kind {
	case onBucket:
		var cond storage.BucketIAMMemberConditionPtrInput
		if g.Prefix != "" {
			cond = &storage.BucketIAMMemberConditionArgs{
				Title:       pulumi.String("objects under " + g.Prefix),
				Description: pulumi.String("only objects whose names start with " + g.Prefix),
				Expression:  pulumi.Sprintf(`resource.name.startsWith("projects/_/buckets/%s/objects/%s")`, ref.Name, g.Prefix),
			}
		}
		m, err = storage.NewBucketIAMMember(ctx, name, &storage.BucketIAMMemberArgs{
			Bucket: ref.Name, Role: roleName, Member: member, Condition: cond,
		}, opt)
	case onTopic:
		m, err = pubsub.NewTopicIAMMember(ctx, name, &pubsub.TopicIAMMemberArgs{
			Project: pulumi.String(project), Topic: ref.Name, Role: roleName, Member: member,
		}, opt)
	case onQueue:
		m, err = cloudtasks.NewQueueIamMember(ctx, name, &cloudtasks.QueueIamMemberArgs{
			Project: pulumi.String(project), Location: pulumi.String(region), Name: ref.Name, Role: roleName, Member: member,
		}, opt)
	case onAccount:
		m, err = serviceaccount.NewIAMMember(ctx, name, &serviceaccount.IAMMemberArgs{
			ServiceAccountId: ref.ID, Role: roleName, Member: member,
		}, opt)
	case onSecret:
		m, err = secretmanager.NewSecretIamMember(ctx, name, &secretmanager.SecretIamMemberArgs{
			Project: pulumi.String(project), SecretId: ref.ID, Role: roleName, Member: member,
		}, opt)
	case onDatabase:
		m, err = projectMember(ctx, name, project, "", member, &projects.IAMMemberConditionArgs{
			Title:      pulumi.String("the stack's catalog database"),
			Expression: pulumi.Sprintf(`resource.name == "projects/%s/databases/%s"`, project, ref.Name),
		}, opt, roleName)
	case onProject:
		m, err = projectMember(ctx, name, project, "", member, nil, opt, roleName)
	}
	if err != nil {
		return nil, err
	}
	return &Grant{Role: role, Member: m, On: g.On, Prefix: g.Prefix, Permissions: g.Permissions}, nil
}

// projectMember binds role (or roleOut, when given) on the project: only for what has no
// resource-level IAM.
func projectMember(ctx *pulumi.Context, name, project, role string, member pulumi.StringInput, cond projects.IAMMemberConditionPtrInput, opt pulumi.ResourceOption, roleOut ...pulumi.StringInput) (*projects.IAMMember, error) {
	var r pulumi.StringInput = pulumi.String(role)
	if len(roleOut) > 0 {
		r = roleOut[0]
	}
	return projects.NewIAMMember(ctx, name, &projects.IAMMemberArgs{
		Project: pulumi.String(project), Role: r, Member: member, Condition: cond,
	}, opt)
}
