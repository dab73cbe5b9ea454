// Package cfsessions is the pipeline.EdgeSessions of an AWS stack with ottkit:edgeSessions:
// it signs session cookies with the HMAC key held in the CloudFront KeyValueStore that the
// media behaviours' CloudFront Function reads (functions/edge/cloudfront), and writes
// revocations into the same store through the cloudfront-keyvaluestore API (SigV4A, an ETag
// in If-Match on every write).
//
// The store is the one home of the key: the function must read it there, so the api reads it
// there too (GetKey), and no copy lives in Secrets Manager, the stack file or Pulumi state.
// A stack's first grant finds no key and creates one (UpdateKeys under the store's ETag, so
// two concurrent first grants create one key, not two); rotation writes a new key and points
// SigningKeyEntry at it, which signers pick up within KeyCacheTTL.
package cfsessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kvs "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/ottkit/ottkit/functions/edge/cloudfront"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Client is the part of the cloudfront-keyvaluestore client Sessions uses.
type Client interface {
	DescribeKeyValueStore(ctx context.Context, in *kvs.DescribeKeyValueStoreInput, opts ...func(*kvs.Options)) (*kvs.DescribeKeyValueStoreOutput, error)
	GetKey(ctx context.Context, in *kvs.GetKeyInput, opts ...func(*kvs.Options)) (*kvs.GetKeyOutput, error)
	ListKeys(ctx context.Context, in *kvs.ListKeysInput, opts ...func(*kvs.Options)) (*kvs.ListKeysOutput, error)
	UpdateKeys(ctx context.Context, in *kvs.UpdateKeysInput, opts ...func(*kvs.Options)) (*kvs.UpdateKeysOutput, error)
}

// KeyCacheTTL is how long a signer keeps using the key it read before reading the store
// again; a rotation must keep the old key in the store at least this long plus the cookie
// lifetime.
const KeyCacheTTL = 5 * time.Minute

// maxBatch is UpdateKeys' limit of puts and deletes per call.
const maxBatch = 50

// writeAttempts bounds the retries of a write whose ETag went stale under it.
const writeAttempts = 4

// Sessions implements pipeline.EdgeSessions over one key value store. It is safe for
// concurrent use and meant to live across invocations.
type Sessions struct {
	client Client
	arn    string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// NewKeyID names a key the first grant creates; by default "k" and the Unix time in
	// base 36.
	NewKeyID func(now time.Time) string

	mu     sync.Mutex
	key    cloudfront.Key
	readAt time.Time
}

var _ pipeline.EdgeSessions = (*Sessions)(nil)

// New returns Sessions over the store kvsARN.
func New(client Client, kvsARN string) *Sessions {
	return &Sessions{client: client, arn: kvsARN, Now: time.Now,
		NewKeyID: func(now time.Time) string { return "k" + strconv.FormatInt(now.Unix(), 36) }}
}

// Issue implements pipeline.EdgeSessions.
func (s *Sessions) Issue(ctx context.Context, sess pipeline.Session) (*http.Cookie, error) {
	asset, ok := strings.CutPrefix(sess.Prefix, "/assets/")
	if asset, ok = strings.CutSuffix(asset, "/"); !ok || strings.Contains(asset, "/") {
		return nil, fmt.Errorf("cfsessions: prefix %q is not /assets/<id>/", sess.Prefix)
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	return key.Cookie(cloudfront.Session{
		ID: sess.ID, Asset: asset, User: cloudfront.UserHash(sess.Tenant, sess.Subject),
		Issued: sess.Issued, Expires: sess.Expires, ViewerIP: sess.ViewerIP,
	})
}

// RevokeSession implements pipeline.EdgeSessions.
func (s *Sessions) RevokeSession(ctx context.Context, id string, until time.Time) error {
	return s.write(ctx, cloudfront.SessionEntry(id), strconv.FormatInt(until.Unix(), 10))
}

// RevokeUser implements pipeline.EdgeSessions.
func (s *Sessions) RevokeUser(ctx context.Context, tenant, subject string, notBefore time.Time) error {
	return s.write(ctx, cloudfront.UserEntry(cloudfront.UserHash(tenant, subject)), strconv.FormatInt(notBefore.Unix(), 10))
}

// signingKey returns the key new sessions are signed with, from the cache or the store,
// creating the stack's first key when the store has none.
func (s *Sessions) signingKey(ctx context.Context) (cloudfront.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	if s.key.ID != "" && now.Sub(s.readAt) < KeyCacheTTL {
		return s.key, nil
	}
	for attempt := 0; attempt < writeAttempts; attempt++ {
		id, err := s.get(ctx, cloudfront.SigningKeyEntry)
		if errors.Is(err, errMissing) {
			err = s.createFirstKey(ctx, now)
			if errors.Is(err, errStale) {
				continue // another signer created it first: read theirs
			}
			if err != nil {
				return cloudfront.Key{}, err
			}
			continue
		}
		if err != nil {
			return cloudfront.Key{}, err
		}
		secret, err := s.get(ctx, cloudfront.KeyEntry(id))
		if err != nil {
			return cloudfront.Key{}, fmt.Errorf("cfsessions: the signing key %q: %w", id, err)
		}
		k := cloudfront.Key{ID: id, Secret: secret}
		if err := k.Validate(); err != nil {
			return cloudfront.Key{}, fmt.Errorf("cfsessions: store %s: %w", s.arn, err)
		}
		s.key, s.readAt = k, now
		return k, nil
	}
	return cloudfront.Key{}, fmt.Errorf("cfsessions: store %s changed under %d attempts to create the first key", s.arn, writeAttempts)
}

var (
	errMissing = errors.New("cfsessions: no such entry")
	errStale   = errors.New("cfsessions: the store changed since its ETag was read")
)

func (s *Sessions) get(ctx context.Context, entry string) (string, error) {
	out, err := s.client.GetKey(ctx, &kvs.GetKeyInput{KvsARN: aws.String(s.arn), Key: aws.String(entry)})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return "", fmt.Errorf("%w: %s", errMissing, entry)
	}
	if err != nil {
		return "", fmt.Errorf("cfsessions: get %s: %w", entry, err)
	}
	return aws.ToString(out.Value), nil
}

// createFirstKey writes a new key and points SigningKeyEntry at it, in one update made under
// the ETag of a store that still has no signing key.
func (s *Sessions) createFirstKey(ctx context.Context, now time.Time) error {
	key, err := cloudfront.NewKey(s.NewKeyID(now))
	if err != nil {
		return err
	}
	etag, err := s.etag(ctx)
	if err != nil {
		return err
	}
	// Another signer may have created the key between the read and the ETag.
	if _, err := s.get(ctx, cloudfront.SigningKeyEntry); err == nil {
		return errStale
	} else if !errors.Is(err, errMissing) {
		return err
	}
	return s.update(ctx, etag, []types.PutKeyRequestListItem{
		{Key: aws.String(cloudfront.KeyEntry(key.ID)), Value: aws.String(key.Secret)},
		{Key: aws.String(cloudfront.SigningKeyEntry), Value: aws.String(key.ID)},
	}, nil)
}

func (s *Sessions) etag(ctx context.Context) (string, error) {
	out, err := s.client.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: aws.String(s.arn)})
	if err != nil {
		return "", fmt.Errorf("cfsessions: describe %s: %w", s.arn, err)
	}
	return aws.ToString(out.ETag), nil
}

func (s *Sessions) update(ctx context.Context, etag string, puts []types.PutKeyRequestListItem, deletes []types.DeleteKeyRequestListItem) error {
	_, err := s.client.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: aws.String(s.arn), IfMatch: aws.String(etag), Puts: puts, Deletes: deletes})
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		return errStale
	}
	if err != nil {
		return fmt.Errorf("cfsessions: update %s: %w", s.arn, err)
	}
	return nil
}

// write puts one revocation entry, and in the same update removes revocations that no longer
// matter (a revoked session past its expiry, a user's not-before older than any session
// could be), so the store stays far below its 5 MB.
func (s *Sessions) write(ctx context.Context, entry, value string) error {
	for attempt := 0; attempt < writeAttempts; attempt++ {
		etag, err := s.etag(ctx)
		if err != nil {
			return err
		}
		expired, err := s.expired(ctx, s.Now(), entry)
		if err != nil {
			return err
		}
		err = s.update(ctx, etag, []types.PutKeyRequestListItem{{Key: aws.String(entry), Value: aws.String(value)}}, expired)
		if errors.Is(err, errStale) {
			continue
		}
		return err
	}
	return fmt.Errorf("cfsessions: store %s changed under %d attempts to write %s", s.arn, writeAttempts, entry)
}

// expired lists up to maxBatch-1 revocations that no longer refuse anything at now, other
// than keep.
func (s *Sessions) expired(ctx context.Context, now time.Time, keep string) ([]types.DeleteKeyRequestListItem, error) {
	var out []types.DeleteKeyRequestListItem
	var token *string
	for {
		page, err := s.client.ListKeys(ctx, &kvs.ListKeysInput{KvsARN: aws.String(s.arn), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("cfsessions: list %s: %w", s.arn, err)
		}
		for _, it := range page.Items {
			k, v := aws.ToString(it.Key), aws.ToString(it.Value)
			kind, _, _ := cloudfront.Parse(k)
			t, err := strconv.ParseInt(v, 10, 64)
			if k == keep || err != nil {
				continue
			}
			gone := (kind == "session" && now.Unix() > t) ||
				(kind == "user" && now.Unix() > t+int64((cloudfront.MaxLifetime+cloudfront.ClockSkew)/time.Second))
			if gone {
				out = append(out, types.DeleteKeyRequestListItem{Key: aws.String(k)})
				if len(out) == maxBatch-1 {
					return out, nil
				}
			}
		}
		if page.NextToken == nil {
			return out, nil
		}
		token = page.NextToken
	}
}
