package cdnsign

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Verify is an independent reading of Cloud CDN's signed-cookie check: the cookie's fields
// in order, the prefix decoded, the expiry in the future, the HMAC-SHA1 over everything
// before ":Signature=" under the named key, and the requested URL under the prefix. keys is
// the backend bucket's keyset by name; a nil error is what Cloud CDN serves.
func Verify(cookieValue, url string, keys map[string][]byte, at time.Time) error {
	fields := strings.Split(cookieValue, ":")
	if len(fields) != 4 {
		return fmt.Errorf("%d fields, want URLPrefix, Expires, KeyName, Signature", len(fields))
	}
	want := []string{"URLPrefix=", "Expires=", "KeyName=", "Signature="}
	vals := make([]string, 4)
	for i, f := range fields {
		v, ok := strings.CutPrefix(f, want[i])
		if !ok {
			return fmt.Errorf("field %d is %q, want %s…", i, f, want[i])
		}
		vals[i] = v
	}
	prefix, err := base64.URLEncoding.DecodeString(vals[0])
	if err != nil {
		return fmt.Errorf("URLPrefix: %v", err)
	}
	exp, err := strconv.ParseInt(vals[1], 10, 64)
	if err != nil {
		return fmt.Errorf("Expires: %v", err)
	}
	if at.Unix() >= exp {
		return errors.New("expired")
	}
	key, ok := keys[vals[2]]
	if !ok {
		return fmt.Errorf("unknown key %q", vals[2])
	}
	sig, err := base64.URLEncoding.DecodeString(vals[3])
	if err != nil {
		return fmt.Errorf("Signature: %v", err)
	}
	signed := cookieValue[:strings.Index(cookieValue, ":Signature=")]
	m := hmac.New(sha1.New, key)
	m.Write([]byte(signed))
	if !hmac.Equal(m.Sum(nil), sig) {
		return errors.New("signature does not verify")
	}
	if !strings.HasPrefix(url, string(prefix)) {
		return fmt.Errorf("%s is outside %s", url, prefix)
	}
	return nil
}
