package api

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Default claim names. No end user can write a claim of either name in the common identity
// providers' default setups: Cognito puts user attributes in tokens only as custom:<name> (and
// groups, which only administrators assign, as cognito:groups), so "tenant" and "roles" come
// only from a pre-token-generation trigger; Auth0 adds claims only in Actions; Entra ID's
// "roles" are app roles an administrator assigns. docs/IDENTITY.md says which attributes each
// provider lets users write.
const (
	DefaultTenantClaim = "tenant"
	DefaultRolesClaim  = "roles"
)

// ClaimNames say which claim of a verified token is the caller's tenant and which its roles.
// Exactly one each: a caller's tenant and roles never come from whichever claim happens to be
// present. Both clouds' api functions read the token's claims with these rules (the AWS
// adapter after checking them against its authorizer's rendering, the GCP one from API
// Gateway's verified payload).
type ClaimNames struct {
	Tenant, Roles string
}

// TenantClaimAliases are the names tenant claims go by in other setups. A token that carries
// one of them with another value than its configured tenant claim is ambiguous (a user-written
// attribute next to the administrator's, say) and refused.
var TenantClaimAliases = []string{"tenant", "custom:tenant", "tenant_id", "custom:tenant_id", "tenantId"}

// CheckClaimName reports whether name can be a JWT claim name as ottkit configures them: not
// empty, no white space, at most 256 bytes.
func CheckClaimName(name string) error {
	if name == "" || len(name) > 256 || strings.ContainsFunc(name, unicode.IsSpace) {
		return fmt.Errorf("%q is not a claim name", name)
	}
	return nil
}

// Validate checks both names and that they differ.
func (n ClaimNames) Validate() error {
	var errs []error
	if err := CheckClaimName(n.Tenant); err != nil {
		errs = append(errs, fmt.Errorf("tenant claim: %w", err))
	}
	if err := CheckClaimName(n.Roles); err != nil {
		errs = append(errs, fmt.Errorf("roles claim: %w", err))
	}
	if n.Tenant == n.Roles && n.Tenant != "" {
		errs = append(errs, fmt.Errorf("%q is the tenant claim too; tenant and roles are two claims", n.Roles))
	}
	return errors.Join(errs...)
}

// Caller reads the caller of subject from the verified claims, with their JSON types: the
// tenant claim must be one string, and no tenant alias may name another tenant; the roles claim
// is a list of strings or one string taken whole (a group named "former uploader" never grants
// "uploader"). Absent claims leave the tenant or roles empty, which the stage refuses or
// treats as no role.
func (n ClaimNames) Caller(subject string, claims map[string]any) (*Caller, error) {
	c := &Caller{Subject: subject}
	if v, ok := claims[n.Tenant]; ok {
		s, isString := v.(string)
		if !isString {
			return nil, fmt.Errorf("claim %s must be one string", n.Tenant)
		}
		c.Tenant = s
	}
	for _, alias := range TenantClaimAliases {
		if v, ok := claims[alias]; ok && alias != n.Tenant {
			if s, isString := v.(string); !isString || s != c.Tenant {
				return nil, fmt.Errorf("claims %s and %s name different tenants", n.Tenant, alias)
			}
		}
	}
	switch v := claims[n.Roles].(type) {
	case nil:
	case string:
		c.Roles = []string{v} // one role, spaces and all
	case []any:
		for _, r := range v {
			s, ok := r.(string)
			if !ok {
				return nil, fmt.Errorf("claim %s must list strings", n.Roles)
			}
			c.Roles = append(c.Roles, s)
		}
	default:
		return nil, fmt.Errorf("claim %s must be a string or a list of strings", n.Roles)
	}
	return c, nil
}
