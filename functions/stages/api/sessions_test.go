package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/api"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

var admin = &api.Caller{Subject: "ops1", Tenant: "acme", Roles: []string{api.RoleAdmin}}

func withSessions(t *testing.T, bindIP bool) (*fixture, *stagetest.EdgeSessions) {
	t.Helper()
	f := newFixture(t)
	s := stagetest.NewEdgeSessions()
	f.h.Sessions, f.h.BindSessionsToIP = s, bindIP
	n := 0
	f.h.NewID = func() string {
		n++
		return []string{"0b9f7c2e-1111-4222-8333-444455556666", "1c8e6b1d-2222-4333-9444-555566667777", "2d7d5a0c-3333-4444-a555-666677778888"}[n-1]
	}
	f.seed("ready1", "acme", pipeline.StatusReady)
	return f, s
}

func TestPlaybackIssuesAnEdgeSession(t *testing.T) {
	f, s := withSessions(t, false)
	resp, body := f.serve("POST", "/assets/ready1/playback", "", viewer)
	if resp.Status != 200 || body["sessionId"] != "0b9f7c2e-1111-4222-8333-444455556666" {
		t.Fatalf("playback = %d %v, want 200 with the session id", resp.Status, body)
	}
	if len(resp.Cookies) != 2 || resp.Cookies[1].Name != stagetest.SessionCookie || len(body["cookies"].([]any)) != 2 {
		t.Fatalf("cookies %v, want the CDN's and the session's, in Set-Cookie and the body", resp.Cookies)
	}
	got, _ := s.Session("0b9f7c2e-1111-4222-8333-444455556666")
	want := pipeline.Session{ID: "0b9f7c2e-1111-4222-8333-444455556666", Prefix: "/assets/ready1/", Tenant: "acme", Subject: "u2",
		Issued: f.now.Truncate(time.Second), Expires: f.now.Truncate(time.Second).Add(10 * time.Minute)}
	if got != want {
		t.Errorf("session %+v, want %+v", got, want)
	}
	if err := f.signer.Verify(resp.Cookies, "/assets/ready1/index.m3u8", f.now); err != nil {
		t.Errorf("the CDN's cookies still grant the asset: %v", err)
	}
	s.Fail("Issue", 1)
	if resp, body := f.serve("POST", "/assets/ready1/playback", "", viewer); resp.Status != 500 || len(resp.Cookies) != 0 {
		t.Errorf("a failing session store = %d %v, want an opaque 500 and no cookies", resp.Status, body)
	}
}

func TestPlaybackBindsTheSessionToTheViewerAddress(t *testing.T) {
	f, s := withSessions(t, true)
	resp := f.h.Serve(t.Context(), api.Request{Method: "POST", Path: "/assets/ready1/playback", Caller: viewer, ViewerIP: "2001:db8::5"})
	if resp.Status != 200 {
		t.Fatalf("playback = %d %s", resp.Status, resp.Body)
	}
	if got, _ := s.Session("0b9f7c2e-1111-4222-8333-444455556666"); got.ViewerIP != "2001:db8::5" {
		t.Errorf("session bound to %q, want 2001:db8::5", got.ViewerIP)
	}
	// Straight to the gateway, past the CDN: no address, so no unbound session either.
	resp, body := f.serve("POST", "/assets/ready1/playback", "", viewer)
	if resp.Status != 403 || body["error"] != api.CodeForbidden || len(resp.Cookies) != 0 {
		t.Errorf("playback without the viewer address = %d %v, want 403 and no cookies", resp.Status, body)
	}
}

func TestRevocations(t *testing.T) {
	f, s := withSessions(t, false)
	_, first := f.serve("POST", "/assets/ready1/playback", "", viewer)
	_, second := f.serve("POST", "/assets/ready1/playback", "", viewer)
	one, two := first["sessionId"].(string), second["sessionId"].(string)
	media := "/assets/ready1/720p/seg_1.m4s"
	if !s.Allowed(one, media, f.now) || !s.Allowed(two, media, f.now) {
		t.Fatal("fresh sessions are refused")
	}

	resp, body := f.serve("POST", "/revocations", `{"session":"`+one+`"}`, admin)
	if resp.Status != 200 || body["session"] != one || body["until"] != "2026-05-06T08:09:09Z" {
		t.Fatalf("revoke session = %d %v, want 200 until an hour and a minute on", resp.Status, body)
	}
	if s.Allowed(one, media, f.now) || !s.Allowed(two, media, f.now) {
		t.Error("revoking one session must refuse it and only it")
	}

	resp, body = f.serve("POST", "/revocations", `{"subject":"u2"}`, admin)
	if resp.Status != 200 || body["subject"] != "u2" || body["notBefore"] != "2026-05-06T07:08:10Z" {
		t.Fatalf("revoke user = %d %v", resp.Status, body)
	}
	if s.Allowed(two, media, f.now) {
		t.Error("revoking the user leaves its session working")
	}
	f.now = f.now.Add(2 * time.Second)
	_, third := f.serve("POST", "/assets/ready1/playback", "", viewer)
	if !s.Allowed(third["sessionId"].(string), media, f.now) {
		t.Error("a grant after the user's revocation is refused")
	}

	for _, c := range []struct {
		name, body string
		caller     *api.Caller
		status     int
	}{
		{"not an admin", `{"session":"` + one + `"}`, viewer, 403},
		{"no token", `{"session":"` + one + `"}`, nil, 401},
		{"both", `{"session":"` + one + `","subject":"u2"}`, admin, 400},
		{"neither", `{}`, admin, 400},
		{"not JSON", `session=` + one, admin, 400},
		{"not a session id", `{"session":"../../x"}`, admin, 400},
		{"over-long subject", `{"subject":"` + strings.Repeat("x", 300) + `"}`, admin, 400},
	} {
		if resp, body := f.serve("POST", "/revocations", c.body, c.caller); resp.Status != c.status {
			t.Errorf("%s: %d %v, want %d", c.name, resp.Status, body, c.status)
		}
	}
	if resp, _ := f.serve("GET", "/revocations", "", admin); resp.Status != 405 {
		t.Errorf("GET /revocations = %d, want 405", resp.Status)
	}
	s.Fail("RevokeUser", 1)
	if resp, body := f.serve("POST", "/revocations", `{"subject":"u2"}`, admin); resp.Status != 500 || body["message"] != "internal error" {
		t.Errorf("a failing store = %d %v, want an opaque 500", resp.Status, body)
	}
}

func TestRevocationsNeedSessions(t *testing.T) {
	f := newFixture(t)
	if resp, _ := f.serve("POST", "/revocations", `{"subject":"u2"}`, admin); resp.Status != 404 {
		t.Errorf("POST /revocations without edge sessions = %d, want 404", resp.Status)
	}
}
