package platform

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// ReadStackConfig returns the configuration `pulumi up` would pass to the program of stack:
// the stack file <stackConfigDir>/Pulumi.<stack>.yaml merged over the defaults of the typed
// config block in projectDir/Pulumi.yaml, each value checked against its declared type, in the
// form programs receive it ("namespace:key" to text, structured values as JSON). It reads the
// files with Pulumi's own loaders, so shorthand keys ("customer:" for "ottkit:customer:") and
// value types behave as under the CLI. Secret (secure:) values cannot be read offline and are
// an error naming the key.
func ReadStackConfig(projectDir, stack string) (map[string]string, error) {
	projectPath := filepath.Join(projectDir, "Pulumi.yaml")
	proj, err := workspace.LoadProject(projectPath)
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	dir := projectDir
	if proj.StackConfigDir != "" {
		dir = filepath.Join(projectDir, proj.StackConfigDir)
	}
	stackPath := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackPath); err != nil {
		return nil, fmt.Errorf("platform: stack %q: %w", stack, err)
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: "never"})
	ps, err := workspace.LoadProjectStack(sink, proj, stackPath)
	if err != nil {
		return nil, fmt.Errorf("platform: %s: %w", stackPath, err)
	}
	if secure := ps.Config.SecureKeys(); len(secure) > 0 {
		names := make([]string, len(secure))
		for i, k := range secure {
			names[i] = k.String()
		}
		return nil, fmt.Errorf("platform: %s: %s hold secrets, which cannot be decrypted offline",
			stackPath, strings.Join(names, ", "))
	}
	plain, err := ps.Config.Decrypt(config.NopDecrypter)
	if err != nil {
		return nil, fmt.Errorf("platform: %s: %w", stackPath, err)
	}
	out := make(map[string]string, len(plain))
	for k, v := range plain {
		out[k.String()] = v
	}

	var errs []error
	project := proj.Name.String()
	for _, name := range slices.Sorted(maps.Keys(proj.Config)) {
		decl := proj.Config[name]
		full := name
		if !strings.Contains(name, ":") {
			full = project + ":" + name
		}
		ns, _, _ := strings.Cut(full, ":")
		if ns != project {
			// Another namespace (aws:region) may only carry a value; the stack's wins.
			if _, set := out[full]; !set && decl.Value != nil {
				out[full] = encode(decl.Value)
			}
			continue
		}
		key := config.MustParseKey(full)
		if v, set := ps.Config[key]; set {
			if decl.IsExplicitlyTyped() {
				obj, err := v.ToObject()
				if err == nil && !workspace.ValidateConfigValue(decl.TypeName(), decl.Items, obj) {
					errs = append(errs, fmt.Errorf("%s: must be of type %s", full,
						workspace.InferFullTypeName(decl.TypeName(), decl.Items)))
				}
			}
			continue
		}
		switch {
		case decl.Default != nil:
			out[full] = encode(yamlToJSON(decl.Default))
		case decl.Value != nil:
			out[full] = encode(yamlToJSON(decl.Value))
		default:
			errs = append(errs, fmt.Errorf("%s: required by Pulumi.yaml but not set in %s", full, stackPath))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("platform: stack %q:\n%w", stack, errors.Join(errs...))
	}
	return out, nil
}

// LoadSpec reads the stack's configuration with ReadStackConfig and parses it with ParseSpec.
func LoadSpec(projectDir, stack string) (*Spec, error) {
	cfg, err := ReadStackConfig(projectDir, stack)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpec(cfg)
	if err != nil {
		return nil, fmt.Errorf("stack %q: %w", stack, err)
	}
	return s, nil
}

// yamlToJSON turns the map[any]any a YAML decoder may produce into map[string]any.
func yamlToJSON(v any) any {
	switch t := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[fmt.Sprint(k)] = yamlToJSON(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = yamlToJSON(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = yamlToJSON(x)
		}
		return out
	}
	return v
}
