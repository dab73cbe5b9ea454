package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
)

// compactMP4 keeps a clip's boxes but empties its mdat, leaving a few kilobytes of real
// structure for the fuzzer to mutate.
func compactMP4(t testing.TB, k testmedia.Kind) []byte {
	t.Helper()
	clip := readFile(t, testmedia.Path(t, k))
	var out []byte
	for _, bx := range topBoxes(t, clip) {
		if bx.typ == "mdat" {
			out = append(out, mp4Box("mdat")...)
			continue
		}
		out = append(out, clip[bx.off:bx.off+bx.size]...)
	}
	return out
}

// compactMatroska cuts a clip before its first Cluster and shrinks the Segment to match.
func compactMatroska(t testing.TB, k testmedia.Kind) []byte {
	t.Helper()
	clip := readFile(t, testmedia.Path(t, k))
	cut := bytes.Index(clip, []byte{0x1f, 0x43, 0xb6, 0x75})
	seg := bytes.Index(clip, []byte{0x18, 0x53, 0x80, 0x67})
	if cut < 0 || seg < 0 || clip[seg+4] != 0x01 {
		t.Fatalf("test fixture: %s has no cluster or no 8-byte segment size", k)
	}
	out := append([]byte(nil), clip[:cut]...)
	binary.BigEndian.PutUint64(out[seg+4:], uint64(cut-seg-12))
	out[seg+4] = 0x01
	return out
}

func head(t testing.TB, k testmedia.Kind, n int) []byte {
	t.Helper()
	b := readFile(t, testmedia.Path(t, k))
	if len(b) > n {
		b = b[:n]
	}
	return b
}

func mp4Seeds(f *testing.F) {
	for _, k := range []testmedia.Kind{testmedia.Rotated90, testmedia.MoovAtEnd, testmedia.WithCaptions, testmedia.AudioOnly, testmedia.HEVC, testmedia.ProResMOV,
		testmedia.FragmentedStock, testmedia.FragmentedDASH, testmedia.HDR10, testmedia.AnamorphicMP4, testmedia.Surround} {
		f.Add(compactMP4(f, k))
	}
	f.Add(head(f, testmedia.Truncated, 4096))
	f.Add(bytes.Join([][]byte{ftypISOM, mp4Box("moov", mvhd(1000, 2000),
		mp4Box("trak", tkhd(1, true, 640, 360), mp4Box("mdia", mdhd(1000, 2000, "eng"), hdlr("vide"), stbl("avc1", 640, 360, 50, 40))),
		mp4Box("trak", tkhd(2, true, 0, 0), mp4Box("tref", mp4Box("chap", []byte{0, 0, 0, 1})), mp4Box("mdia", mdhd(1000, 2000, "eng"),
			mp4Box("elng", []byte("\x00\x00\x00\x00en\x00")), hdlr("sbtl"), stbl("tx3g", 0, 0, 2, 1000))),
		mp4Box("mvex", mp4Box("trex", make([]byte, 24)))), mp4Box("mdat")}, nil))
}

func matroskaSeeds(f *testing.F) {
	f.Add(compactMatroska(f, testmedia.MKV))
	f.Add(compactMatroska(f, testmedia.WebM))
	f.Add(compactMatroska(f, testmedia.LiveWebM))
	f.Add(compactMatroska(f, testmedia.AnamorphicMKV))
	f.Add(append(ebml(ebmlHeader, ebml(ebmlDocType, []byte("webm"))), ebml(mkvSegment,
		ebml(mkvInfo, ebml(mkvDuration, []byte{0x40, 0x9f, 0x40, 0, 0, 0, 0, 0})),
		ebml(mkvTracks, ebml(mkvTrackEntry, ebml(mkvTrackNumber, []byte{1}), ebml(mkvTrackType, []byte{1}), ebml(mkvCodecID, []byte("V_VP9")),
			ebml(mkvVideo, ebml(mkvPixelWidth, []byte{2, 0x80}), ebml(mkvPixelHeight, []byte{1, 0x68}),
				ebml(mkvProjection, ebml(mkvPoseRoll, []byte{0xc0, 0x56, 0x80, 0, 0, 0, 0, 0}))))),
		ebml(mkvCluster, ebml(mkvClusterTimestamp, []byte{0x07, 0xd0}), ebml(mkvSimpleBlock, []byte{0x81, 0, 0x28, 0x80})))...))
}

// sentinels are the errors every failed Probe must wrap.
var sentinels = []error{ErrEmpty, ErrNotVideo, ErrTruncated, ErrCorrupt, ErrNoVideoTrack, ErrUnsupportedContainer, ErrLimitExceeded}

// fuzzProbe probes data and checks what must hold for any input: no panic, the read budget
// kept and counted, an error that wraps a sentinel, and plausible values on success.
func fuzzProbe(t *testing.T, data []byte) {
	lim := Limits{MaxBytes: 256 << 10, MaxBoxes: 2000}
	src := &countingSource{Source: BytesSource(data)}
	info, err := Probe(context.Background(), src, lim)
	if src.bytes > lim.MaxBytes {
		t.Fatalf("read %d bytes, budget %d", src.bytes, lim.MaxBytes)
	}
	if err != nil {
		known := false
		for _, s := range sentinels {
			known = known || errors.Is(err, s)
		}
		if !known {
			t.Fatalf("Probe error %q wraps no sentinel", err)
		}
	} else if info == nil || info.Video == nil {
		t.Fatalf("Probe succeeded with info %+v, want a video track", info)
	}
	if info == nil {
		return
	}
	if info.BytesRead != src.bytes {
		t.Fatalf("BytesRead = %d, the source served %d", info.BytesRead, src.bytes)
	}
	if info.Duration < 0 || info.AudioTracks < 0 {
		t.Fatalf("Duration %v, AudioTracks %d", info.Duration, info.AudioTracks)
	}
	if v := info.Video; v != nil {
		if v.Rotation%90 != 0 || v.Rotation < 0 || v.Rotation >= 360 {
			t.Fatalf("Rotation = %d", v.Rotation)
		}
		if v.Width < 0 || v.Height < 0 || v.FrameRate < 0 || math.IsNaN(v.FrameRate) || math.IsInf(v.FrameRate, 0) {
			t.Fatalf("Video = %+v", v)
		}
		if v.Rotation != 0 && v.Transform != "" {
			t.Fatalf("Rotation %d with Transform %q: a transform is never rounded to a rotation", v.Rotation, v.Transform)
		}
		if dw, dh := v.DisplaySize(); dw < 0 || dh < 0 || v.PixelAspect[0] < 0 || v.PixelAspect[1] < 0 {
			t.Fatalf("display %dx%d, pixel aspect %v", dw, dh, v.PixelAspect)
		}
	}
}

func FuzzProbeMP4(f *testing.F) {
	mp4Seeds(f)
	f.Fuzz(fuzzProbe)
}

func FuzzProbeMatroska(f *testing.F) {
	matroskaSeeds(f)
	f.Fuzz(fuzzProbe)
}

func FuzzProbe(f *testing.F) {
	mp4Seeds(f)
	matroskaSeeds(f)
	f.Add(head(f, testmedia.MPEGTS, 40*tsPacket))
	f.Add(head(f, testmedia.MXF, 8<<10))
	f.Add(head(f, testmedia.HDV, 8<<10))
	f.Add(head(f, testmedia.HLG, 40*tsPacket))
	f.Add(head(f, testmedia.PAL169, 40*tsPacket))
	f.Add(head(f, testmedia.PNGAsMP4, 4096))
	f.Add(head(f, testmedia.AVI, 4096))
	f.Add([]byte{})
	f.Fuzz(fuzzProbe)
}

// TestSeedsProbe makes sure the compacted seeds are still valid media, so the fuzzer starts
// from inputs that reach deep into each parser.
func TestSeedsProbe(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"rotated mp4", compactMP4(t, testmedia.Rotated90), nil},
		{"moov at end", compactMP4(t, testmedia.MoovAtEnd), nil},
		{"prores mov", compactMP4(t, testmedia.ProResMOV), nil},
		{"audio only", compactMP4(t, testmedia.AudioOnly), ErrNoVideoTrack},
		{"fragmented, stock ffmpeg", compactMP4(t, testmedia.FragmentedStock), nil},
		{"fragmented, dash", compactMP4(t, testmedia.FragmentedDASH), nil},
		{"mkv", compactMatroska(t, testmedia.MKV), nil},
		{"webm", compactMatroska(t, testmedia.WebM), nil},
		{"ts head", head(t, testmedia.MPEGTS, 40*tsPacket), nil},
		{"mxf head", head(t, testmedia.MXF, 8<<10), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Probe(context.Background(), BytesSource(tt.data), Limits{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Probe error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestProbeEveryCut probes every prefix of real files: whatever an interrupted upload leaves
// must give a result or an error that wraps a sentinel, never a panic.
func TestProbeEveryCut(t *testing.T) {
	files := map[string][]byte{
		"mp4":      compactMP4(t, testmedia.WithCaptions),
		"mov":      compactMP4(t, testmedia.ProResMOV),
		"fmp4":     head(t, testmedia.FragmentedMP4, 3000),
		"matroska": compactMatroska(t, testmedia.MKV),
		"webm":     head(t, testmedia.LiveWebM, 3000),
		"mpegts":   head(t, testmedia.MPEGTS, 12*tsPacket),
		"mxf":      head(t, testmedia.MXF, 7000),
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			for n := 0; n <= len(b); n++ {
				fuzzProbe(t, b[:n])
			}
		})
	}
}
