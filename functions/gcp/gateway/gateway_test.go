package gateway

import (
	"encoding/base64"
	"slices"
	"testing"
)

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestCaller(t *testing.T) {
	c, err := Caller(enc(`{"sub":"u1","iss":"https://issuer","tenant":"acme","roles":["uploader","viewer"],"groups":"admins editors"}`))
	if err != nil || c.Subject != "u1" || c.Tenant != "acme" || !slices.Equal(c.Roles, []string{"uploader", "viewer"}) {
		t.Errorf("Caller = %+v, %v; want tenant acme and exactly the roles claim", c, err)
	}
	c, err = Caller(enc(`{"sub":"u2","tenant":"t2","roles":"uploader"}`) + "==")
	if err != nil || c.Tenant != "t2" || !slices.Equal(c.Roles, []string{"uploader"}) {
		t.Errorf("padded, a single role: %+v, %v", c, err)
	}
	// Claims an end user may be able to write grant nothing: only tenant and roles are read,
	// and a role is taken whole.
	for name, h := range map[string]string{
		"custom:tenant":    enc(`{"sub":"u3","custom:tenant":"globex","tenant":"acme"}`),
		"custom:roles":     enc(`{"sub":"u3","tenant":"acme","custom:roles":["uploader"],"cognito:groups":"uploader"}`),
		"former uploader":  enc(`{"sub":"u3","tenant":"acme","roles":"former uploader"}`),
		"comma separated":  enc(`{"sub":"u3","tenant":"acme","roles":"viewer,uploader"}`),
		"no tenant at all": enc(`{"sub":"u3","custom:tenant":"globex"}`),
	} {
		c, err := Caller(h)
		if err != nil || c.Tenant == "globex" || slices.Contains(c.Roles, "uploader") {
			t.Errorf("%s: %+v, %v; want neither globex nor the uploader role", name, c, err)
		}
	}
	for name, h := range map[string]string{
		"tenant not a string": enc(`{"sub":"u4","tenant":["acme","globex"]}`),
		"roles of numbers":    enc(`{"sub":"u4","tenant":"acme","roles":[1]}`),
	} {
		if _, err := Caller(h); err == nil {
			t.Errorf("%s: accepted", name)
		}
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
