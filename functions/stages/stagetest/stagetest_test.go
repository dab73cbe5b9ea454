package stagetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// The fakes pass the suites every adapter passes, so a stage tested on them is tested against
// the same semantics.

func TestCatalogContract(t *testing.T) {
	stagetest.CatalogContract(t, func(*testing.T) pipeline.Catalog { return stagetest.NewCatalog() })
}

func TestObjectStoreContract(t *testing.T) {
	stagetest.ObjectStoreContract(t, func(*testing.T) stagetest.ObjectStoreFixture {
		s := stagetest.NewObjectStore()
		return stagetest.ObjectStoreFixture{
			Store: s, Bucket: "ingest", OtherBucket: "masters", ArchiveClass: "GLACIER_IR",
			Put: func(_ *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				s.Put(bucket, key, data, contentType, meta)
			},
		}
	})
}

func TestObjectIOContract(t *testing.T) {
	fixture := func(*testing.T) stagetest.ObjectStoreFixture {
		s := stagetest.NewObjectStore()
		return stagetest.ObjectStoreFixture{
			Store: s, Bucket: "delivery", OtherBucket: "masters", ArchiveClass: "GLACIER_IR",
			Put: func(_ *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				s.Put(bucket, key, data, contentType, meta)
			},
		}
	}
	stagetest.ObjectGetterContract(t, fixture)
	stagetest.ObjectWriterContract(t, func(*testing.T) stagetest.ObjectWriterFixture {
		s := stagetest.NewObjectStore()
		return stagetest.ObjectWriterFixture{Writer: s, Store: s, Bucket: "edge"}
	})
}

func queueFixture(*testing.T) stagetest.QueueFixture {
	q := &stagetest.Queue{}
	return stagetest.QueueFixture{Queue: q, Receive: func(*testing.T) []string { return q.Receive() }}
}

func TestQueueContract(t *testing.T)        { stagetest.QueueContract(t, queueFixture) }
func TestDelayedQueueContract(t *testing.T) { stagetest.DelayedQueueContract(t, queueFixture) }

func TestNotifierContract(t *testing.T) {
	stagetest.NotifierContract(t, func(*testing.T) stagetest.NotifierFixture {
		n := &stagetest.Notifier{}
		seen := 0
		return stagetest.NotifierFixture{Notifier: n, Receive: func(*testing.T) []pipeline.Notification {
			all := n.Notifications()
			out := all[seen:]
			seen = len(all)
			return out
		}}
	})
}

func TestTranscoderContract(t *testing.T) {
	stagetest.TranscoderContract(t, func(*testing.T) stagetest.TranscoderFixture {
		now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
		tc := &stagetest.Transcoder{Now: func() time.Time { return now }}
		return stagetest.TranscoderFixture{
			Transcoder: tc,
			Asset:      &pipeline.Asset{ID: "a1", Tenant: "acme", Status: pipeline.StatusQueued, Source: pipeline.Object{Bucket: "masters", Key: "a1/clip.mp4"}},
			Plan:       pipeline.Plan{Renditions: []pipeline.Rendition{{Width: 640, Height: 360, MaxBitrate: 900_000}}},
			Advance:    func(d time.Duration) { now = now.Add(d) },
			Jobs:       func() int { return len(tc.Jobs()) },
		}
	})
}

func TestTranscoderForgetsTokensAfterAMinute(t *testing.T) {
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	tc := &stagetest.Transcoder{Now: func() time.Time { return now }}
	a := &pipeline.Asset{ID: "a1", Tenant: "acme"}
	first, _ := tc.Submit(context.Background(), a, pipeline.Plan{})
	now = now.Add(stagetest.TokenWindow)
	second, _ := tc.Submit(context.Background(), a, pipeline.Plan{})
	if first == second || len(tc.Jobs()) != 2 {
		t.Errorf("submissions a minute apart = %q, %q with %d jobs; want two jobs, as MediaConvert bills", first, second, len(tc.Jobs()))
	}
}

func TestFakePlaybackSignerVerifies(t *testing.T) {
	s := &stagetest.PlaybackSigner{}
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	cookies, err := s.Sign(context.Background(), "/assets/a1/", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(cookies, "/assets/a1/index.m3u8", now); err != nil {
		t.Errorf("Verify of the asset's playlist: %v", err)
	}
	if err := s.Verify(cookies, "/assets/a2/index.m3u8", now); err == nil {
		t.Error("the cookie verified for another asset")
	}
	if err := s.Verify(cookies, "/assets/a1/index.m3u8", now.Add(time.Minute)); err == nil {
		t.Error("the cookie verified after it expired")
	}
	cookies[0].Value += "0"
	if err := s.Verify(cookies, "/assets/a1/index.m3u8", now); err == nil {
		t.Error("a tampered cookie verified")
	}
}

func TestPlaybackSignerContract(t *testing.T) {
	stagetest.PlaybackSignerContract(t, func(*testing.T) stagetest.PlaybackSignerFixture {
		s := &stagetest.PlaybackSigner{}
		return stagetest.PlaybackSignerFixture{Signer: s, Verify: s.Verify}
	})
}

func TestUploadSignerContract(t *testing.T) {
	stagetest.UploadSignerContract(t, func(t *testing.T) stagetest.UploadSignerFixture {
		store := stagetest.NewObjectStore()
		u := stagetest.NewUploadSigner(store)
		t.Cleanup(u.Close)
		return stagetest.UploadSignerFixture{Signer: u, Store: store, Bucket: "ingest", Client: u.Client(), MinPartSize: 5 << 20}
	})
}
