package manifest

// EdgeSigningSecret is the Secrets Manager secret the api signs the Cloudflare edge's viewer
// tokens with (`ottkit keys rotate` writes its value, {"keyId","seed",...}; the component
// creates it empty, named <prefix>-edge-signing). Only a stack with ottkit:edge has it.
const EdgeSigningSecret Resource = "edge-signing-secret"

// EdgeDomain is the edge's media host name (ottkit:cloudflareHostname, no scheme).
const EdgeDomain Setting = "edge-domain"

// Extension is what one stack option adds to one function's contract: environment and
// permissions deployed only on stacks with the option, so every other stack's function gets
// neither the variable nor the grant.
type Extension struct {
	// Function is the name of the function it extends.
	Function string
	// Env and Permissions are appended to the function's own.
	Env         []EnvVar
	Permissions []Permission
	// TimeoutSeconds and MemoryMB, when not 0, replace the function's.
	TimeoutSeconds, MemoryMB int
}

// EdgeToken is the api's part of a Cloudflare edge (ottkit:edge: cloudflare): it issues the
// edge's viewer token next to CloudFront's signed cookies, and names the edge host in asset
// URLs for requests that came through the edge.
var EdgeToken = Extension{
	Function: "api",
	Env: []EnvVar{
		{Name: "EDGE_SIGNING_SECRET_ARN", From: EdgeSigningSecret, Attr: ARN},
		{Name: "EDGE_DOMAIN", Setting: EdgeDomain},
	},
	Permissions: []Permission{
		{Action: "secretsmanager:GetSecretValue", On: EdgeSigningSecret, Why: "the Ed25519 key the edge viewer token is signed with"},
	},
}

// With returns f with the environment and permissions of those exts that extend it (by
// name) appended; the others are ignored, so a stack's options can be applied to every
// function alike.
func (f Function) With(exts ...Extension) Function {
	for _, e := range exts {
		if e.Function != f.Name {
			continue
		}
		f.Env = append(append([]EnvVar(nil), f.Env...), e.Env...)
		f.Permissions = append(append([]Permission(nil), f.Permissions...), e.Permissions...)
		if e.TimeoutSeconds != 0 {
			f.TimeoutSeconds = e.TimeoutSeconds
		}
		if e.MemoryMB != 0 {
			f.MemoryMB = e.MemoryMB
		}
	}
	return f
}
