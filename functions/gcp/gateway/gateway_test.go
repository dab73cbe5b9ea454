package gateway

import (
	"encoding/base64"
	"slices"
	"testing"
)

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestCaller(t *testing.T) {
	c, err := Caller(enc(`{"sub":"u1","iss":"https://issuer","tenant":" acme ","roles":["uploader","viewer"],"groups":"admins editors"}`))
	if err != nil || c.Subject != "u1" || c.Tenant != "acme" || !slices.Equal(c.Roles, []string{"uploader", "viewer", "admins", "editors"}) {
		t.Errorf("Caller = %+v, %v", c, err)
	}
	c, err = Caller(enc(`{"sub":"u2","custom:tenant":"t2","cognito:groups":"uploader,viewer"}`) + "==")
	if err != nil || c.Tenant != "t2" || !slices.Equal(c.Roles, []string{"uploader", "viewer"}) {
		t.Errorf("padded, alternative claim names: %+v, %v", c, err)
	}
	for name, h := range map[string]string{"absent": "", "no subject": enc(`{"tenant":"acme"}`)} {
		if c, err := Caller(h); c != nil || err != nil {
			t.Errorf("%s: %+v, %v; want no caller", name, c, err)
		}
	}
	for name, h := range map[string]string{"not base64": "***", "not an object": enc(`["sub"]`)} {
		if _, err := Caller(h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
