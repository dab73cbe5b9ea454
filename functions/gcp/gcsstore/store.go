// Package gcsstore is the Cloud Storage pipeline.ObjectStore and pipeline.UploadSigner.
//
// An object's version is its generation, and so is its ETag: GCS preconditions work on
// generations, so the ETag a Head returns is what Copy's IfMatch and Open's reads pin
// (ifGenerationMatch / a generation-addressed read), and a newer write of the key never
// mixes into a probe or a copy. Storage classes are GCS's names (STANDARD, NEARLINE,
// COLDLINE, ARCHIVE); a copy onto the same key with another class is a rewrite, which is how
// a master moves to an archive tier (on a bucket without Autoclass, which ignores it).
package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// StorageClasses are the classes Copy accepts.
var StorageClasses = []string{"STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"}

// Store reads and moves objects through a storage.Client.
type Store struct {
	client *storage.Client
}

var _ pipeline.ObjectStore = (*Store)(nil)

// New returns a Store using client.
func New(client *storage.Client) *Store { return &Store{client: client} }

// Head returns the object's attributes; ETag and Version are its generation.
func (s *Store) Head(ctx context.Context, bucket, key string) (pipeline.ObjectInfo, error) {
	attrs, err := s.client.Bucket(bucket).Object(key).Attrs(ctx)
	if err != nil {
		return pipeline.ObjectInfo{}, wrap("head", bucket, key, err)
	}
	return info(attrs), nil
}

func info(a *storage.ObjectAttrs) pipeline.ObjectInfo {
	gen := strconv.FormatInt(a.Generation, 10)
	return pipeline.ObjectInfo{
		Size: a.Size, ETag: gen, Version: gen, ContentType: a.ContentType,
		CacheControl: a.CacheControl, StorageClass: a.StorageClass, Metadata: a.Metadata,
	}
}

// generation parses an ETag or version this package issued.
func generation(field, v string) (int64, error) {
	g, err := strconv.ParseInt(v, 10, 64)
	if err != nil || g <= 0 {
		return 0, fmt.Errorf("gcsstore: %s %q is not a GCS generation", field, v)
	}
	return g, nil
}

// Copy rewrites SrcBucket/SrcKey to DstBucket/DstKey inside Cloud Storage. With IfMatch the
// source read is pinned to that generation and conditioned on it, so a newer object is never
// copied in its place.
func (s *Store) Copy(ctx context.Context, in pipeline.CopyInput) error {
	if in.SrcBucket == in.DstBucket && in.SrcKey == in.DstKey && in.StorageClass == "" && in.Metadata == nil {
		return fmt.Errorf("gcsstore: copy gs://%s/%s onto itself changes neither StorageClass nor Metadata", in.SrcBucket, in.SrcKey)
	}
	if in.StorageClass != "" && !slices.Contains(StorageClasses, in.StorageClass) {
		return fmt.Errorf("gcsstore: copy gs://%s/%s: StorageClass %q is not one of %v", in.SrcBucket, in.SrcKey, in.StorageClass, StorageClasses)
	}
	src := s.client.Bucket(in.SrcBucket).Object(in.SrcKey)
	if in.IfMatch != "" {
		gen, err := generation("IfMatch", in.IfMatch)
		if err != nil {
			return err
		}
		src = src.Generation(gen).If(storage.Conditions{GenerationMatch: gen})
	}
	c := s.client.Bucket(in.DstBucket).Object(in.DstKey).CopierFrom(src)
	c.StorageClass = in.StorageClass
	if in.Metadata != nil {
		c.Metadata = maps.Clone(in.Metadata)
		c.ContentType = in.ContentType
	}
	if _, err := c.Run(ctx); err != nil {
		return wrap("copy to gs://"+in.DstBucket+"/"+in.DstKey+" from", in.SrcBucket, in.SrcKey, err)
	}
	return nil
}

// Delete removes the object; a missing one is not an error.
func (s *Store) Delete(ctx context.Context, bucket, key string) error {
	err := s.client.Bucket(bucket).Object(key).Delete(ctx)
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return wrap("delete", bucket, key, err)
	}
	return nil
}

// List returns every live object under prefix as key → size.
func (s *Store) List(ctx context.Context, bucket, prefix string) (map[string]int64, error) {
	q := &storage.Query{Prefix: prefix}
	if err := q.SetAttrSelection([]string{"Name", "Size"}); err != nil {
		return nil, fmt.Errorf("gcsstore: list gs://%s/%s: %w", bucket, prefix, err)
	}
	out := map[string]int64{}
	it := s.client.Bucket(bucket).Objects(ctx, q)
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, wrap("list", bucket, prefix, err)
		}
		out[a.Name] = a.Size
	}
}

// wrap names the operation and object, and maps a missing object or bucket to
// pipeline.ErrObjectNotFound.
func wrap(op, bucket, key string, err error) error {
	var apiErr *googleapi.Error
	if errors.Is(err, storage.ErrObjectNotExist) || errors.Is(err, storage.ErrBucketNotExist) || (errors.As(err, &apiErr) && apiErr.Code == http.StatusNotFound) {
		return fmt.Errorf("gcsstore: %s gs://%s/%s: %w: %w", op, bucket, key, pipeline.ErrObjectNotFound, err)
	}
	return fmt.Errorf("gcsstore: %s gs://%s/%s: %w", op, bucket, key, err)
}
