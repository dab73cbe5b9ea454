package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
)

// truth is what TestProbeTruth expects beyond checkInfo's basics; zero fields are not checked.
type truth struct {
	duration     time.Duration
	tolerance    time.Duration
	from         string
	fps          float64
	w, h         int // the picture, cropping applied
	codedW       int
	codedH       int
	par          [2]int
	displayW     int
	hdr          string
	bitDepth     int
	codec        string
	channels     []int
	interlaced   bool
	languages    []string
	maxBytesRead int64
}

// TestProbeTruth runs the probe on real files ffmpeg made for each class the probe once got
// wrong: durations no header states (or states falsely), anamorphic and padded pictures, HDR,
// surround sound and codecs beyond the common ones.
func TestProbeTruth(t *testing.T) {
	tests := []struct {
		kind testmedia.Kind
		want truth
	}{
		{testmedia.FragmentedStock, truth{duration: 4 * time.Second, from: "fragments", fps: 25, w: 320, h: 240}},
		{testmedia.FragmentedDASH, truth{duration: 4 * time.Second, from: "fragment-index", fps: 25, w: 320, h: 240}},
		{testmedia.FragmentedMP4, truth{duration: 2 * time.Second, from: "fragments", fps: 10}},
		{testmedia.FiveHourFragmented, truth{duration: 5 * time.Hour, tolerance: time.Minute, from: "fragments", fps: 1}},
		{testmedia.FiveHourLiveMKV, truth{duration: 5 * time.Hour, tolerance: time.Minute, from: "clusters", fps: 1}},
		{testmedia.FiveHourTS, truth{duration: 5 * time.Hour, tolerance: time.Minute, from: "timestamps", fps: 1, maxBytesRead: 1 << 20}},
		{testmedia.FiveHourMP4, truth{duration: 5 * time.Hour, tolerance: time.Second, from: "samples", fps: 1}},
		{testmedia.TSRestart, truth{duration: 7 * time.Second, tolerance: 300 * time.Millisecond, from: "timestamps", fps: 10}},
		{testmedia.PAL169, truth{w: 720, h: 576, par: [2]int{64, 45}, displayW: 1024, codec: "mpeg2"}},
		{testmedia.HDV, truth{w: 1440, h: 1080, codedW: 1440, codedH: 1088, par: [2]int{4, 3}, displayW: 1920, codec: "mpeg2"}},
		{testmedia.MPEG2HD, truth{w: 1920, h: 1080, codedW: 1920, codedH: 1088, par: [2]int{1, 1}, displayW: 1920, codec: "mpeg2"}},
		{testmedia.AnamorphicMP4, truth{w: 720, h: 576, par: [2]int{64, 45}, displayW: 1024}},
		{testmedia.AnamorphicMKV, truth{w: 720, h: 576, par: [2]int{64, 45}, displayW: 1024}},
		{testmedia.HDR10, truth{hdr: "hdr10", bitDepth: 10, codec: "hevc"}},
		{testmedia.HLG, truth{hdr: "hlg", bitDepth: 10, codec: "hevc"}},
		{testmedia.Landscape1080p, truth{bitDepth: 8, par: [2]int{1, 1}}},
		{testmedia.Surround, truth{channels: []int{6, 1}, languages: []string{"und", "spa"}}},
		{testmedia.SurroundTS, truth{channels: []int{6, 6, 1}, languages: []string{"und", "und", "und"}, codec: "h264"}},
		{testmedia.SurroundDolbyMP4, truth{channels: []int{6, 6}, languages: []string{"und", "und"}, codec: "h264"}},
		{testmedia.SurroundMXF, truth{channels: []int{6}, languages: []string{"und"}, codec: "mpeg2"}},
		{testmedia.InterlacedTS, truth{w: 720, h: 576, fps: 25, codec: "h264", interlaced: true}},
		{testmedia.InterlacedMXF, truth{w: 720, h: 576, fps: 25, codec: "mpeg2", interlaced: true}},
		{testmedia.InterlacedMOV, truth{w: 720, h: 576, fps: 25, codec: "prores", interlaced: true}},
		{testmedia.InterlacedMKV, truth{w: 720, h: 576, fps: 25, codec: "h264", interlaced: true}},
		{testmedia.InterlacedHEVC, truth{w: 720, h: 576, fps: 25, codec: "hevc", interlaced: true}},
		{testmedia.DNxHR, truth{codec: "dnxhd", w: 320, h: 240}},
		{testmedia.DV, truth{codec: "dv", w: 720, h: 576}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			src := &countingSource{Source: openSource(t, testmedia.Path(t, tt.kind))}
			info, err := Probe(context.Background(), src, Limits{})
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			checkTruth(t, info, tt.want)
			if info.BytesRead > DefaultMaxBytes || (tt.want.maxBytesRead > 0 && info.BytesRead > tt.want.maxBytesRead) {
				t.Errorf("BytesRead = %d in %d reads, over the budget", info.BytesRead, src.reads)
			}
		})
	}
}

func checkTruth(t *testing.T, info *Info, w truth) {
	t.Helper()
	v := info.Video
	if v == nil {
		t.Fatal("no video track")
	}
	if w.duration > 0 {
		tol := w.tolerance
		if tol == 0 {
			tol = 100 * time.Millisecond
		}
		if d := info.Duration - w.duration; d < -tol || d > tol {
			t.Errorf("Duration = %v, want %v ± %v", info.Duration, w.duration, tol)
		}
	}
	if w.from != "" && info.DurationFrom != w.from {
		t.Errorf("DurationFrom = %q, want %q", info.DurationFrom, w.from)
	}
	if w.fps > 0 && v.FrameRate != w.fps {
		t.Errorf("FrameRate = %v, want %v", v.FrameRate, w.fps)
	}
	if w.w > 0 && (v.Width != w.w || v.Height != w.h) {
		t.Errorf("picture %dx%d, want %dx%d", v.Width, v.Height, w.w, w.h)
	}
	if w.codedW > 0 && (v.CodedWidth != w.codedW || v.CodedHeight != w.codedH) {
		t.Errorf("coded %dx%d, want %dx%d", v.CodedWidth, v.CodedHeight, w.codedW, w.codedH)
	}
	if w.par != [2]int{} && v.PixelAspect != w.par {
		t.Errorf("PixelAspect = %v, want %v", v.PixelAspect, w.par)
	}
	if dw, _ := v.DisplaySize(); w.displayW > 0 && dw != w.displayW {
		t.Errorf("display width %d, want %d", dw, w.displayW)
	}
	if v.HDR != w.hdr {
		t.Errorf("HDR = %q, want %q", v.HDR, w.hdr)
	}
	if w.bitDepth > 0 && v.BitDepth != w.bitDepth {
		t.Errorf("BitDepth = %d, want %d", v.BitDepth, w.bitDepth)
	}
	if v.Interlaced != w.interlaced {
		t.Errorf("Interlaced = %v, want %v", v.Interlaced, w.interlaced)
	}
	if w.codec != "" && v.Codec != w.codec {
		t.Errorf("Codec = %q, want %q", v.Codec, w.codec)
	}
	if w.channels != nil {
		if len(info.Audio) != len(w.channels) {
			t.Fatalf("Audio = %+v, want %d tracks", info.Audio, len(w.channels))
		}
		for i, a := range info.Audio {
			if a.Channels != w.channels[i] || a.Language != w.languages[i] {
				t.Errorf("Audio[%d] = %+v, want %d channels in %q", i, a, w.channels[i], w.languages[i])
			}
		}
	}
}

// setBox overwrites, in the first box of type typ found in b (a plain search, as the fixture
// needs no more), the bytes at offset at of its payload.
func setBox(t *testing.T, b []byte, typ string, at int, val []byte) {
	t.Helper()
	i := bytes.Index(b, []byte(typ))
	if i < 4 {
		t.Fatalf("test fixture: no %s box", typ)
	}
	copy(b[i+4+at:], val)
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// TestProbeEditedDurations edits the three stated durations of a real 5-hour MP4 (mvhd,
// tkhd, mdhd): to 0, to "unknown" (all ones) and to a value that overflows a Duration once
// the timescale is 1 ns-scale; the sample tables still say 5 hours.
func TestProbeEditedDurations(t *testing.T) {
	orig := readFile(t, testmedia.Path(t, testmedia.FiveHourMP4))
	for _, tt := range []struct {
		name      string
		duration  []byte
		timescale []byte
	}{
		{"zero", be32(0), nil},
		{"unknown", be32(0xffffffff), nil},
		{"overflowing", be32(0xfffffffe), be32(1)}, // 4294967294 s claimed: 136 years
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(orig)
			// Version 0 boxes: mvhd and mdhd have timescale at 12 and duration at 16;
			// tkhd has its duration at 20.
			for _, f := range []struct {
				typ        string
				ts, durOff int
			}{{"mvhd", 12, 16}, {"mdhd", 12, 16}, {"tkhd", -1, 20}} {
				setBox(t, b, f.typ, f.durOff, tt.duration)
				if tt.timescale != nil && f.ts >= 0 {
					setBox(t, b, f.typ, f.ts, tt.timescale)
				}
			}
			info, err := Probe(context.Background(), BytesSource(b), Limits{})
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if tt.timescale != nil {
				// With mdhd's timescale edited the samples count seconds: 18000 frames of
				// one unit each is 18000 s all the same.
				if info.Duration < 5*time.Hour-time.Minute {
					t.Errorf("Duration = %v, want at least 5h: the samples hold that much", info.Duration)
				}
				return
			}
			checkTruth(t, info, truth{duration: 5 * time.Hour, tolerance: time.Second, from: "samples"})
		})
	}
}

// TestProbeDisplayMatrix writes right-angle and other matrices into a real file's tkhd:
// right angles are rotations, anything else is reported as a transform, never rounded.
func TestProbeDisplayMatrix(t *testing.T) {
	orig := readFile(t, testmedia.Path(t, testmedia.NoAudio))
	const one = 1 << 16
	for _, tt := range []struct {
		name       string
		a, b, c, d int32
		rotation   int
		transform  string
	}{
		{"identity", one, 0, 0, one, 0, ""},
		{"90", 0, one, -one, 0, 90, ""},
		{"180", -one, 0, 0, -one, 180, ""},
		{"270", 0, -one, one, 0, 270, ""},
		{"30 degrees", 56756, 32768, -32768, 56756, 0, "a display matrix rotating by 30.0°"},
		{"mirrored", -one, 0, 0, one, 0, "a mirrored display matrix"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(orig)
			m := append(append(append(be32(uint32(tt.a)), be32(uint32(tt.b))...), be32(0)...), append(be32(uint32(tt.c)), be32(uint32(tt.d))...)...)
			setBox(t, b, "tkhd", 40, m)
			info, err := Probe(context.Background(), BytesSource(b), Limits{})
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if info.Video.Rotation != tt.rotation || info.Video.Transform != tt.transform {
				t.Errorf("Rotation %d, Transform %q; want %d, %q", info.Video.Rotation, info.Video.Transform, tt.rotation, tt.transform)
			}
		})
	}
}

// TestProbeContainerSizeLies edits the sample entry's size of a real 640x360 file: the
// header size the probe reports stays the SPS's, so the verdict can catch the lie.
func TestProbeContainerSizeLies(t *testing.T) {
	b := bytes.Clone(readFile(t, testmedia.Path(t, testmedia.NoAudio)))
	// avc1 sample entry: width and height at 24 and 26 after the fourcc.
	i := bytes.Index(b, []byte("stsd"))
	i += bytes.Index(b[i:], []byte("avc1"))
	if i < 0 {
		t.Fatal("test fixture: no avc1 entry")
	}
	binary.BigEndian.PutUint16(b[i+4+24:], 65535)
	binary.BigEndian.PutUint16(b[i+4+26:], 65535)
	info, err := Probe(context.Background(), BytesSource(b), Limits{})
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	v := info.Video
	if v.CodedWidth != 65535 || v.CodedHeight != 65535 || v.HeaderWidth != 640 || v.HeaderHeight != 360 {
		t.Errorf("coded %dx%d, header %dx%d; want 65535x65535 over a 640x360 SPS", v.CodedWidth, v.CodedHeight, v.HeaderWidth, v.HeaderHeight)
	}
}

// unindexedFragments is the stock fragmented clip without its mfra index, padded at the end
// with pad bytes of free space: a fragmented file whose last fragment lies pad bytes before
// the end.
func unindexedFragments(t testing.TB, pad int) []byte {
	t.Helper()
	clip := readFile(t, testmedia.Path(t, testmedia.FragmentedStock))
	mfra := findTop(t, topBoxes(t, clip), "mfra")
	free := make([]byte, pad)
	binary.BigEndian.PutUint32(free, uint32(pad))
	copy(free[4:], "free")
	return append(bytes.Clone(clip[:mfra.off]), free...)
}

// TestProbeFragmentsWithoutIndex: without mfra or sidx the last fragment is found by reading
// backwards in steps (here 1 MiB of padding after it), and beyond the read budget the duration
// is unknown, which the verdict rejects, having read no more than the budget.
func TestProbeFragmentsWithoutIndex(t *testing.T) {
	near := &countingSource{Source: BytesSource(unindexedFragments(t, 1<<20))}
	info, err := Probe(context.Background(), near, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkTruth(t, info, truth{duration: 4 * time.Second, from: "fragments", fps: 25})
	t.Logf("1 MiB past the last fragment: %d bytes in %d reads", near.bytes, near.reads)

	far := &countingSource{Source: BytesSource(unindexedFragments(t, 6<<20))}
	info, err = Probe(context.Background(), far, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration != 0 || info.DurationFrom != "" {
		t.Errorf("Duration %v from %q, want unknown past the budget", info.Duration, info.DurationFrom)
	}
	if far.bytes > DefaultMaxBytes {
		t.Errorf("read %d bytes, over the %d budget", far.bytes, DefaultMaxBytes)
	}
	t.Logf("6 MiB past the last fragment: %d bytes in %d reads, duration unknown", far.bytes, far.reads)
}

// TestProbeMXFCodecHeader reads the MPEG-2 sequence header of MXF essence: the stored
// 1920x1088 is the 1080-line picture padded to whole macroblocks, as the header says.
func TestProbeMXFCodecHeader(t *testing.T) {
	for _, k := range []testmedia.Kind{testmedia.MPEG2HD, testmedia.HDV} {
		src := &countingSource{Source: openSource(t, testmedia.Path(t, k))}
		info, err := Probe(context.Background(), src, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		v := info.Video
		if v.HeaderHeight != 1080 || v.CodedHeight != 1088 || v.Height != 1080 || v.HeaderWidth != v.Width {
			t.Errorf("%s: header %dx%d, coded %dx%d, picture %dx%d; want a 1080-line header over 1088 stored rows", k, v.HeaderWidth, v.HeaderHeight, v.CodedWidth, v.CodedHeight, v.Width, v.Height)
		}
		if src.reads > 2 {
			t.Errorf("%s: %d reads, want at most 2", k, src.reads)
		}
	}
}

// TestTSDuration adds up timestamps over chunks read from a stream, as tsDuration sees them:
// 90 kHz ticks, frames 3600 ticks (25 fps) apart, each chunk 100,000 bytes.
func TestTSDuration(t *testing.T) {
	run := func(from uint64, frames int) []uint64 {
		var out []uint64
		for i := range frames {
			out = append(out, (from+uint64(i)*3600)%tsPTSWrap)
		}
		return out
	}
	const frame = 3600
	chunk := func(start int64, pts []uint64) tsChunk { return tsChunk{start: start, end: start + 100_000, pts: pts} }
	tests := []struct {
		name   string
		chunks []tsChunk
		want   time.Duration
	}{
		{"one continuous chunk", []tsChunk{chunk(0, run(0, 250))}, 10 * time.Second},
		{"a restart inside a chunk counts both runs", []tsChunk{chunk(0, append(run(900000, 125), run(0, 125)...))}, 10 * time.Second},
		{"wrapping past 2^33 is continuous", []tsChunk{chunk(0, run(tsPTSWrap-90000, 250))}, 10 * time.Second},
		// Head and tail 100 kB each, 10 s apart at 100 kB per 10 s: the step is taken.
		{"head and tail agree with the bytes", []tsChunk{chunk(0, run(0, 250)), chunk(200_000, run(1_800_000, 250))}, 30 * time.Second},
		// The tail's timestamps are below the head's: a restart the probe did not read. The
		// byte distance at the chunks' own rate (100 kB per 10 s) stands in: 10 s.
		{"a restart between chunks", []tsChunk{chunk(0, run(1_000_000, 250)), chunk(200_000, run(0, 250))}, 30 * time.Second},
		// Far forward (a day) is a restart too.
		{"a jump of a day between chunks", []tsChunk{chunk(0, run(0, 250)), chunk(200_000, run(86400*90000, 250))}, 30 * time.Second},
		// Null packets padding a constant bitrate: fewer seconds than the bytes suggest is
		// plausible and taken as is.
		{"padding between chunks", []tsChunk{chunk(0, run(0, 250)), chunk(10_000_000, run(1_800_000, 250))}, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := time.Duration(tsDuration(tt.chunks, frame) * uint64(time.Second) / tsClock)
			if d := got - tt.want; d < -100*time.Millisecond || d > 100*time.Millisecond {
				t.Errorf("tsDuration = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTicksToDuration(t *testing.T) {
	for _, tt := range []struct {
		ticks uint64
		want  time.Duration
	}{
		{0, 0}, {90000, time.Second}, {45, 500 * time.Microsecond},
		{5 * 3600 * 90000, 5 * time.Hour},
		{math.MaxUint64, time.Duration(math.MaxInt64)}, // saturates: judged too long, never short
	} {
		if got := ticksToDuration(tt.ticks); got != tt.want {
			t.Errorf("ticksToDuration(%d) = %v, want %v", tt.ticks, got, tt.want)
		}
	}
}
