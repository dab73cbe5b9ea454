package playback_test

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/ottkit/ottkit/functions/aws/playback"
)

func ExampleSign() {
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	key := playback.Key{KeyPairID: "K2JCJMDEHXQW5F", PrivateKey: priv}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	signed, err := playback.Sign(key, "media.example.com", "abc123", now, 10*time.Minute)
	if err != nil {
		panic(err)
	}
	for _, c := range signed.Cookies {
		fmt.Println(c.Name, c.Path, c.Domain, c.Secure, c.HttpOnly)
	}
	fmt.Println("expires", signed.Expires.Format(time.RFC3339))
	// Output:
	// CloudFront-Policy /assets/abc123/  true true
	// CloudFront-Signature /assets/abc123/  true true
	// CloudFront-Key-Pair-Id /assets/abc123/  true true
	// expires 2026-01-01T12:10:00Z
}
