package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/cmd/ottkit/keys"
	"github.com/ottkit/ottkit/components/platform"
)

func init() { register(newKeysCmd) }

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Generate, rotate and retire a stack's edge viewer-token signing keys",
	}
	cmd.AddCommand(newKeysRotateCmd())
	return cmd
}

func newKeysRotateCmd() *cobra.Command {
	var stack, projectDir string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "rotate --stack NAME",
		Short: "Take the next step of the edge key rotation (generate, add, switch, retire)",
		Long: `rotate moves a stack with ottkit:edge: cloudflare one step through the key rotation
that never breaks a viewer, and says what to do next:

  generate  the first key: private half to Secrets Manager, public key to the stack file
  add       the next key next to the current one; deploy, so the edge trusts both
  switch    the api signs with the next key (the signing secret); deploy
  retire    once the token lifetime (ottkit:playbackTtl) has passed since the switch,
            the old public key leaves the stack file and its secret is deleted; deploy

Private halves are stored only in Secrets Manager (<customer>-<env>-edge-key-<id> and the
api's <customer>-<env>-edge-signing), never in the stack file or Pulumi state. --dry-run
prints the remaining steps and changes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return fmt.Errorf("keys rotate: --stack is required")
			}
			project, err := findProject(projectDir)
			if err != nil {
				return err
			}
			cfg, err := platform.ReadStackConfig(project.dir, stack)
			if err != nil {
				return err
			}
			if cfg["ottkit:edge"] != platform.EdgeCloudflare {
				return fmt.Errorf("keys rotate: stack %s has no edge (set ottkit:edge: cloudflare and its ottkit:cloudflare* keys first)", stack)
			}
			ttl, err := strconv.Atoi(cfg["ottkit:playbackTtl"])
			if err != nil {
				return fmt.Errorf("keys rotate: ottkit:playbackTtl %q: %w", cfg["ottkit:playbackTtl"], err)
			}
			ctx := ctxOf(cmd)
			awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(cfg[platform.RegionKey]))
			if err != nil {
				return fmt.Errorf("keys rotate: AWS configuration: %w", err)
			}
			r := &keys.Rotator{
				Prefix:        cfg["ottkit:customer"] + "-" + cfg["ottkit:environment"],
				File:          filepath.Join(project.dir, project.StackConfigDir, "Pulumi."+stack+".yaml"),
				Secrets:       keys.SecretsManager{Client: secretsmanager.NewFromConfig(awsCfg)},
				TokenLifetime: time.Duration(ttl) * time.Second,
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
	cmd.Flags().StringVar(&stack, "stack", "", "stack whose keys to rotate (stacks/Pulumi.NAME.yaml)")
	cmd.Flags().StringVar(&projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the remaining steps; change nothing")
	return cmd
}
