package ffmpeg

import (
	"context"
	"testing"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// BenchmarkTranscode1080p10s encodes the 10 s 1080p source with the stack's default ladder
// (1080p, 720p, 480p, 360p, audio, poster, thumbnails): the transcode part of upload to
// playable on this machine. It reports ffmpeg's CPU time and how many times real time the
// encode ran.
//
//	go test -run '^$' -bench Transcode1080p10s -benchtime 1x ./functions/local/ffmpeg
func BenchmarkTranscode1080p10s(b *testing.B) {
	rungs := []pipeline.Rung{{Height: 1080, MaxBitrate: 6_000_000}, {Height: 720, MaxBitrate: 3_500_000},
		{Height: 480, MaxBitrate: 1_500_000}, {Height: 360, MaxBitrate: 800_000}}
	src := testmedia.Path(b, testmedia.Landscape1080p10s)
	var cpu, wall float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		res := newResults()
		dir := b.TempDir()
		tc, err := New(Config{
			SourcePath:     func(string, string) (string, error) { return src, nil },
			DeliveryBucket: deliveryBucket, DeliveryDir: dir + "/delivery", WorkDir: dir + "/work",
			ThumbnailInterval: 10, Results: res,
		})
		if err != nil {
			b.Fatal(err)
		}
		plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1920, Height: 1080, FrameRate: 24, Audio: true},
			pipeline.LadderConfig{Rungs: rungs, Codec: pipeline.CodecH264})
		if err != nil {
			b.Fatal(err)
		}
		a := &pipeline.Asset{ID: pipeline.AssetID("ingest", "bench.mp4", ""), Source: pipeline.Object{Bucket: "masters", Key: "bench.mp4"}}
		b.StartTimer()
		id, err := tc.Submit(context.Background(), a, plan)
		if err != nil {
			b.Fatal(err)
		}
		for r := range res.ch {
			if r.State.Final() {
				if r.State != pipeline.JobComplete {
					b.Fatalf("job ended %s: %s", r.State, r.ErrorMessage)
				}
				break
			}
		}
		b.StopTimer()
		tc.Close()
		st, err := JobStats(dir+"/work", id)
		if err != nil {
			b.Fatal(err)
		}
		cpu += st.CPU.Seconds()
		wall += st.Wall.Seconds()
	}
	b.ReportMetric(cpu/float64(b.N), "ffmpeg-cpu-s/op")
	b.ReportMetric(10*float64(b.N)/wall, "x-realtime")
}
