package pipeline

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

type cookieSigner struct {
	names []string
	err   error
}

func (s cookieSigner) Sign(_ context.Context, prefix string, expires time.Time) ([]*http.Cookie, error) {
	if s.err != nil {
		return nil, s.err
	}
	var out []*http.Cookie
	for _, n := range s.names {
		out = append(out, &http.Cookie{Name: n, Value: "v", Path: prefix, Expires: expires})
	}
	return out, nil
}

func TestPlaybackSignersIssueEveryCookieOrNone(t *testing.T) {
	ctx, exp := context.Background(), time.Unix(1700000600, 0)
	got, err := PlaybackSigners{cookieSigner{names: []string{"CloudFront-Policy", "CloudFront-Signature"}}, cookieSigner{names: []string{"ottkit_edge"}}}.Sign(ctx, "/assets/a1/", exp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Name+"@"+c.Path)
	}
	if want := "CloudFront-Policy@/assets/a1/ CloudFront-Signature@/assets/a1/ ottkit_edge@/assets/a1/"; strings.Join(names, " ") != want {
		t.Errorf("cookies %v, want %s", names, want)
	}

	boom := errors.New("secret is empty")
	got, err = PlaybackSigners{cookieSigner{names: []string{"CloudFront-Policy"}}, cookieSigner{err: boom}}.Sign(ctx, "/assets/a1/", exp)
	if !errors.Is(err, boom) || got != nil || !strings.Contains(err.Error(), "signer 2 of 2") {
		t.Errorf("a failing second signer: cookies %v, error %v; want none and the wrapped error naming signer 2", got, err)
	}
	if _, err := (PlaybackSigners{cookieSigner{names: []string{"a"}}, cookieSigner{names: []string{"a"}}}).Sign(ctx, "/assets/a1/", exp); err == nil || !strings.Contains(err.Error(), "cookie a for path /assets/a1/") {
		t.Errorf("two signers issuing one cookie: %v, want a refusal naming it", err)
	}
	if _, err := (PlaybackSigners{}).Sign(ctx, "/assets/a1/", exp); err == nil {
		t.Error("no signers: signed a grant with no cookies")
	}
}
