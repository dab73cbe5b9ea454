package home

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// secretFile returns the contents of path, generating them with make (written 0600, O_EXCL)
// the first time. An existing file is never rewritten.
func secretFile(path string, make func() ([]byte, error)) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("home: read %s: %w", path, err)
	}
	b, err = make()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("home: create %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("home: create %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("home: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("home: write %s: %w", path, err)
	}
	return b, nil
}

// uploadKey is the HMAC key of upload URLs.
func uploadKey(path string) ([]byte, error) {
	return secretFile(path, func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
}

// cdnKey is the RSA-2048 key pair of playback cookies, as the stack's signing key for
// CloudFront, and the key pair id the media server's key group trusts it under (derived from
// the public key, so it is stable across restarts).
func cdnKey(path string) (*rsa.PrivateKey, string, error) {
	b, err := secretFile(path, func() ([]byte, error) {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	})
	if err != nil {
		return nil, "", err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, "", fmt.Errorf("home: %s holds no PEM key; move it aside to generate a new one", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	priv, ok := k.(*rsa.PrivateKey)
	if err != nil || !ok || priv.N.BitLen() != 2048 {
		return nil, "", fmt.Errorf("home: %s is not an RSA-2048 private key; move it aside to generate a new one", path)
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, "", fmt.Errorf("home: %s: %w", path, err)
	}
	sum := sha256.Sum256(pub)
	// CloudFront's key pair ids are 14 upper-case letters and digits starting with K.
	id := "K" + strings.ToUpper(base32.StdEncoding.EncodeToString(sum[:]))[:13]
	return priv, id, nil
}
