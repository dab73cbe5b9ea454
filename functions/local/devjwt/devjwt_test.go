package devjwt_test

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/local/devjwt"
)

func TestMintVerifyAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "jwt.pem")
	k, err := devjwt.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	tok, err := k.Mint(devjwt.Claims{Subject: "dev", Tenant: "acme", Roles: []string{"uploader"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	again, err := devjwt.LoadOrCreate(path) // the next start reads the same key
	if err != nil {
		t.Fatal(err)
	}
	c, err := again.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "dev" || c.Tenant != "acme" || len(c.Roles) != 1 || c.Roles[0] != "uploader" {
		t.Errorf("claims %+v", c)
	}
}

func TestVerifyRejects(t *testing.T) {
	dir := t.TempDir()
	k, _ := devjwt.LoadOrCreate(filepath.Join(dir, "a.pem"))
	other, _ := devjwt.LoadOrCreate(filepath.Join(dir, "b.pem"))
	now := time.Now()
	good, _ := k.Mint(devjwt.Claims{Subject: "dev", Tenant: "acme"}, time.Minute)
	foreign, _ := other.Mint(devjwt.Claims{Subject: "dev", Tenant: "acme"}, time.Minute)
	parts := strings.Split(good, ".")
	noneAlg := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"x"}`)) + "." + parts[1] + "."
	// Another tenant in the payload, with the original signature.
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://ottkit.dev.local/","aud":"ottkit-dev","sub":"dev","tenant":"globex","exp":9999999999}`)) + "." + parts[2]
	for name, tok := range map[string]string{"garbage": "abc", "alg none": noneAlg, "other key": foreign, "forged payload": forged, "empty": ""} {
		t.Run(name, func(t *testing.T) {
			if _, err := k.Verify(tok); !errors.Is(err, devjwt.ErrInvalidToken) {
				t.Errorf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
	k.Now = func() time.Time { return now.Add(time.Minute + devjwt.Leeway + time.Second) }
	if _, err := k.Verify(good); !errors.Is(err, devjwt.ErrInvalidToken) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Verify(expired) = %v", err)
	}
}

func TestCorruptKeyFileIsNotReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jwt.pem")
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, err := devjwt.LoadOrCreate(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("LoadOrCreate(corrupt) = %v, want an error naming %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != "not a key" {
		t.Errorf("the corrupt key file was changed to %q", b)
	}
}

func BenchmarkVerify(b *testing.B) {
	k, _ := devjwt.LoadOrCreate(filepath.Join(b.TempDir(), "k.pem"))
	tok, _ := k.Mint(devjwt.Claims{Subject: "dev", Tenant: "acme"}, time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
