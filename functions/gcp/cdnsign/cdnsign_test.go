package cdnsign

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

var (
	rawKey     = []byte("0123456789abcdef")
	secretJSON = `{"keyName":"ottkit-edge-1","key":"` + base64.URLEncoding.EncodeToString(rawKey) + `"}`
	now        = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

type staticSecret struct {
	value []byte
	reads int
	err   error
}

func (s *staticSecret) Read(_ context.Context, name string) ([]byte, error) {
	s.reads++
	if !strings.HasSuffix(name, "/versions/latest") {
		return nil, fmt.Errorf("read %s, want the latest version", name)
	}
	return s.value, s.err
}

func newSigner(t *testing.T, r SecretReader) *Signer {
	t.Helper()
	s, err := NewSigner("media.example.com", "projects/p/secrets/cdn-key", r)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return now }
	return s
}

func TestSignVerifies(t *testing.T) {
	src := &staticSecret{value: []byte(secretJSON)}
	s := newSigner(t, src)
	cookies, err := s.Sign(context.Background(), "/assets/abc/", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies) != 1 {
		t.Fatalf("%d cookies, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != CookieName || c.Path != "/assets/abc/" || c.Domain != "media.example.com" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteNoneMode {
		t.Errorf("cookie attributes %+v", c)
	}
	if !c.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("Expires %v, want %v", c.Expires, now.Add(time.Hour))
	}
	keys := map[string][]byte{"ottkit-edge-1": rawKey}
	if err := Verify(c.Value, "https://media.example.com/assets/abc/index.m3u8", keys, now); err != nil {
		t.Errorf("verify: %v", err)
	}
	for name, tc := range map[string]struct {
		url string
		at  time.Time
		key []byte
	}{
		"other asset":  {"https://media.example.com/assets/abd/index.m3u8", now, rawKey},
		"other host":   {"https://evil.example.com/assets/abc/index.m3u8", now, rawKey},
		"after expiry": {"https://media.example.com/assets/abc/index.m3u8", now.Add(time.Hour), rawKey},
		"other key":    {"https://media.example.com/assets/abc/index.m3u8", now, []byte("fedcba9876543210")},
	} {
		if err := Verify(c.Value, tc.url, map[string][]byte{"ottkit-edge-1": tc.key}, tc.at); err == nil {
			t.Errorf("%s: verified, want refused", name)
		}
	}
	// A tampered prefix breaks the signature.
	forged := strings.Replace(c.Value, base64.URLEncoding.EncodeToString([]byte("https://media.example.com/assets/abc/")), base64.URLEncoding.EncodeToString([]byte("https://media.example.com/assets/")), 1)
	if err := Verify(forged, "https://media.example.com/assets/xyz/a.m4s", keys, now); err == nil {
		t.Error("widened prefix verified")
	}
	if _, err := s.Sign(context.Background(), "/assets/def/", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if src.reads != 1 {
		t.Errorf("%d secret reads for two signs, want 1 (cached)", src.reads)
	}
	s.Now = func() time.Time { return now.Add(DefaultKeyTTL) }
	if _, err := s.Sign(context.Background(), "/assets/def/", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if src.reads != 2 {
		t.Errorf("%d secret reads after the TTL, want 2", src.reads)
	}
}

func TestSignRejects(t *testing.T) {
	s := newSigner(t, &staticSecret{value: []byte(secretJSON)})
	for _, p := range []string{"assets/abc/", "/assets/abc", "/assets/*/", "/", "/assets//", "/assets/../x/", "/a b/"} {
		if _, err := s.Sign(context.Background(), p, now.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "prefix") {
			t.Errorf("prefix %q: error %v, want one naming the prefix", p, err)
		}
	}
	if _, err := s.Sign(context.Background(), "/assets/abc/", now); err == nil || !strings.Contains(err.Error(), "expiry") {
		t.Errorf("past expiry: error %v", err)
	}
	bad := newSigner(t, &staticSecret{err: status.Error(codes.PermissionDenied, "denied")})
	if _, err := bad.Sign(context.Background(), "/assets/abc/", now.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "projects/p/secrets/cdn-key") {
		t.Errorf("secret read failure: error %v, want one naming the secret", err)
	}
	if _, err := NewSigner("https://x", "projects/p/secrets/s", nil); err == nil {
		t.Error("NewSigner accepted a URL as domain")
	}
	if _, err := NewSigner("x.example", "cdn-key", nil); err == nil {
		t.Error("NewSigner accepted a bare secret name")
	}
}

func TestParseKey(t *testing.T) {
	k, err := ParseKey([]byte(secretJSON))
	if err != nil || k.Name != "ottkit-edge-1" || string(k.Secret) != string(rawKey) {
		t.Fatalf("ParseKey = %+v, %v", k, err)
	}
	for name, in := range map[string]string{
		"not json":   "key",
		"unknown":    `{"keyName":"k","key":"AAAAAAAAAAAAAAAAAAAAAA==","x":1}`,
		"bad name":   `{"keyName":"K_1","key":"AAAAAAAAAAAAAAAAAAAAAA=="}`,
		"not base64": `{"keyName":"k","key":"!!"}`,
		"short":      `{"keyName":"k","key":"AAAA"}`,
	} {
		if _, err := ParseKey([]byte(in)); err == nil {
			t.Errorf("%s: ParseKey accepted %s", name, in)
		}
	}
}

// fakeSecrets is a Secret Manager gRPC server answering AccessSecretVersion like the API:
// NOT_FOUND for an unknown secret, the payload with its CRC32C otherwise.
type fakeSecrets struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	payloads map[string][]byte
	badCRC   bool
}

func (f *fakeSecrets) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	data, ok := f.payloads[req.Name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", req.Name)
	}
	crc := int64(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	if f.badCRC {
		crc++
	}
	return &secretmanagerpb.AccessSecretVersionResponse{Name: req.Name, Payload: &secretmanagerpb.SecretPayload{Data: data, DataCrc32C: &crc}}, nil
}

func TestSecretManager(t *testing.T) {
	fake := &fakeSecrets{payloads: map[string][]byte{"projects/p/secrets/cdn-key/versions/latest": []byte(secretJSON)}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	secretmanagerpb.RegisterSecretManagerServiceServer(srv, fake)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	ctx := context.Background()
	client, err := secretmanager.NewClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })

	s := newSigner(t, SecretManager{Client: client})
	cookies, err := s.Sign(ctx, "/assets/abc/", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(cookies[0].Value, "https://media.example.com/assets/abc/x.m4s", map[string][]byte{"ottkit-edge-1": rawKey}, now); err != nil {
		t.Errorf("verify: %v", err)
	}
	if _, err := (SecretManager{Client: client}).Read(ctx, "projects/p/secrets/missing/versions/latest"); status.Code(errors.Unwrap(err)) != codes.NotFound {
		t.Errorf("missing secret: %v, want NotFound", err)
	}
	fake.badCRC = true
	if _, err := (SecretManager{Client: client}).Read(ctx, "projects/p/secrets/cdn-key/versions/latest"); err == nil || !strings.Contains(err.Error(), "CRC32C") {
		t.Errorf("corrupt payload: %v, want a CRC32C error", err)
	}
}

func BenchmarkSign(b *testing.B) {
	s, _ := NewSigner("media.example.com", "projects/p/secrets/cdn-key", &staticSecret{value: []byte(secretJSON)})
	s.Now = func() time.Time { return now }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(ctx, "/assets/abc/", now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
