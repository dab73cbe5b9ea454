package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/functions/local/devjwt"
)

// DefaultDataDir is where `ottkit dev` keeps its buckets, catalog, queues and keys unless
// --data-dir says otherwise; .gitignore lists it.
const DefaultDataDir = ".ottkit"

// jwtKeyPath is the dev platform's token signing key inside its data directory.
func jwtKeyPath(dataDir string) string { return filepath.Join(dataDir, "keys", "jwt.pem") }

// tenantPattern is the api stage's rule for tenants: safe as a key segment.
var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

func newDevTokenCmd(dataDir *string) *cobra.Command {
	var (
		tenant, subject string
		roles           []string
		ttl             time.Duration
	)
	cmd := &cobra.Command{
		Use:   "token --tenant T [--role R]...",
		Short: "Mint a JWT the dev platform's API accepts",
		Long: `token prints a bearer token for the local API, signed by the key the dev platform generated
in its data directory (made now if this is the first use). Send it as
"Authorization: Bearer <token>". The uploader role may create uploads; any token may read its
tenant's assets and get playback cookies.`,
		Example: `  ottkit dev token --tenant acme --role uploader
  curl -H "Authorization: Bearer $(ottkit dev token --tenant acme)" http://127.0.0.1:8080/api/assets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !tenantPattern.MatchString(tenant) {
				return fmt.Errorf("dev token: --tenant %q must be 1 to 63 letters, digits, - or _, starting with a letter or digit", tenant)
			}
			key, err := devjwt.LoadOrCreate(jwtKeyPath(*dataDir))
			if err != nil {
				return err
			}
			tok, err := key.Mint(devjwt.Claims{Subject: subject, Tenant: tenant, Roles: roles}, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant the token acts for (required)")
	cmd.Flags().StringSliceVar(&roles, "role", nil, "role to grant, e.g. uploader (repeatable)")
	cmd.Flags().StringVar(&subject, "subject", "dev", "the token's subject (sub)")
	cmd.Flags().DurationVar(&ttl, "ttl", 12*time.Hour, "how long the token is valid")
	cmd.MarkFlagRequired("tenant")
	return cmd
}
