package cdn

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkVerify is the cost the media server adds to every segment request: parsing and
// checking the three signed cookies (one RSA-2048 signature verification).
func BenchmarkVerify(b *testing.B) {
	k, _ := keys(b)
	v := &Verifier{Domain: domain, Keys: KeyGroup{keyID: &k.PublicKey}, Now: func() time.Time { return now }}
	req := httptest.NewRequest(http.MethodGet, "/assets/"+assetA+"/index_0_00001.m4s", nil)
	for _, c := range signed(b, k, keyID, assetA, time.Minute) {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(req); err != nil {
			b.Fatal(err)
		}
	}
}
