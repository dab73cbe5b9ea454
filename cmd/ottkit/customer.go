package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/cmd/ottkit/customer"
	"github.com/ottkit/ottkit/cmd/ottkit/keys"
)

func init() { register(newCustomerCmd) }

// newCustomerCmd is `ottkit customer`: create and review the stack files of customer
// environments, one stacks/Pulumi.<customer>-<env>.yaml each.
func newCustomerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "customer",
		Short: "Create and list customer stacks (stacks/Pulumi.<customer>-<env>.yaml)",
		Long: `A consultancy runs one isolated platform per customer environment. Each is a stack whose
configuration lives in stacks/Pulumi.<customer>-<env>.yaml: "customer new" writes one from a
validated spec, "customer list" shows them all and whether each validates.`,
		// Without this, cobra answers an unknown subcommand with help and exit status 0.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("customer: give a subcommand: new or list")
			}
			return fmt.Errorf("customer: unknown subcommand %q (want new or list)", args[0])
		},
	}
	cmd.AddCommand(newCustomerNewCmd(), newCustomerListCmd())
	return cmd
}

func newCustomerNewCmd() *cobra.Command {
	var o customer.NewOptions
	var waf, generateKey bool
	cmd := &cobra.Command{
		Use:   "new NAME --cloud aws|gcp --region REGION [--project P] [--env prod] [--domain D --certificate-arn ARN] [--from STACK]",
		Short: "Write stacks/Pulumi.NAME-ENV.yaml for a new customer environment",
		Long: `Write stacks/Pulumi.NAME-ENV.yaml from a validated spec. NAME must be DNS-safe: it starts
every resource and bucket name. It refuses to overwrite an existing stack file, and checks that
the file it wrote reads back to the same spec.

--from STACK starts from another stack's settings (ladder, storage tiers, retention, WAF, tags,
...). From another customer's stack it leaves out everything that belongs to that customer:
its account (assumeRoleArn), allowed regions, identity provider and audiences, signing keys,
upload origins and alert e-mail; give the new customer's with flags. The domain and certificate
always come from flags: two platforms cannot serve one host name.

Configuration keys and their flags: ottkit:customer NAME, ottkit:environment --env,
ottkit:cloud --cloud, aws:region (gcp:region on gcp) --region, gcp:project --project,
ottkit:domain --domain, ottkit:certificateArn
--certificate-arn, ottkit:assumeRoleArn --assume-role-arn, ottkit:jwtIssuer --jwt-issuer,
ottkit:jwtAudience --jwt-audience, ottkit:signingPublicKeys --signing-key (or
--generate-signing-key), ottkit:alertEmail
--alert-email, ottkit:waf --waf (on by default for prod and production, as the policy pack
requires). Edit the written file for everything else.`,
		Example: `  ottkit customer new acme --cloud aws --region eu-west-1 --env prod \
    --assume-role-arn arn:aws:iam::210987654321:role/ottkit-deployer \
    --jwt-issuer https://login.acme.example/ --jwt-audience acme-player \
    --signing-key keys/acme-prod.pub.pem
  ottkit customer new acme --cloud aws --region eu-west-1 --env staging --from acme-prod
  ottkit customer new acme --cloud gcp --project acme-media-prod --region europe-west4 \
    --domain media.acme.example --jwt-issuer https://login.acme.example/ --jwt-audience acme-player`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if cmd.Flags().Changed("waf") {
				o.WAF = &waf
			}
			if generateKey {
				o.GenerateSigningKey = func(prefix string) (string, error) {
					awsCfg, err := stackAWSConfig(ctxOf(cmd), o.Region, o.AssumeRoleArn, prefix)
					if err != nil {
						return "", err
					}
					r := &keys.CloudFrontRotator{Prefix: prefix, Secrets: keys.SecretsManager{Client: secretsmanager.NewFromConfig(awsCfg)}}
					return r.FirstKey(ctxOf(cmd))
				}
			}
			project, err := findProject(o.ProjectDir)
			if err != nil {
				return err
			}
			o.ProjectDir = project.dir
			path, spec, err := customer.New(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\nnext: ottkit plan --stack %s, then ottkit stamp up --customer %s --env %s\n",
				path, spec.Prefix(), spec.Customer, spec.Environment)
			if spec.Cloud == "aws" && spec.Domain == "" && !slices.Contains(defaultCertificateEnvironments, spec.Environment) {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s has no --domain, so CloudFront would serve it with its default "+
					"certificate, which the policy pack (deny_cloudfront_tls) allows only for %s environments: "+
					"add ottkit:domain and ottkit:certificateArn before `ottkit plan`\n",
					spec.Prefix(), strings.Join(defaultCertificateEnvironments, " and "))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.ProjectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	fl.StringVar(&o.Cloud, "cloud", "", "cloud to deploy to (aws or gcp)")
	fl.StringVar(&o.Region, "region", "", "cloud region, e.g. eu-west-1 or europe-west1")
	fl.StringVar(&o.Project, "project", "", "GCP project id (gcp:project), with --cloud gcp")
	fl.StringVar(&o.Env, "env", "prod", "environment name")
	fl.StringVar(&o.Domain, "domain", "", "custom playback host name (needs --certificate-arn)")
	fl.StringVar(&o.CertificateArn, "certificate-arn", "", "ACM certificate in us-east-1 for --domain")
	fl.StringVar(&o.From, "from", "", "existing stack whose settings to start from")
	fl.StringVar(&o.AssumeRoleArn, "assume-role-arn", "", "IAM role in the customer's own AWS account to deploy with")
	fl.StringVar(&o.JWTIssuer, "jwt-issuer", "", "https URL of the customer's identity provider")
	fl.StringSliceVar(&o.JWTAudience, "jwt-audience", nil, "audience the API accepts (repeatable)")
	fl.StringArrayVar(&o.SigningKeyFiles, "signing-key", nil, "file with an RSA-2048 public key in PEM, for signed cookies (repeatable, at most 2)")
	fl.BoolVar(&generateKey, "generate-signing-key", false, "instead of --signing-key: generate the first CloudFront key pair, its private half into Secrets Manager (ottkit keys; the next ottkit keys rotate --kind cloudfront after the first deploy signs with it)")
	fl.StringVar(&o.AlertEmail, "alert-email", "", "e-mail address for alarms")
	fl.BoolVar(&waf, "waf", false, "put a WAF web ACL in front of the CDN (default: on for prod and production)")
	_ = cmd.MarkFlagRequired("cloud")
	_ = cmd.MarkFlagRequired("region")
	return cmd
}

// defaultCertificateEnvironments are the environments the policy pack lets use CloudFront's
// default certificate (deny_cloudfront_tls's default defaultCertificateEnvironments).
var defaultCertificateEnvironments = []string{"dev", "test"}

func newCustomerListCmd() *cobra.Command {
	var projectDir string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show every stack file and whether its configuration validates",
		Long: `Show every stacks/Pulumi.*.yaml: customer, environment, cloud, region, domain, and whether its
configuration validates, with the first problem when it does not. The exit status is non-zero
when any stack file does not validate, so CI can run it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			project, err := findProject(projectDir)
			if err != nil {
				return err
			}
			stacks, err := customer.List(project.dir)
			if err != nil {
				return err
			}
			if err := customer.WriteTable(cmd.OutOrStdout(), stacks); err != nil {
				return err
			}
			if n := customer.Invalid(stacks); n > 0 {
				return fmt.Errorf("customer list: %d of %d stack file(s) do not validate", n, len(stacks))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	return cmd
}
