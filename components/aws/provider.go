package aws

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StackProviderArgs returns the settings the stack's default AWS provider runs with: every
// aws:* key of the stack's configuration (profile, credentials and their files, assumeRole,
// allowedAccountIds, forbiddenAccountIds, defaultTags, ignoreTags, retries, endpoints, ...),
// with the region replaced by region. An explicit provider a program adds, for us-east-1 or
// for another account, built from them reaches AWS the way the stack's own provider does:
// the same credentials, the same account guard, the same default tags. Secret values stay
// secret. The keys are those of the provider's schema (aws.ProviderArgs), so a setting a newer
// provider adds is carried as well; a value that does not decode is an error naming its key.
func StackProviderArgs(ctx *pulumi.Context, region string) (*aws.ProviderArgs, error) {
	args := &aws.ProviderArgs{}
	target := reflect.ValueOf(args).Elem()
	plain := args.ElementType() // the plain struct, whose tags are the config keys
	for i := 0; i < plain.NumField(); i++ {
		f := plain.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if key == "" || key == "region" {
			continue
		}
		raw, ok := ctx.GetConfig("aws:" + key)
		if !ok {
			continue
		}
		v, err := decodeProviderSetting(raw, f.Type)
		if err != nil {
			return nil, fmt.Errorf("aws:%s: %w", key, err)
		}
		out := pulumi.ToOutput(v)
		if ctx.IsConfigSecret("aws:" + key) {
			out = pulumi.ToSecret(out)
		}
		field := target.FieldByName(f.Name)
		if !field.IsValid() || !reflect.TypeOf(out).AssignableTo(field.Type()) {
			return nil, fmt.Errorf("aws:%s: cannot carry a %s to an explicit provider", key, f.Type)
		}
		field.Set(reflect.ValueOf(out))
	}
	args.Region = pulumi.String(region)
	return args, nil
}

// decodeProviderSetting turns a configuration value, as Pulumi passes it to programs (strings
// as they are, everything else as JSON), into the provider's plain type t.
func decodeProviderSetting(raw string, t reflect.Type) (any, error) {
	p := reflect.New(t)
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.String {
		s := raw
		p.Elem().Set(reflect.ValueOf(&s))
		return p.Elem().Interface(), nil
	}
	if err := json.Unmarshal([]byte(raw), p.Interface()); err != nil {
		return nil, fmt.Errorf("%q is not a valid %s: %w", raw, t, err)
	}
	return p.Elem().Interface(), nil
}
