package probe

import (
	"context"
	"testing"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
)

// BenchmarkProbeSparse10GiB probes a 10 GiB file whose moov is at the end, from disk.
func BenchmarkProbeSparse10GiB(b *testing.B) {
	src := &countingSource{Source: openSource(b, sparseMP4(b, false))}
	b.ReportAllocs()
	b.ResetTimer()
	var read int64
	for b.Loop() {
		info, err := Probe(context.Background(), src, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		read = info.BytesRead
	}
	b.ReportMetric(float64(read), "bytes-read/op")
	b.ReportMetric(float64(src.reads)/float64(b.N), "reads/op")
}

func benchmarkKind(b *testing.B, k testmedia.Kind) {
	benchmarkBytes(b, readFile(b, testmedia.Path(b, k)))
}

// benchmarkBytes probes data held in memory, reporting the bytes and reads each probe costs.
func benchmarkBytes(b *testing.B, data []byte) {
	src := &countingSource{Source: BytesSource(data)}
	b.ReportAllocs()
	b.ResetTimer()
	var read int64
	for b.Loop() {
		info, err := Probe(context.Background(), src, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		read = info.BytesRead
	}
	b.ReportMetric(float64(read), "bytes-read/op")
	b.ReportMetric(float64(src.reads)/float64(b.N), "reads/op")
}

// BenchmarkProbeWorstCase is the most a probe reads: a fragmented MP4 with no index whose last
// fragment lies beyond the whole read budget, so the stepped tail search spends all of it.
func BenchmarkProbeWorstCase(b *testing.B) { benchmarkBytes(b, unindexedFragments(b, 6<<20)) }

func BenchmarkProbeFiveHourFragmented(b *testing.B) { benchmarkKind(b, testmedia.FiveHourFragmented) }

func BenchmarkProbeFiveHourLiveMKV(b *testing.B) { benchmarkKind(b, testmedia.FiveHourLiveMKV) }

func BenchmarkProbeFiveHourTS(b *testing.B) { benchmarkKind(b, testmedia.FiveHourTS) }

func BenchmarkProbeTSRestart(b *testing.B) { benchmarkKind(b, testmedia.TSRestart) }

// BenchmarkProbeMP4 probes a fast-start 1080p MP4 held in memory: parsing cost without I/O.
func BenchmarkProbeMP4(b *testing.B) { benchmarkKind(b, testmedia.Landscape1080p) }

func BenchmarkProbeMatroska(b *testing.B) { benchmarkKind(b, testmedia.MKV) }

func BenchmarkProbeMPEGTS(b *testing.B) { benchmarkKind(b, testmedia.MPEGTS) }

func BenchmarkProbeMXF(b *testing.B) { benchmarkKind(b, testmedia.MXF) }
