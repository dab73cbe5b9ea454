package platform

import (
	"github.com/ottkit/ottkit/components/cloudflare"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// Edge sessions (AWS): a CloudFront Function on the media behaviours that also requires the
// api's short session cookie, revocable per session or per user (docs/EDGE.md).
var sessionKeys = []Key{
	boolean("edgeSessions", false, "Require a revocable session cookie at CloudFront, besides the signed cookies: a CloudFront Function with a KeyValueStore on the media behaviours (aws only).", func(s *Spec) *bool { return &s.EdgeSessions }),
	str("edgeSessionBinding", manifest.EdgeSessionsNone, "What an edge session is bound to besides its asset: none, or ip (only the address the grant was requested from; breaks for viewers whose address changes mid-session).", func(s *Spec) *string { return &s.EdgeSessionBinding }),
}

func init() { Keys = append(Keys, sessionKeys...) }

// validateSessions checks the edge session keys.
func (s *Spec) validateSessions(p *problems) {
	switch s.EdgeSessionBinding {
	case manifest.EdgeSessionsNone, manifest.EdgeSessionsIP:
	default:
		p.add(k("edgeSessionBinding"), "%q must be none or ip", s.EdgeSessionBinding)
	}
	if !s.EdgeSessions {
		if s.EdgeSessionBinding != manifest.EdgeSessionsNone {
			p.add(k("edgeSessionBinding"), "means nothing without ottkit:edgeSessions: true")
		}
		return
	}
	if s.Edge.Provider == EdgeCloudflare && s.Edge.Mode == cloudflare.ModeOrigin {
		p.add(k("edgeSessions"), "the Cloudflare Worker of ottkit:cloudflareMode origin fetches from CloudFront with its own signed cookies and no viewer's session, so every fetch would be refused; use r2 mode or no edge sessions")
	}
}

// sessionsMode renders manifest.EdgeSessionsMode.
func (s *Spec) sessionsMode() string {
	if !s.EdgeSessions {
		return manifest.EdgeSessionsOff
	}
	return s.EdgeSessionBinding
}
