package gcptest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"hash/crc32"
	"net"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/iam/credentials/apiv1/credentialspb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Secrets is an in-process Secret Manager answering AccessSecretVersion as the API does:
// NOT_FOUND for an unknown secret or version, the payload with its CRC32C otherwise.
type Secrets struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	mu sync.Mutex
	// latest payload per secret name (projects/<p>/secrets/<s>).
	payloads map[string][]byte
}

// Put stores data as the latest version of secret.
func (s *Secrets) Put(secret string, data []byte) {
	s.mu.Lock()
	s.payloads[secret] = data
	s.mu.Unlock()
}

// AccessSecretVersion returns the latest version (the only one kept).
func (s *Secrets) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	secret, version, ok := strings.Cut(req.GetName(), "/versions/")
	if !ok || version != "latest" {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s] not found.", req.GetName())
	}
	s.mu.Lock()
	data, found := s.payloads[secret]
	s.mu.Unlock()
	if !found {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", secret)
	}
	crc := int64(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	return &secretmanagerpb.AccessSecretVersionResponse{Name: req.Name, Payload: &secretmanagerpb.SecretPayload{Data: data, DataCrc32C: &crc}}, nil
}

// IAM is an in-process IAM Credentials API whose SignBlob signs with one RSA key per
// service account, as Google-managed keys do (RSA PKCS #1 v1.5, SHA-256).
type IAM struct {
	credentialspb.UnimplementedIAMCredentialsServer
	mu   sync.Mutex
	keys map[string]*rsa.PrivateKey
}

// Key returns the account's signing key, creating it on first use.
func (f *IAM) Key(account string) *rsa.PrivateKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, ok := f.keys[account]; ok {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	f.keys[account] = k
	return k
}

// SignBlob signs the payload as projects/-/serviceAccounts/<email>.
func (f *IAM) SignBlob(_ context.Context, req *credentialspb.SignBlobRequest) (*credentialspb.SignBlobResponse, error) {
	account, ok := strings.CutPrefix(req.GetName(), "projects/-/serviceAccounts/")
	if !ok || !strings.Contains(account, "@") {
		return nil, status.Errorf(codes.InvalidArgument, "name %q is not projects/-/serviceAccounts/<email>", req.GetName())
	}
	sum := sha256.Sum256(req.Payload)
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.Key(account), crypto.SHA256, sum[:])
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &credentialspb.SignBlobResponse{KeyId: "fake", SignedBlob: sig}, nil
}

func serveGRPC(t testing.TB, register func(*grpc.Server)) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	register(srv)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}
