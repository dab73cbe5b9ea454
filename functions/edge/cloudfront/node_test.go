package cloudfront_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/edge/cloudfront"
)

func node(t *testing.T) string {
	t.Helper()
	n, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (.ci/deps installs it): %v", err)
	}
	return n
}

// TestFunctionUnderNode runs session.js's harness tests (test/*.test.mjs) under Node's test
// runner, so `go test ./...` covers them.
func TestFunctionUnderNode(t *testing.T) {
	out, err := exec.Command(node(t), "--test", "test/").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test test/: %v\n%s", err, out)
	}
}

type verdict struct {
	Pass   bool   `json:"pass"`
	Reason string `json:"reason"`
}

// verify runs session.js (harness/verify.mjs) over cases at now with the store's entries.
func verify(t *testing.T, now time.Time, entries map[string]string, cases []map[string]any) []verdict {
	t.Helper()
	in, err := json.Marshal(map[string]any{"now": now.Unix(), "entries": entries, "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node(t), "harness/verify.mjs")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node harness/verify.mjs: %v\n%s", err, stderr.String())
	}
	var got []verdict
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("verify.mjs printed %q: %v", out, err)
	}
	if len(got) != len(cases) {
		t.Fatalf("verify.mjs judged %d cases, want %d", len(got), len(cases))
	}
	return got
}

// TestGoCookiesPassTheFunction signs cookies with the Go code the api runs and has session.js
// judge them: the two sides agree on the format, the MAC and the address binding.
func TestGoCookiesPassTheFunction(t *testing.T) {
	key, err := cloudfront.NewKey("k7")
	if err != nil {
		t.Fatal(err)
	}
	other, err := cloudfront.NewKey("k8")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	sid, err := cloudfront.NewSessionID()
	if err != nil {
		t.Fatal(err)
	}
	user := cloudfront.UserHash("acme", "auth0|viewer-1")
	session := cloudfront.Session{ID: sid, Asset: "q3x7abc", User: user, Issued: now.Add(-time.Minute), Expires: now.Add(9 * time.Minute)}
	cookie := func(k cloudfront.Key, s cloudfront.Session) string {
		t.Helper()
		c, err := k.Cookie(s)
		if err != nil {
			t.Fatal(err)
		}
		if c.Path != "/assets/"+s.Asset+"/" || !c.Secure || !c.HttpOnly || c.Name != cloudfront.CookieName {
			t.Fatalf("cookie attributes: %+v", c)
		}
		return c.Value
	}
	bound := session
	bound.ViewerIP = "2001:db8::42"
	entries := map[string]string{cloudfront.KeyEntry(key.ID): key.Secret, cloudfront.SigningKeyEntry: key.ID}
	uri := "/assets/q3x7abc/720p/seg_00003.m4s"
	cases := []struct {
		name   string
		cookie string
		uri    string
		ip     string
		want   verdict
	}{
		{"valid", cookie(key, session), uri, "198.51.100.1", verdict{Pass: true}},
		{"bound, same address", cookie(key, bound), uri, "2001:db8::42", verdict{Pass: true}},
		{"bound, another address", cookie(key, bound), uri, "2001:db8::43", verdict{Reason: "bad-mac-or-address"}},
		{"another asset", cookie(key, session), "/assets/zz9/master.m3u8", "198.51.100.1", verdict{Reason: "wrong-path"}},
		{"key the store lacks", cookie(other, session), uri, "198.51.100.1", verdict{Reason: "unknown-key"}},
	}
	var in []map[string]any
	for _, c := range cases {
		in = append(in, map[string]any{"cookie": c.cookie, "uri": c.uri, "ip": c.ip})
	}
	got := verify(t, now, entries, in)
	for i, c := range cases {
		if got[i] != c.want {
			t.Errorf("%s: session.js says %+v, want %+v", c.name, got[i], c.want)
		}
	}

	// Revocations the api writes, in the entries' Go names.
	revoked := map[string]string{cloudfront.KeyEntry(key.ID): key.Secret, cloudfront.SessionEntry(sid): "1800003660"}
	byUser := map[string]string{cloudfront.KeyEntry(key.ID): key.Secret, cloudfront.UserEntry(user): "1799999941"}
	one := []map[string]any{{"cookie": cookie(key, session), "uri": uri, "ip": "198.51.100.1"}}
	if got := verify(t, now, revoked, one)[0]; got.Reason != "session-revoked" {
		t.Errorf("revoked session: %+v", got)
	}
	if got := verify(t, now, byUser, one)[0]; got.Reason != "user-revoked" {
		t.Errorf("revoked user: %+v", got)
	}
}

func TestCookieRefusesWhatTheFunctionWould(t *testing.T) {
	key, err := cloudfront.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	good := cloudfront.Session{ID: "c2Vzc2lvbi1pZC0xMjM0NQ", Asset: "abc", User: cloudfront.UserHash("t", "s"), Issued: now, Expires: now.Add(time.Hour)}
	for name, mutate := range map[string]func(*cloudfront.Session){
		"over an hour":  func(s *cloudfront.Session) { s.Expires = s.Issued.Add(time.Hour + time.Second) },
		"no lifetime":   func(s *cloudfront.Session) { s.Expires = s.Issued },
		"bad asset":     func(s *cloudfront.Session) { s.Asset = "../x" },
		"short id":      func(s *cloudfront.Session) { s.ID = "abc" },
		"id with a dot": func(s *cloudfront.Session) { s.ID = "c2Vzc2lvbi1pZC0xMjM0.Q" },
		"raw subject":   func(s *cloudfront.Session) { s.User = "alice@example.com" },
		"bad address":   func(s *cloudfront.Session) { s.ViewerIP = "198.51.100.1:443" },
	} {
		s := good
		mutate(&s)
		if _, err := key.Cookie(s); err == nil {
			t.Errorf("%s: Cookie accepted %+v", name, s)
		}
	}
	if _, err := key.Cookie(good); err != nil {
		t.Fatalf("good session: %v", err)
	}
	if _, err := (cloudfront.Key{ID: "signing-key-id", Secret: key.Secret}).Cookie(good); err == nil {
		t.Error("a key id with dashes was accepted; ids are [a-z0-9]{1,16}")
	}
}

func TestParseEntries(t *testing.T) {
	for entry, want := range map[string][2]string{
		cloudfront.KeyEntry("k1"):      {"key", "k1"},
		cloudfront.SessionEntry("abc"): {"session", "abc"},
		cloudfront.UserEntry("u"):      {"user", "u"},
		cloudfront.SigningKeyEntry:     {"", ""},
	} {
		kind, id, ok := cloudfront.Parse(entry)
		if kind != want[0] || id != want[1] || ok != (want[0] != "") {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q", entry, kind, id, ok, want)
		}
	}
}

func BenchmarkCookie(b *testing.B) {
	key, err := cloudfront.NewKey("k1")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	s := cloudfront.Session{ID: "c2Vzc2lvbi1pZC0xMjM0NQ", Asset: "abc123", User: cloudfront.UserHash("t", "s"), Issued: now, Expires: now.Add(10 * time.Minute), ViewerIP: "198.51.100.7"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := key.Cookie(s); err != nil {
			b.Fatal(err)
		}
	}
}
