package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/api"
	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/cfsessions"
	"github.com/ottkit/ottkit/functions/aws/kvsfake"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/edge/cloudfront"
	"github.com/ottkit/ottkit/functions/pipeline"
)

var admin = map[string]string{"sub": "ops1", "custom:tenant": "acme", "cognito:groups": "[admin]"}

// TestEdgeSessions: on a stack with ottkit:edgeSessions ip, the playback grant carries a
// session cookie under the store's key, bound to the address the API behaviour's function
// forwards, and an admin's revocations land in the store under the entries session.js reads.
func TestEdgeSessions(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "ready1", "acme", pipeline.StatusReady, f.now)
	fake := kvsfake.New(t)
	arn := fake.CreateStore("123456789012")
	rec.Name(manifest.SessionStore, arn)
	sessions := cfsessions.New(fake.Client(awstest.Config(rec)), arn)
	sessions.Now = func() time.Time { return f.now }
	f.h.WithSessions(api.Config{EdgeSessions: manifest.EdgeSessionsIP, SessionsKVSARN: arn}, sessions)

	req := request(t, "POST", "/assets/ready1/playback", "", viewer)
	req.Headers[api.ViewerIPHeader] = "203.0.113.9"
	resp, body := f.do(t, req)
	if resp.StatusCode != 200 || body["sessionId"] != "0b9f7c2e-1111-4222-8333-444455556666" || len(resp.Cookies) != 4 {
		t.Fatalf("playback: %d %v %v", resp.StatusCode, body, resp.Cookies)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies {
		if hc, err := http.ParseSetCookie(c); err == nil && hc.Name == cloudfront.CookieName {
			session = hc
		}
	}
	if session == nil {
		t.Fatalf("no %s cookie in %v", cloudfront.CookieName, resp.Cookies)
	}
	items := fake.Items(arn)
	key := cloudfront.Key{ID: items[cloudfront.SigningKeyEntry], Secret: items[cloudfront.KeyEntry(items[cloudfront.SigningKeyEntry])]}
	issued := f.now.Truncate(time.Second)
	want, err := key.Cookie(cloudfront.Session{ID: "0b9f7c2e-1111-4222-8333-444455556666", Asset: "ready1",
		User: cloudfront.UserHash("acme", "v1"), Issued: issued, Expires: issued.Add(10 * time.Minute), ViewerIP: "203.0.113.9"})
	if err != nil {
		t.Fatal(err)
	}
	if session.Value != want.Value || session.Path != "/assets/ready1/" || !session.HttpOnly || !session.Secure {
		t.Errorf("session cookie %+v, want %s on /assets/ready1/, HttpOnly, Secure", session, want.Value)
	}

	t.Run("past the CDN", func(t *testing.T) {
		// The gateway's own endpoint: no forwarded address, so no session.
		resp, body := f.do(t, request(t, "POST", "/assets/ready1/playback", "", viewer))
		wantError(t, resp, body, 403, "forbidden")
	})
	t.Run("revoke a session", func(t *testing.T) {
		resp, body := f.do(t, request(t, "POST", "/revocations", `{"session":"0b9f7c2e-1111-4222-8333-444455556666"}`, admin))
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d %v", resp.StatusCode, body)
		}
		if _, ok := fake.Items(arn)[cloudfront.SessionEntry("0b9f7c2e-1111-4222-8333-444455556666")]; !ok {
			t.Errorf("store %v lacks the revoked session", fake.Items(arn))
		}
	})
	t.Run("revoke a user", func(t *testing.T) {
		resp, body := f.do(t, request(t, "POST", "/revocations", `{"subject":"v1"}`, admin))
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d %v", resp.StatusCode, body)
		}
		if v := fake.Items(arn)[cloudfront.UserEntry(cloudfront.UserHash("acme", "v1"))]; !strings.HasPrefix(v, "17") {
			t.Errorf("user not-before %q", v)
		}
	})
	t.Run("not an admin", func(t *testing.T) {
		resp, body := f.do(t, request(t, "POST", "/revocations", `{"subject":"v1"}`, viewer))
		wantError(t, resp, body, 403, "forbidden")
	})
}
