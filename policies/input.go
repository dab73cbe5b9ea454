package policies

import "github.com/open-policy-agent/opa/v1/ast"

// Resource is one resource as a policy sees it: what Pulumi's engine hands the analyzer
// (plugin.AnalyzerResource and AnalyzerStackResource), whichever source it came from.
type Resource struct {
	URN    string
	Type   string
	Name   string
	Parent string
	// Properties are the resource's inputs as plain JSON values.
	Properties map[string]any
	Protect    bool
	// RetainOnDelete is known to ottkit's sources but not passed by Pulumi's analyzer, so
	// Input only includes it when RetainOnDeleteKnown is set.
	RetainOnDelete      bool
	RetainOnDeleteKnown bool
	IgnoreChanges       []string
	Provider            *Provider // nil for components and providers themselves
	// Dependencies and PropertyDependencies are URNs the resource depends on (stack rules).
	Dependencies         []string
	PropertyDependencies map[string][]string
}

// Provider is the provider a resource is created with.
type Provider struct {
	URN        string
	Type       string // pulumi:providers:aws
	Name       string
	Properties map[string]any // its inputs, e.g. region and defaultTags
}

// Input returns the object the analyzer passes as input to resource rules: the properties at
// the top level, then type, urn, name, options, provider and properties, each also under a
// collision-safe __ name (pulumi-policy-opa buildOPAInput).
func (r Resource) Input() map[string]any {
	props := r.Properties
	if props == nil {
		props = map[string]any{}
	}
	ignore := make([]any, len(r.IgnoreChanges))
	for i, s := range r.IgnoreChanges {
		ignore[i] = s
	}
	opts := map[string]any{
		"protect":        r.Protect,
		"ignoreChanges":  ignore,
		"parent":         r.Parent,
		"customTimeouts": map[string]any{"create": 0.0, "update": 0.0, "delete": 0.0},
	}
	if r.RetainOnDeleteKnown {
		opts["retainOnDelete"] = r.RetainOnDelete
	}
	provider := map[string]any{}
	if r.Provider != nil {
		pp := r.Provider.Properties
		if pp == nil {
			pp = map[string]any{}
		}
		provider = map[string]any{"type": r.Provider.Type, "name": r.Provider.Name, "urn": r.Provider.URN,
			"properties": pp}
	}
	obj := make(map[string]any, len(props)+12)
	obj["type"] = r.Type
	obj["urn"] = r.URN
	obj["name"] = r.Name
	obj["options"] = opts
	obj["provider"] = provider
	obj["properties"] = props
	for k, v := range props {
		obj[k] = v
	}
	obj["__type"] = r.Type
	obj["__urn"] = r.URN
	obj["__name"] = r.Name
	obj["__options"] = opts
	obj["__properties"] = props
	obj["__provider"] = provider
	return obj
}

// stackInput returns the object stack rules see: every resource's Input plus its
// dependencies, under "resources" (pulumi-policy-opa buildStackOPAInput).
func stackInput(rs []Resource) map[string]any {
	list := make([]any, 0, len(rs))
	for _, r := range rs {
		obj := r.Input()
		for k, v := range r.dependencyFields() {
			obj[k] = v
		}
		list = append(list, obj)
	}
	return map[string]any{"resources": list}
}

// dependencyFields are the fields a resource's stack input has beyond its Input: dependencies
// and propertyDependencies, each when the engine reported them.
func (r Resource) dependencyFields() map[string]any {
	out := map[string]any{}
	if r.Dependencies != nil {
		deps := make([]any, len(r.Dependencies))
		for i, d := range r.Dependencies {
			deps[i] = d
		}
		out["dependencies"] = deps
	}
	if r.PropertyDependencies != nil {
		pd := make(map[string]any, len(r.PropertyDependencies))
		for k, urns := range r.PropertyDependencies {
			l := make([]any, len(urns))
			for i, u := range urns {
				l[i] = u
			}
			pd[k] = l
		}
		out["propertyDependencies"] = pd
	}
	return out
}

// addDependencies adds r's dependency fields to obj, r's converted Input.
func addDependencies(obj ast.Object, r Resource) error {
	for k, v := range r.dependencyFields() {
		value, err := ast.InterfaceToValue(v)
		if err != nil {
			return err
		}
		obj.Insert(ast.StringTerm(k), ast.NewTerm(value))
	}
	return nil
}
