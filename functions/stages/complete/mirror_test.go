package complete_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/complete"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

const edge = "edge-media"

// withMirror gives the fixture an edge mirror and returns it.
func (f *fixture) withMirror(t *testing.T) *stagetest.ObjectStore {
	t.Helper()
	m := stagetest.NewObjectStore()
	if err := f.h.MirrorTo(complete.Mirror{Source: f.store, Store: m, Bucket: edge}); err != nil {
		t.Fatal(err)
	}
	return m
}

// versions returns the version of every mirrored object of asset id, by key.
func versions(t *testing.T, m *stagetest.ObjectStore, id string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, key := range m.Keys(edge, pipeline.AssetPrefix(id)) {
		info, err := m.Head(context.Background(), edge, key)
		if err != nil {
			t.Fatal(err)
		}
		out[key] = info.Version
	}
	return out
}

func TestCompleteMirrorsEveryOutputBeforeReady(t *testing.T) {
	f := newFixture(t)
	m := f.withMirror(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
	l := pipeline.LayoutFor("a1")
	// Outputs the job does not name are served too (a segment, captions): the mirror copies
	// everything under the prefix.
	extra := map[string]string{l.Prefix + "index_1080p_00001.m4s": "", l.Prefix + "captions_en.vtt": "", l.Prefix + "notes.bin": "application/x-ottkit"}
	for key, ct := range extra {
		f.store.Put(delivery, key, []byte("segment bytes "+key), ct, nil)
	}
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
		t.Fatal(err)
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusReady {
		t.Fatalf("status %s, want ready", a.Status)
	}
	want := f.store.Keys(delivery, l.Prefix)
	got := m.Keys(edge, l.Prefix)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("mirrored keys\n%v\nwant every delivery key under the prefix\n%v", got, want)
	}
	for _, key := range want {
		src, _ := f.store.Bytes(delivery, key)
		dst, _ := m.Bytes(edge, key)
		if string(dst) != string(src) {
			t.Errorf("%s: mirror holds %q, want %q", key, dst, src)
		}
		info, _ := m.Head(context.Background(), edge, key)
		srcInfo, _ := f.store.Head(context.Background(), delivery, key)
		if info.Metadata[complete.MetadataSourceETag] != srcInfo.ETag {
			t.Errorf("%s: source etag metadata %q, want %q", key, info.Metadata[complete.MetadataSourceETag], srcInfo.ETag)
		}
		if info.CacheControl != complete.MirrorCacheControl(key) || info.CacheControl == "" {
			t.Errorf("%s: cache-control %q", key, info.CacheControl)
		}
	}
	for key, want := range map[string][2]string{
		l.HLS:                              {"application/vnd.apple.mpegurl", "private, max-age=60"},
		l.DASH:                             {"application/dash+xml", "private, max-age=60"},
		l.Prefix + "index_1080p_00001.m4s": {"video/iso.segment", "private, max-age=86400, immutable"},
		l.Prefix + "captions_en.vtt":       {"text/vtt", "private, max-age=86400, immutable"},
		l.ThumbnailKey(3):                  {"image/jpeg", "private, max-age=86400, immutable"},
		l.Prefix + "notes.bin":             {"application/x-ottkit", "private, max-age=86400, immutable"},
	} {
		info, err := m.Head(context.Background(), edge, key)
		if err != nil {
			t.Fatal(err)
		}
		if info.ContentType != want[0] || info.CacheControl != want[1] {
			t.Errorf("%s: content-type %q cache-control %q, want %q %q", key, info.ContentType, info.CacheControl, want[0], want[1])
		}
	}
}

func TestCompleteMirrorFailureIsRetriedNeverReady(t *testing.T) {
	f := newFixture(t)
	m := f.withMirror(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
	total := len(f.store.Keys(delivery, pipeline.AssetPrefix("a1")))

	m.Fail("PutStream", 1)
	err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f))
	if !errors.Is(err, stagetest.ErrInjected) {
		t.Fatalf("err = %v, want the failed copies reported (so the result is delivered again)", err)
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("status %s after a partial mirror, want transcoding", a.Status)
	}
	if n := f.notifier.Notifications(); len(n) != 0 {
		t.Errorf("notifications %+v after a partial mirror, want none", n)
	}
	if info, _ := f.store.Head(context.Background(), masters, "a1/clip.mp4"); info.StorageClass != "" {
		t.Errorf("master archived (%q) before the mirror was complete", info.StorageClass)
	}
	first := versions(t, m, "a1")
	if len(first) >= total {
		t.Fatalf("%d of %d objects mirrored although a copy failed", len(first), total)
	}

	// The redelivery copies only what is missing, then the asset is ready.
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
		t.Fatal(err)
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusReady {
		t.Fatalf("status %s, want ready", a.Status)
	}
	second := versions(t, m, "a1")
	if len(second) != total {
		t.Errorf("%d objects mirrored, want %d", len(second), total)
	}
	for key, v := range first {
		if second[key] != v {
			t.Errorf("%s was copied again (version %s → %s)", key, v, second[key])
		}
	}
	if !strings.Contains(f.logs.String(), `"alreadyMirrored":`+fmt.Sprint(len(first))) {
		t.Errorf("logs do not say %d objects were already mirrored:\n%s", len(first), f.logs)
	}
}

func TestCompleteDuplicateCopiesNothingTwice(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(f *fixture)
	}{
		// The catalog write failed after the mirror: the redelivery finds it complete.
		{"redelivered before ready", func(f *fixture) { f.catalog.Fail("Update", 1) }},
		// The asset is ready: the duplicate is dropped before any copy.
		{"duplicate after ready", func(*fixture) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			m := f.withMirror(t)
			f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
			tc.fault(f)
			_ = f.h.Handle(context.Background(), done("a1", "job-1", 1, f))
			first := versions(t, m, "a1")
			if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
				t.Fatal(err)
			}
			if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusReady {
				t.Fatalf("status %s, want ready", a.Status)
			}
			if second := versions(t, m, "a1"); !maps.Equal(first, second) || len(first) == 0 {
				t.Errorf("versions %v then %v: the duplicate copied again", first, second)
			}
		})
	}
}

func TestCompleteMirrorRepairsWhatDiffers(t *testing.T) {
	f := newFixture(t)
	m := f.withMirror(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
	l := pipeline.LayoutFor("a1")
	m.Put(edge, l.HLS, []byte("#EXTM3U truncated by hand and longer"), "", nil)
	m.Put(edge, l.Prefix+"old_segment.m4s", []byte("left by an older copy"), "", nil)
	m.Put(edge, pipeline.AssetPrefix("a10")+"index.m3u8", []byte("another asset"), "", nil)
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
		t.Fatal(err)
	}
	if b, _ := m.Bytes(edge, l.HLS); string(b) != "x" {
		t.Errorf("manifest of another size holds %q, want it copied again", b)
	}
	if _, ok := m.Bytes(edge, l.Prefix+"old_segment.m4s"); ok {
		t.Error("an object the delivery bucket does not hold stayed in the mirror")
	}
	if _, ok := m.Bytes(edge, pipeline.AssetPrefix("a10")+"index.m3u8"); !ok {
		t.Error("another asset's object was removed")
	}
}

func TestCompleteMirrorReadFailureIsRetried(t *testing.T) {
	f := newFixture(t)
	m := f.withMirror(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
	f.store.Fail("Get", 1)
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); !errors.Is(err, stagetest.ErrInjected) {
		t.Fatalf("err = %v, want the failed read", err)
	}
	if a := f.catalog.Asset("a1"); a.Status == pipeline.StatusReady {
		t.Fatal("ready with a partial mirror")
	}
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
		t.Fatal(err)
	}
	if got, want := len(m.Keys(edge, "assets/a1/")), len(f.store.Keys(delivery, "assets/a1/")); got != want {
		t.Errorf("%d objects mirrored, want %d", got, want)
	}
}

func TestMirrorToRejectsAnIncompleteMirror(t *testing.T) {
	store := stagetest.NewObjectStore()
	for _, tc := range []struct {
		m    complete.Mirror
		want string
	}{
		{complete.Mirror{Store: store, Bucket: edge}, "Source"},
		{complete.Mirror{Source: store, Bucket: edge}, "Store"},
		{complete.Mirror{Source: store, Store: store}, "Bucket"},
		{complete.Mirror{Source: store, Store: store, Bucket: edge, Concurrency: -1}, "Concurrency"},
	} {
		if err := newFixture(t).h.MirrorTo(tc.m); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("MirrorTo(%+v) = %v, want an error naming %s", tc.m, err, tc.want)
		}
	}
}

func TestMirrorContentType(t *testing.T) {
	for _, tc := range []struct{ key, stored, want string }{
		{"assets/a/index.m3u8", "binary/octet-stream", "application/vnd.apple.mpegurl"},
		{"assets/a/thumbs/thumb0000000003.jpeg", "", "image/jpeg"},
		{"assets/a/INDEX.MPD", "", "application/dash+xml"},
		{"assets/a/x.bin", "application/x-thing", "application/x-thing"},
		{"assets/a/x", "", "application/octet-stream"},
	} {
		if got := complete.MirrorContentType(tc.key, tc.stored); got != tc.want {
			t.Errorf("MirrorContentType(%q, %q) = %q, want %q", tc.key, tc.stored, got, tc.want)
		}
	}
}

// BenchmarkCompleteWithMirror: one completed job of a 10-minute title (4 video renditions
// and audio in 6 s segments, 60 thumbnails: about 570 objects) mirrored to the in-memory
// fakes, per op. It measures the stage's own work per object, not the network.
func BenchmarkCompleteWithMirror(b *testing.B) {
	segment := make([]byte, 1024)
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		m := stagetest.NewObjectStore()
		if err := f.h.MirrorTo(complete.Mirror{Source: f.store, Store: m, Bucket: edge}); err != nil {
			b.Fatal(err)
		}
		f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
		for r := range 5 {
			for n := range 100 {
				f.store.Put(delivery, fmt.Sprintf("assets/a1/index_%d_%05d.m4s", r, n), segment, "", nil)
			}
		}
		for n := 10; n < 60; n++ {
			f.store.Put(delivery, pipeline.LayoutFor("a1").ThumbnailKey(n), segment, "", nil)
		}
		res := done("a1", "job-1", 1, f)
		b.StartTimer()
		if err := f.h.Handle(context.Background(), res); err != nil {
			b.Fatal(err)
		}
	}
}
