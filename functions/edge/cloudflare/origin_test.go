package cloudflare_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/edge/cloudflare"
)

func pkcs8(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestOriginCredential(t *testing.T) {
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfOK := cloudflare.OriginCredential{Kind: cloudflare.OriginCloudFront, KeyPairID: "K2EDGEKEY", PrivateKey: pkcs8(t, rsa2048)}
	gcsOK := cloudflare.OriginCredential{Kind: cloudflare.OriginGCS, AccessID: testAccessID, Secret: testSecret}
	for _, c := range []cloudflare.OriginCredential{cfOK, gcsOK} {
		b, err := c.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", c.Kind, err)
		}
		back, err := cloudflare.ParseOriginCredential(b)
		if err != nil || back != c {
			t.Errorf("%s round trip: %+v, %v", c.Kind, back, err)
		}
	}
	with := func(c cloudflare.OriginCredential, mut func(*cloudflare.OriginCredential)) cloudflare.OriginCredential {
		mut(&c)
		return c
	}
	for name, tc := range map[string]struct {
		c    cloudflare.OriginCredential
		want string
	}{
		"kind":        {with(gcsOK, func(c *cloudflare.OriginCredential) { c.Kind = "s3" }), `kind "s3"`},
		"key pair id": {with(cfOK, func(c *cloudflare.OriginCredential) { c.KeyPairID = "k2-lower" }), "keyPairId"},
		"not pem":     {with(cfOK, func(c *cloudflare.OriginCredential) { c.PrivateKey = "MIIE..." }), "PKCS#8 PEM"},
		"pkcs1 pem": {with(cfOK, func(c *cloudflare.OriginCredential) {
			c.PrivateKey = strings.ReplaceAll(c.PrivateKey, "PRIVATE KEY", "RSA PRIVATE KEY")
		}), "PKCS#8 PEM"},
		"rsa-1024":         {with(cfOK, func(c *cloudflare.OriginCredential) { c.PrivateKey = pkcs8(t, rsa1024) }), "RSA-2048"},
		"ecdsa":            {with(cfOK, func(c *cloudflare.OriginCredential) { c.PrivateKey = pkcs8(t, ec) }), "RSA-2048"},
		"mixed fields":     {with(cfOK, func(c *cloudflare.OriginCredential) { c.Secret = testSecret }), "other kind"},
		"access id":        {with(gcsOK, func(c *cloudflare.OriginCredential) { c.AccessID = "AKIDEXAMPLE" }), "accessId"},
		"short secret":     {with(gcsOK, func(c *cloudflare.OriginCredential) { c.Secret = "abc" }), "40-character"},
		"gcs with rsa key": {with(gcsOK, func(c *cloudflare.OriginCredential) { c.PrivateKey = cfOK.PrivateKey }), "other kind"},
	} {
		if _, err := tc.c.Marshal(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, tc.want)
		}
	}
	if _, err := cloudflare.ParseOriginCredential([]byte(`{"kind":"gcs","accessId":"x","secrets":"y"}`)); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("unknown field: %v", err)
	}
}
