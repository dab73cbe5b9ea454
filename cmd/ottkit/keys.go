package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"

	"github.com/ottkit/ottkit/cmd/ottkit/keys"
	"github.com/ottkit/ottkit/components/platform"
)

func init() { register(newKeysCmd) }

const keysLong = `keys moves one kind of a stack's playback signing keys through the rotation that never
breaks a viewer, one step per run, and says what to do next:

  generate  the first key (a stack without one)
  add       the next key next to the current one; deploy, so the CDN trusts both
  switch    the api signs with the next key
  retire    once every cookie or token the old key signed has expired (the lifetime since
            the switch, plus the api's key cache and a margin), the old key leaves the
            stack file; deploy

Kinds (--kind):
  cloudfront  RSA-2048 key pairs of the CloudFront key group (aws). Public keys in
              ottkit:signingPublicKeys; the pending private half in
              <customer>-<env>-cloudfront-next-key, the signing one (with the CloudFront key
              id, looked up in the deployed key group) in the api's
              <customer>-<env>-delivery-signing. Needs secretsmanager:GetSecretValue,
              PutSecretValue, CreateSecret and cloudfront:ListKeyGroups, GetPublicKey.
  cloudcdn    128-bit HMAC keys of the Cloud CDN delivery backend bucket (gcp). Key names in
              ottkit:cdnKeyNames and ottkit:cdnSigningKeyName; the values only in the
              backend bucket's keyset, the api's <customer>-<env>-signing secret and, while
              rotating, <customer>-<env>-signing-next (Secret Manager, created empty by the
              deploy). No step waits on a deploy: Cloud CDN trusts a key once
              addSignedUrlKey is done. Needs secretmanager.versions.add/access/list/destroy
              on those secrets and compute.backendBuckets.get, addSignedUrlKey and
              deleteSignedUrlKey.
  edge        Ed25519 viewer-token keys of the Cloudflare edge (ottkit:edge: cloudflare):
              ottkit:edgePublicKeys and ottkit:edgeSigningKeyId in the stack file, private
              halves in <customer>-<env>-edge-key-<id> and <customer>-<env>-edge-signing
              (Secrets Manager on aws, Secret Manager on gcp).

Private halves are stored only in the cloud's secret store, never in the stack file or in
Pulumi state. Every write of the stack file is validated as the program would validate it
and replaces the file atomically; secrets are written before the stack file, so a run
interrupted between the two is completed by the next run.`

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Generate, rotate and retire a stack's playback signing keys (CloudFront, Cloud CDN, Cloudflare edge)",
		Long:  keysLong,
	}
	cmd.AddCommand(newKeysRotateCmd(), newKeysStatusCmd())
	return cmd
}

// keysFlags are the flags of every keys subcommand.
type keysFlags struct {
	stack, kind, projectDir string
}

func (f *keysFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack whose keys to rotate (stacks/Pulumi.NAME.yaml)")
	cmd.Flags().StringVar(&f.kind, "kind", "", "kind of key: cloudfront (aws), cloudcdn (gcp) or edge")
	cmd.Flags().StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
}

// rotation builds the Rotation the flags name, with the cloud's clients.
func (f *keysFlags) rotation(ctx context.Context, verb string) (keys.Rotation, error) {
	if f.stack == "" {
		return nil, fmt.Errorf("keys %s: --stack is required", verb)
	}
	switch f.kind {
	case keys.KindCloudFront, keys.KindCloudCDN, keys.KindEdge:
	case "":
		return nil, fmt.Errorf("keys %s: --kind is required: %s (the CloudFront key group, aws), %s (the Cloud CDN keyset, gcp) or %s (the Cloudflare edge's viewer tokens)", verb, keys.KindCloudFront, keys.KindCloudCDN, keys.KindEdge)
	default:
		return nil, fmt.Errorf("keys %s: --kind %q: want %s, %s or %s", verb, f.kind, keys.KindCloudFront, keys.KindCloudCDN, keys.KindEdge)
	}
	project, err := findProject(f.projectDir)
	if err != nil {
		return nil, err
	}
	cfg, err := platform.ReadStackConfig(project.dir, f.stack)
	if err != nil {
		return nil, err
	}
	ttl, err := strconv.Atoi(cfg["ottkit:playbackTtl"])
	if err != nil {
		return nil, fmt.Errorf("keys %s: ottkit:playbackTtl %q: %w", verb, cfg["ottkit:playbackTtl"], err)
	}
	file := filepath.Join(project.dir, project.StackConfigDir, "Pulumi."+f.stack+".yaml")
	prefix := cfg["ottkit:customer"] + "-" + cfg["ottkit:environment"]
	cloud := cfg["ottkit:cloud"]
	if cloud == "" {
		cloud = platform.CloudAWS
	}
	switch f.kind {
	case keys.KindEdge:
		if cfg["ottkit:edge"] != platform.EdgeCloudflare {
			return nil, fmt.Errorf("keys %s: stack %s has no edge (set ottkit:edge: cloudflare and its ottkit:cloudflare* keys first)", verb, f.stack)
		}
	case keys.KindCloudFront:
		if cloud != platform.CloudAWS {
			return nil, fmt.Errorf("keys %s: stack %s is on %s; CloudFront keys belong to aws stacks", verb, f.stack, cloud)
		}
	case keys.KindCloudCDN:
		if cloud != platform.CloudGCP {
			return nil, fmt.Errorf("keys %s: stack %s is on %s; Cloud CDN keys belong to gcp stacks", verb, f.stack, cloud)
		}
	}
	lifetime := time.Duration(ttl) * time.Second
	if cloud == platform.CloudGCP {
		project := cfg[platform.GCPProjectKey]
		sm, err := secretmanager.NewClient(ctx)
		if err != nil {
			return nil, fmt.Errorf("keys %s: Secret Manager client: %w", verb, err)
		}
		secrets := keys.SecretManager{Client: sm, Project: project}
		if f.kind == keys.KindEdge {
			// The edge's per-key secrets are the command's own, encrypted with the stack key.
			secrets.Region = cfg[platform.GCPRegionKey]
			secrets.KMSKey = fmt.Sprintf("projects/%s/locations/%s/keyRings/%s-key-ring/cryptoKeys/%s-key", project, secrets.Region, prefix, prefix)
		}
		if f.kind == keys.KindEdge {
			return &keys.Rotator{Prefix: prefix, File: file, Secrets: secrets, TokenLifetime: lifetime}, nil
		}
		hc, _, err := htransport.NewClient(ctx, option.WithScopes("https://www.googleapis.com/auth/compute"))
		if err != nil {
			return nil, fmt.Errorf("keys %s: Compute Engine client: %w", verb, err)
		}
		return &keys.CloudCDNRotator{Prefix: prefix, File: file, Secrets: secrets,
			Keys:           keys.BackendBucketKeys{HTTP: hc, Project: project, BackendBucket: prefix + "-delivery-media"},
			CookieLifetime: lifetime}, nil
	}
	awsCfg, err := stackAWSConfig(ctx, cfg[platform.RegionKey], cfg["ottkit:assumeRoleArn"], prefix)
	if err != nil {
		return nil, fmt.Errorf("keys %s: %w", verb, err)
	}
	secrets := keys.SecretsManager{Client: secretsmanager.NewFromConfig(awsCfg)}
	if f.kind == keys.KindEdge {
		return &keys.Rotator{Prefix: prefix, File: file, Secrets: secrets, TokenLifetime: lifetime}, nil
	}
	return &keys.CloudFrontRotator{Prefix: prefix, File: file, Secrets: secrets,
		Trusted:        keys.CloudFront{Client: cloudfront.NewFromConfig(awsCfg)},
		CookieLifetime: time.Duration(ttl) * time.Second}, nil
}

// stackAWSConfig is the AWS configuration of a stack's account: the default credentials, through
// the stack's ottkit:assumeRoleArn when it has one (its secrets and key group are in the
// customer's account).
func stackAWSConfig(ctx context.Context, region, role, prefix string) (aws.Config, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if role != "" {
		awsCfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), role,
			func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "ottkit-keys-" + prefix }))
	}
	return awsCfg, nil
}

func newKeysRotateCmd() *cobra.Command {
	var f keysFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "rotate --stack NAME --kind KIND",
		Short: "Take the next step of a key rotation (generate, add, switch, retire)",
		Long:  keysLong + "\n\n--dry-run prints the remaining steps and changes nothing.",
		Example: `  ottkit keys rotate --stack acme-prod --kind cloudfront --dry-run
  ottkit keys rotate --stack acme-prod --kind cloudfront`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := ctxOf(cmd)
			r, err := f.rotation(ctx, "rotate")
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if dryRun {
				steps, err := r.Plan(ctx)
				if err != nil {
					return err
				}
				for i, s := range steps {
					fmt.Fprintf(out, "%d. %-8s %s\n", i+1, s.Name, s.Detail)
				}
				return nil
			}
			s, err := r.Next(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: %s\n", s.Name, s.Detail)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the remaining steps; change nothing")
	return cmd
}

func newKeysStatusCmd() *cobra.Command {
	var f keysFlags
	cmd := &cobra.Command{
		Use:   "status --stack NAME --kind KIND",
		Short: "Show a stack's keys of one kind, which one signs, and the next rotation step",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := ctxOf(cmd)
			r, err := f.rotation(ctx, "status")
			if err != nil {
				return err
			}
			st, err := r.Status(ctx)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), strings.TrimRight(st.String(), "\n")+"\n")
			return nil
		},
	}
	f.add(cmd)
	return cmd
}
