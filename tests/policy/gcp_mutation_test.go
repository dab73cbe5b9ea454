package policy_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudfunctionsv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/firestore"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/logging"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/policies"
)

var recordGCPFixtures = flag.Bool("record-gcp-fixtures", false,
	"write policies/fixtures/<rule>/data.json of the GCP rules from their mutations of the reference GCP stack")

const (
	// gcpReference is the stack the GCP mutations start from: production settings, a
	// data-residency list, geo rules and alerts by e-mail, so every GCP rule has something to
	// see (dev-gcp destroys its data, so the retention rules are advisory there).
	gcpReference = "acme-gcp"
	g            = "acme-prodgcp" // its platform name
)

// gcpMutation is one deliberate misconfiguration of the reference GCP stack; stackTypes,
// for a stack rule, are the resource types its fixture records.
type gcpMutation struct {
	mutation
	stackTypes []string
}

func gcpMutations() []gcpMutation {
	bucket := func(role string) string { return g + "-storage-" + role }
	onBucket := func(name, role, want string, f func(*storage.BucketArgs)) gcpMutation {
		return gcpMutation{mutation: mutation{name, "gcp:storage/bucket:Bucket", bucket(role), func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[storage.BucketArgs](a)
			if err == nil {
				f(p)
			}
			return err
		}, nil, want}}
	}
	onSub := func(name, target, want string, f func(*pubsub.SubscriptionArgs)) gcpMutation {
		return gcpMutation{mutation: mutation{name, "gcp:pubsub/subscription:Subscription", target, func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[pubsub.SubscriptionArgs](a)
			if err == nil {
				f(p)
			}
			return err
		}, nil, want}}
	}
	onFunction := func(name, fn, want string, f func(*cloudfunctionsv2.FunctionArgs)) gcpMutation {
		return gcpMutation{mutation: mutation{name, "gcp:cloudfunctionsv2/function:Function", g + "-fn-" + fn + "-function", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[cloudfunctionsv2.FunctionArgs](a)
			if err == nil {
				f(p)
			}
			return err
		}, nil, want}}
	}
	onDB := func(name, want string, f func(*firestore.DatabaseArgs)) gcpMutation {
		return gcpMutation{mutation: mutation{name, "gcp:firestore/database:Database", g + "-catalog-db", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[firestore.DatabaseArgs](a)
			if err == nil {
				f(p)
			}
			return err
		}, nil, want}}
	}
	member := func(name, typ, target, want string, f func(a *pulumi.ResourceTransformationArgs) error) gcpMutation {
		return gcpMutation{mutation: mutation{name, typ, target, f, nil, want}}
	}
	serviceConfig := func(p *cloudfunctionsv2.FunctionArgs) *cloudfunctionsv2.FunctionServiceConfigArgs {
		sc := *p.ServiceConfig.(*cloudfunctionsv2.FunctionServiceConfigArgs)
		p.ServiceConfig = &sc
		return &sc
	}
	public := pulumi.String("allUsers")
	return []gcpMutation{
		// storage
		onBucket("object ACLs on delivery", "delivery", "deny_gcs_uniform_access", func(p *storage.BucketArgs) { p.UniformBucketLevelAccess = pulumi.Bool(false) }),
		onBucket("ingest may go public", "ingest", "deny_gcs_public_access_prevention", func(p *storage.BucketArgs) { p.PublicAccessPrevention = pulumi.String("inherited") }),
		onBucket("logs without CMEK", "logs", "deny_gcs_cmek", func(p *storage.BucketArgs) { p.Encryption = nil }),
		onBucket("masters without soft delete", "masters", "deny_gcs_soft_delete", func(p *storage.BucketArgs) {
			p.SoftDeletePolicy = &storage.BucketSoftDeletePolicyArgs{RetentionDurationSeconds: pulumi.IntPtr(0)}
		}),
		onBucket("unversioned masters", "masters", "deny_gcs_masters_versioning", func(p *storage.BucketArgs) { p.Versioning = nil }),
		onBucket("uploads never expire", "ingest", "deny_gcs_ingest_expiration", func(p *storage.BucketArgs) {
			p.LifecycleRules = storage.BucketLifecycleRuleArray{storage.BucketLifecycleRuleArgs{
				Action:    storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("AbortIncompleteMultipartUpload")},
				Condition: storage.BucketLifecycleRuleConditionArgs{Age: pulumi.IntPtr(1)},
			}}
		}),
		onBucket("delivery without usage logs", "delivery", "deny_gcs_access_logs", func(p *storage.BucketArgs) { p.Logging = nil }),
		member("public logs bucket", "gcp:storage/bucketIAMMember:BucketIAMMember", bucket("logs")+"-writer", "deny_gcs_public_iam", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[storage.BucketIAMMemberArgs](a)
			if err == nil {
				p.Member = public
			}
			return err
		}),
		member("CDN fill reading the whole delivery bucket", "gcp:storage/bucketIAMMember:BucketIAMMember", g+"-delivery-fill-reads", "deny_gcp_reader_unconditioned", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[storage.BucketIAMMemberArgs](a)
			if err == nil {
				p.Condition = nil
			}
			return err
		}),
		onBucket("logs outside the allowed regions", "logs", "deny_gcp_region", func(p *storage.BucketArgs) { p.Location = pulumi.String("us-central1") }),
		{mutation: mutation{"masters deleted with the stack", "gcp:storage/bucket:Bucket", bucket("masters"), func(*pulumi.ResourceTransformationArgs) error { return nil },
			[]pulumi.ResourceOption{pulumi.RetainOnDelete(false)}, "deny_gcp_stateful_retained"}},

		// iam
		member("editor for the builder", "gcp:projects/iAMMember:IAMMember", g+"-fn-builder-logs", "deny_gcp_primitive_roles", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[projects.IAMMemberArgs](a)
			if err == nil {
				p.Role = pulumi.String("roles/editor")
			}
			return err
		}),
		member("storage on the whole project", "gcp:projects/iAMMember:IAMMember", g+"-fn-builder-logs", "deny_gcp_project_data_grants", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[projects.IAMMemberArgs](a)
			if err == nil {
				p.Role = pulumi.String("roles/storage.objectViewer")
			}
			return err
		}),
		member("anyone publishes uploads", "gcp:pubsub/topicIAMMember:TopicIAMMember", g+"-ingest-publisher-storage", "deny_gcp_public_members", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[pubsub.TopicIAMMemberArgs](a)
			if err == nil {
				p.Member = public
			}
			return err
		}),
		member("ingest may rewrite bucket IAM", "gcp:projects/iAMCustomRole:IAMCustomRole", g+"-fn-ingest-grant-0-role", "deny_gcp_escalating_permissions", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[projects.IAMCustomRoleArgs](a)
			if err == nil {
				p.Permissions = pulumi.StringArray{pulumi.String("storage.objects.get"), pulumi.String("storage.buckets.setIamPolicy")}
			}
			return err
		}),

		// functions
		member("anyone invokes ingest", "gcp:cloudrunv2/serviceIamMember:ServiceIamMember", g+"-fn-ingest-invoker-push", "deny_gcf_public_invoker", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[cloudrunv2.ServiceIamMemberArgs](a)
			if err == nil {
				p.Member = public
			}
			return err
		}),
		onFunction("ingest open to the internet", "ingest", "deny_gcf_ingress", func(p *cloudfunctionsv2.FunctionArgs) {
			serviceConfig(p).IngressSettings = pulumi.String("ALLOW_ALL")
		}),
		onFunction("transcode as the compute account", "transcode", "deny_gcf_service_account", func(p *cloudfunctionsv2.FunctionArgs) {
			serviceConfig(p).ServiceAccountEmail = pulumi.String("123456789012-compute@developer.gserviceaccount.com")
		}),
		onFunction("complete built as the default account", "complete", "deny_gcf_build_service_account", func(p *cloudfunctionsv2.FunctionArgs) {
			bc := *p.BuildConfig.(*cloudfunctionsv2.FunctionBuildConfigArgs)
			bc.ServiceAccount = nil
			p.BuildConfig = &bc
		}),

		// queues
		onSub("ingest without dead letters", g+"-ingest-push-sub", "deny_pubsub_dead_letter", func(p *pubsub.SubscriptionArgs) { p.DeadLetterPolicy = nil }),
		onSub("unauthenticated transcode pushes", g+"-transcode-push-sub", "deny_pubsub_push_oidc", func(p *pubsub.SubscriptionArgs) {
			p.PushConfig = &pubsub.SubscriptionPushConfigArgs{PushEndpoint: pulumi.String("https://europe-west4-acme-media-prod.cloudfunctions.net/x")}
		}),
		onSub("dead letters expire", g+"-ingest-dlq-sub", "deny_pubsub_expiration", func(p *pubsub.SubscriptionArgs) { p.ExpirationPolicy = nil }),
		onSub("complete redelivers at once", g+"-complete-push-sub", "deny_pubsub_retry_policy", func(p *pubsub.SubscriptionArgs) { p.RetryPolicy = nil }),
		member("jobs topic without CMEK", "gcp:pubsub/topic:Topic", g+"-jobs-topic", "deny_pubsub_topic_cmek", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[pubsub.TopicArgs](a)
			if err == nil {
				p.KmsKeyName = nil
			}
			return err
		}),

		// catalog
		onDB("catalog without PITR", "deny_firestore_pitr", func(p *firestore.DatabaseArgs) {
			p.PointInTimeRecoveryEnablement = pulumi.String("POINT_IN_TIME_RECOVERY_DISABLED")
		}),
		onDB("catalog deletable", "deny_firestore_delete_protection", func(p *firestore.DatabaseArgs) {
			p.DeleteProtectionState = pulumi.String("DELETE_PROTECTION_DISABLED")
		}),
		onDB("catalog without CMEK", "deny_firestore_cmek", func(p *firestore.DatabaseArgs) { p.CmekConfig = nil }),

		// cdn
		member("TLS 1.0", "gcp:compute/sSLPolicy:SSLPolicy", g+"-delivery-tls", "deny_gcp_ssl_policy_tls", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[compute.SSLPolicyArgs](a)
			if err == nil {
				p.MinTlsVersion = pulumi.String("TLS_1_0")
			}
			return err
		}),
		member("proxy without SSL policy", "gcp:compute/targetHttpsProxy:TargetHttpsProxy", g+"-delivery-https", "deny_gcp_https_proxy_ssl_policy", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[compute.TargetHttpsProxyArgs](a)
			if err == nil {
				p.SslPolicy = nil
			}
			return err
		}),
		member("backend without edge policy", "gcp:compute/backendBucket:BackendBucket", g+"-delivery-backend", "deny_gcp_cdn_edge_policy", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[compute.BackendBucketArgs](a)
			if err == nil {
				p.EdgeSecurityPolicy = nil
			}
			return err
		}),
		{mutation: member("signed responses cached without bound", "gcp:compute/backendBucket:BackendBucket", g+"-delivery-backend", "stack_deny_gcp_cdn_signed_requests", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[compute.BackendBucketArgs](a)
			if err == nil {
				p.CdnPolicy = &compute.BackendBucketCdnPolicyArgs{CacheMode: pulumi.String("CACHE_ALL_STATIC"), ClientTtl: pulumi.IntPtr(600)}
			}
			return err
		}).mutation, stackTypes: []string{"gcp:compute/backendBucket:BackendBucket"}},
		{mutation: member("media over plain HTTP", "gcp:compute/uRLMap:URLMap", g+"-delivery-redirect", "stack_deny_gcp_http_redirect", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[compute.URLMapArgs](a)
			if err == nil {
				p.DefaultUrlRedirect = nil
				p.DefaultService = pulumi.String("https://www.googleapis.com/compute/v1/projects/acme-media-prod/global/backendBuckets/acme-prodgcp-delivery-media")
			}
			return err
		}).mutation, stackTypes: []string{"gcp:compute/targetHttpProxy:TargetHttpProxy", "gcp:compute/uRLMap:URLMap"}},

		// governance
		member("logs kept forever by default", "gcp:logging/projectBucketConfig:ProjectBucketConfig", g+"-alerts-logs", "deny_gcp_log_retention", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[logging.ProjectBucketConfigArgs](a)
			if err == nil {
				p.RetentionDays = nil
			}
			return err
		}),
		member("key never rotates", "gcp:kms/cryptoKey:CryptoKey", g+"-key-key", "deny_gcp_kms_rotation", func(a *pulumi.ResourceTransformationArgs) error {
			p, err := props[kms.CryptoKeyArgs](a)
			if err == nil {
				p.RotationPeriod = pulumi.String("31536000s")
			}
			return err
		}),
	}
}

// gcpPlan runs the reference GCP stack with the transformations and returns the violated
// rules, the violations and the policy inputs of its resources by logical name.
func gcpPlan(t *testing.T, transformations ...pulumi.ResourceTransformation) (map[string]policies.Level, []policies.Violation, []policies.Resource) {
	t.Helper()
	return planStack(t, gcpReference, platform.Program, transformations...)
}

// fixtureInput is what a rule's fixture records of a planned stack: the target resource's
// input for a resource rule, or {resources: [...]} of the rule's types for a stack rule.
func fixtureInput(m gcpMutation, rs []policies.Resource) map[string]any {
	if len(m.stackTypes) == 0 {
		for _, r := range rs {
			if r.Type == m.typ && r.Name == m.target {
				return r.Input()
			}
		}
		return nil
	}
	var list []any
	for _, r := range rs {
		for _, typ := range m.stackTypes {
			if r.Type == typ {
				in := r.Input()
				if r.PropertyDependencies != nil {
					pd := map[string]any{}
					for k, urns := range r.PropertyDependencies {
						var us []any
						for _, u := range urns {
							us = append(us, u)
						}
						pd[k] = us
					}
					in["propertyDependencies"] = pd
				}
				list = append(list, in)
			}
		}
	}
	return map[string]any{"resources": list}
}

func TestGCPMutations(t *testing.T) {
	ms := gcpMutations()
	if len(ms) < 25 {
		t.Fatalf("got %d GCP mutations, want at least 25", len(ms))
	}
	baseRules, baseViolations, baseResources := gcpPlan(t)
	if len(baseRules) != 0 {
		t.Fatalf("the reference stack %s violates %v: %v", gcpReference, baseRules, baseViolations)
	}
	for _, m := range ms {
		t.Run(m.name, func(t *testing.T) {
			var applied atomic.Int32
			var changeErr atomic.Value
			transform := func(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
				if args.Type != m.typ || args.Name != m.target {
					return nil
				}
				applied.Add(1)
				if err := m.change(args); err != nil {
					changeErr.Store(err)
				}
				return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: append(args.Opts, m.opts...)}
			}
			rules, vs, rs := gcpPlan(t, transform)
			if err, _ := changeErr.Load().(error); err != nil {
				t.Fatalf("applying the mutation: %v", err)
			}
			if got := applied.Load(); got != 1 {
				t.Fatalf("the mutation matched %d resources (%s %s), want 1", got, m.typ, m.target)
			}
			got := make([]string, 0, len(rules))
			for r := range rules {
				got = append(got, r)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != m.want {
				t.Errorf("caught by %v, want by %s alone; violations: %v", got, m.want, vs)
			}
			if *recordGCPFixtures {
				fx := map[string]any{"pass": fixtureInput(m, baseResources), "fail": fixtureInput(m, rs)}
				if m.want == "deny_gcp_region" {
					fx["config"] = map[string]any{m.want: map[string]any{"allowedRegions": []any{"europe-west1", "europe-west4"}}}
				}
				b, err := json.MarshalIndent(fx, "", " ")
				if err != nil {
					t.Fatal(err)
				}
				dir := filepath.Join(projectDir, "policies", "fixtures", m.want)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "data.json"), append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
