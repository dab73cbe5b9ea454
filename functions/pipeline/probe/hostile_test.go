package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astits"
	"github.com/ottkit/ottkit/functions/internal/testmedia"
)

// mp4Box builds an ISO BMFF box around the concatenated payloads.
func mp4Box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	b := make([]byte, 8, 8+len(body))
	binary.BigEndian.PutUint32(b, uint32(8+len(body)))
	copy(b[4:], typ)
	return append(b, body...)
}

// rawBox builds a box header that claims size bytes, followed by payload.
func rawBox(size uint32, typ string, payload []byte) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, size)
	copy(b[4:], typ)
	return append(b, payload...)
}

var ftypISOM = mp4Box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41"))

// ebml builds a Matroska element with an 8-byte size.
func ebml(id uint32, payload ...[]byte) []byte {
	var b []byte
	for shift := 24; shift >= 0; shift -= 8 {
		if c := byte(id >> shift); c != 0 || len(b) > 0 {
			b = append(b, c)
		}
	}
	body := bytes.Join(payload, nil)
	size := make([]byte, 8)
	binary.BigEndian.PutUint64(size, uint64(len(body)))
	size[0] = 0x01
	return append(append(b, size...), body...)
}

func TestProbeHostile(t *testing.T) {
	manyFree := bytes.Repeat(mp4Box("free"), 20000)
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"box smaller than its header", append(ftypISOM, rawBox(4, "moov", nil)...), Limits{}, ErrCorrupt},
		{"child larger than moov", append(ftypISOM, mp4Box("moov", rawBox(1000, "trak", nil))...), Limits{}, ErrCorrupt},
		{"largesize beyond int64", append(ftypISOM, rawBox(1, "mdat", bytes.Repeat([]byte{0xff}, 8))...), Limits{}, ErrCorrupt},
		{"largesize past the end", append(ftypISOM, rawBox(1, "mdat", []byte{0, 0, 0, 1, 0, 0, 0, 0})...), Limits{}, ErrTruncated},
		{"no moov", append(ftypISOM, mp4Box("mdat", make([]byte, 100))...), Limits{}, ErrTruncated},
		{"20000 boxes", append(ftypISOM, mp4Box("moov", manyFree)...), Limits{}, ErrLimitExceeded},
		{"box budget", append(ftypISOM, mp4Box("moov", mp4Box("free"), mp4Box("free"))...), Limits{MaxBoxes: 2}, ErrLimitExceeded},
		{"tkhd too short", append(ftypISOM, mp4Box("moov", mp4Box("trak", mp4Box("tkhd", make([]byte, 10))))...), Limits{}, ErrCorrupt},
		{"mvhd unknown version", append(ftypISOM, mp4Box("moov", mp4Box("mvhd", append([]byte{7}, make([]byte, 100)...)))...), Limits{}, ErrCorrupt},
		{"moov without tracks", append(ftypISOM, mp4Box("moov")...), Limits{}, ErrNoVideoTrack},
		{"stray bytes after the last box", append(ftypISOM, 0, 0, 0), Limits{}, ErrCorrupt},
		{"heic image", mp4Box("ftyp", []byte("heic\x00\x00\x00\x00mif1heic")), Limits{}, ErrNotVideo},
		{"ebml invalid id", append([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x84, 0x00, 0x00, 0x00, 0x00}, 0x00, 0x80), Limits{}, ErrCorrupt},
		{"ebml header too big", ebml(ebmlHeader, make([]byte, 8192)), Limits{}, ErrCorrupt},
		{"ebml unknown doctype", ebml(ebmlHeader, ebml(ebmlDocType, []byte("mkv3d"))), Limits{}, ErrUnsupportedContainer},
		{"segment past the end", append(ebml(ebmlHeader, ebml(ebmlDocType, []byte("webm"))), 0x18, 0x53, 0x80, 0x67, 0x01, 0, 0, 0, 0, 0, 0x10, 0x00, 0xec, 0x80), Limits{}, ErrTruncated},
		{"segment without tracks", append(ebml(ebmlHeader), ebml(mkvSegment, ebml(mkvInfo))...), Limits{}, ErrCorrupt},
		{"track entry overruns tracks", append(ebml(ebmlHeader), ebml(mkvSegment, ebml(mkvTracks, []byte{0xae, 0x90}))...), Limits{}, ErrCorrupt},
		{"seekhead points at the wrong element", append(ebml(ebmlHeader), ebml(mkvSegment,
			ebml(mkvSeekHead, ebml(mkvSeek, ebml(mkvSeekID, []byte{0x16, 0x54, 0xae, 0x6b}), ebml(mkvSeekPosition, []byte{0}))),
			ebml(mkvCluster))...), Limits{}, ErrCorrupt},
		{"audio-only matroska", append(ebml(ebmlHeader), ebml(mkvSegment, ebml(mkvTracks, ebml(mkvTrackEntry, ebml(mkvTrackType, []byte{2}))))...), Limits{}, ErrNoVideoTrack},
		{"mxf partition pack too short", bytes.Join([][]byte{mxfPartitionPrefix, {0x02, 0x04, 0x00, 0x10}, make([]byte, 16)}, nil), Limits{}, ErrCorrupt},
		{"mxf bad ber length", append(append([]byte{}, mxfPartitionPrefix...), 0x02, 0x04, 0x00, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9), Limits{}, ErrCorrupt},
		{"ts without program tables", bytes.Repeat(append([]byte{0x47, 0x1f, 0xff, 0x10}, make([]byte, 184)...), 10), Limits{}, ErrCorrupt},
		{"text", []byte(strings.Repeat("hello, world\n", 10)), Limits{}, ErrNotVideo},
		{"unknown binary", bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x00}, 100), Limits{}, ErrNotVideo},
		{"a single G", []byte("G"), Limits{}, ErrNotVideo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Probe(context.Background(), BytesSource(tt.data), tt.lim)
			if !errors.Is(err, tt.want) {
				t.Errorf("Probe error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestProbeNotVideoNamesTheContent(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		mime string
	}{
		{"text", []byte("just some words\n"), "text/plain"},
		{"wav", append([]byte("RIFF\x24\x10\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\x00\x00\x00\x77\x01\x00\x02\x00\x10\x00data\x00\x10\x00\x00"), make([]byte, 4096)...), "audio/wav"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf"},
		{"gif, whose G is the transport stream sync byte", append([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00"), make([]byte, 400)...), "image/gif"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Probe(context.Background(), BytesSource(tt.data), Limits{})
			if !errors.Is(err, ErrNotVideo) {
				t.Fatalf("Probe error = %v, want ErrNotVideo", err)
			}
			if info == nil || info.MIME != tt.mime {
				t.Errorf("Probe info = %+v, want MIME %s", info, tt.mime)
			}
		})
	}
}

func TestProbeLimits(t *testing.T) {
	clip := readFile(t, testmedia.Path(t, testmedia.MoovAtEnd))
	tests := []struct {
		name string
		lim  Limits
		want error
	}{
		{"read budget below the moov", Limits{MaxBytes: 4096}, ErrLimitExceeded},
		{"box budget", Limits{MaxBoxes: 5}, ErrLimitExceeded},
		{"defaults", Limits{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Probe(context.Background(), BytesSource(clip), tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Probe error = %v, want %v", err, tt.want)
			}
			if tt.lim.MaxBytes > 0 && info != nil && info.BytesRead > tt.lim.MaxBytes {
				t.Errorf("BytesRead = %d, want at most %d", info.BytesRead, tt.lim.MaxBytes)
			}
		})
	}
}

func TestProbeContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Probe(ctx, BytesSource(readFile(t, testmedia.Path(t, testmedia.Square))), Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Probe error = %v, want context.Canceled", err)
	}
}

func TestProbeNilSource(t *testing.T) {
	if _, err := Probe(context.Background(), nil, Limits{}); err == nil {
		t.Error("Probe(nil) succeeded, want an error")
	}
}

func TestMatrixRotation(t *testing.T) {
	const one = 1 << 16
	tests := []struct {
		name string
		a, b int32
		want int
	}{
		{"identity", one, 0, 0},
		{"phone upright", 0, one, 90},
		{"upside down", -one, 0, 180},
		{"phone turned left", 0, -one, 270},
		{"scaled 90", 0, 2 * one, 90},
		{"nearly 90", 10, one, 90},
		{"degenerate", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matrixRotation(tt.a, tt.b); got != tt.want {
				t.Errorf("matrixRotation(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestMatroskaRotation(t *testing.T) {
	tests := []struct {
		name string
		tr   mkvTrack
		want int
	}{
		{"no projection", mkvTrack{}, 0},
		{"roll -90 is 90 clockwise", mkvTrack{hasRotation: true, roll: -90}, 90},
		{"roll 90 is 270 clockwise", mkvTrack{hasRotation: true, roll: 90}, 270},
		{"roll 180", mkvTrack{hasRotation: true, roll: 180}, 180},
		{"spherical projection ignored", mkvTrack{hasRotation: true, roll: -90, projType: 1}, 0},
		{"yaw is not a rotation", mkvTrack{hasRotation: true, roll: -90, yaw: 180}, 0},
		{"nan", mkvTrack{hasRotation: true, roll: math.NaN()}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tr.videoTrack().Rotation; got != tt.want {
				t.Errorf("Rotation = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMP4Language(t *testing.T) {
	tests := []struct {
		v    uint16
		want string
	}{
		{0x15c7, "eng"}, // e=5 n=14 g=7
		{0x55c4, "und"},
		{0, "eng"}, // Macintosh English
		{12, "und"},
		{0x7fff, "und"},
	}
	for _, tt := range tests {
		if got := mp4Language(tt.v); got != tt.want {
			t.Errorf("mp4Language(%#x) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestReadVint(t *testing.T) {
	tests := []struct {
		name       string
		b          []byte
		maxLen     int
		keepMarker bool
		want       uint64
		wantLen    int
		unknown    bool
		ok         bool
	}{
		{"one byte size", []byte{0x81}, 8, false, 1, 1, false, true},
		{"two byte size", []byte{0x40, 0x02}, 8, false, 2, 2, false, true},
		{"unknown size", []byte{0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 8, false, 1<<56 - 1, 8, true, true},
		{"id keeps marker", []byte{0x1a, 0x45, 0xdf, 0xa3}, 4, true, 0x1a45dfa3, 4, false, true},
		{"zero byte", []byte{0x00}, 8, false, 0, 0, false, false},
		{"id too long", []byte{0x08, 0, 0, 0, 0}, 4, true, 0, 0, false, false},
		{"cut short", []byte{0x20, 0}, 8, false, 0, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, unknown, ok := readVint(tt.b, tt.maxLen, tt.keepMarker)
			if v != tt.want || n != tt.wantLen || unknown != tt.unknown || ok != tt.ok {
				t.Errorf("readVint = %#x, %d, %t, %t; want %#x, %d, %t, %t", v, n, unknown, ok, tt.want, tt.wantLen, tt.unknown, tt.ok)
			}
		})
	}
}

func TestBERLength(t *testing.T) {
	tests := []struct {
		b    []byte
		want uint64
		n    int
		ok   bool
	}{
		{[]byte{0x10}, 16, 1, true},
		{[]byte{0x83, 0x00, 0x01, 0x00}, 256, 4, true},
		{[]byte{0x80}, 0, 0, false},
		{[]byte{0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, 0, false},
		{[]byte{0x84, 0x01}, 0, 0, false},
		{nil, 0, 0, false},
	}
	for _, tt := range tests {
		got, n, ok := berLength(tt.b)
		if got != tt.want || n != tt.n || ok != tt.ok {
			t.Errorf("berLength(% x) = %d, %d, %t; want %d, %d, %t", tt.b, got, n, ok, tt.want, tt.n, tt.ok)
		}
	}
}

func TestScaleDuration(t *testing.T) {
	tests := []struct {
		name      string
		units, ts uint64
		want      time.Duration
		ok        bool
	}{
		{"two seconds", 2000, 1000, 2 * time.Second, true},
		{"fraction", 1, 3, 333333333, true},
		{"huge timescale", math.MaxUint64 - 1, math.MaxUint64, 999999999, true},
		{"zero timescale", 10, 0, 0, false},
		{"overflow", math.MaxUint64, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := scaleDuration(tt.units, tt.ts)
			if got != tt.want || ok != tt.ok {
				t.Errorf("scaleDuration(%d, %d) = %v, %t; want %v, %t", tt.units, tt.ts, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestTSFrameDuration(t *testing.T) {
	tests := []struct {
		name string
		pts  []uint64
		want uint64
	}{
		{"25 fps in decode order", []uint64{7200, 3600, 10800, 14400, 21600, 18000}, 3600},
		{"29.97 fps", []uint64{0, 3003, 6006, 9009}, 3003},
		{"one frame", []uint64{0}, 0},
		{"gaps over a second are not frames", []uint64{0, 200000}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tsFrameDuration(tt.pts); got != tt.want {
				t.Errorf("tsFrameDuration = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestHEVCSPSSize(t *testing.T) {
	tests := []struct {
		name string
		sps  []byte // NAL unit, two header bytes included
		w, h int
	}{
		// Made by x265 (ffmpeg -f hevc): 1080p Main crops 1088 to 1080, 720p 4:2:2 and 2160p
		// Main 10 take other profiles and chroma formats.
		{"1080p main", []byte{0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0xa0, 0x03, 0xc0, 0x80, 0x11, 0x07, 0xcb, 0x96, 0x56, 0x54, 0xa4, 0xc2, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x03, 0x02, 0x84}, 1920, 1080},
		{"720p 4:2:2", []byte{0x42, 0x01, 0x01, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9d, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x5d, 0xb0, 0x02, 0x80, 0x80, 0x2d, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b, 0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x0a, 0x10}, 1280, 720},
		{"2160p main 10", []byte{0x42, 0x01, 0x01, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x96, 0xa0, 0x01, 0xe0, 0x20, 0x02, 0x1c, 0x4d, 0x96, 0x56, 0x54, 0xa4, 0xc2, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x03, 0x02, 0x84}, 3840, 2160},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := append([]byte{0, 0, 0, 1}, tt.sps...)
			w, h, ok := hevcSize(es)
			if !ok || w != tt.w || h != tt.h {
				t.Errorf("hevcSize = %dx%d, %t; want %dx%d", w, h, ok, tt.w, tt.h)
			}
			for cut := 1; cut < len(es); cut++ {
				hevcSize(es[:cut]) // must not panic on a cut parameter set
			}
		})
	}
}

func TestH264SPSSize(t *testing.T) {
	tests := []struct {
		name string
		sps  []byte // NAL unit, header byte included
		w, h int
	}{
		// Made by x264 (ffmpeg -f h264): 1080p High crops 1088 to 1080, High 4:2:2 takes the
		// chroma_format_idc branch, Main has no chroma fields at all.
		{"1080p high", []byte{0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0x28, 0x3c, 0x60, 0xc6, 0x58}, 1920, 1080},
		{"720p high 4:2:2", []byte{0x67, 0x7a, 0x00, 0x1f, 0xbc, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x00, 0xa0, 0xf1, 0x83, 0x19, 0x60}, 1280, 720},
		{"576p main", []byte{0x67, 0x4d, 0x40, 0x16, 0xec, 0xa0, 0x5a, 0x09, 0x36, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x03, 0x01, 0x41, 0xe2, 0xc5, 0xb2, 0xc0}, 720, 576},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := append([]byte{0, 0, 0, 1}, tt.sps...)
			w, h, ok := h264Size(es)
			if !ok || w != tt.w || h != tt.h {
				t.Errorf("h264Size = %dx%d, %t; want %dx%d", w, h, ok, tt.w, tt.h)
			}
			for cut := 1; cut < len(es); cut++ {
				h264Size(es[:cut]) // must not panic on a cut parameter set
			}
		})
	}
}

// TestProbeMXFPartitions edits the header partition pack of a real MXF file: an incomplete
// header sends the probe to the footer partition, whose offset must make sense.
func TestProbeMXFPartitions(t *testing.T) {
	clip := readFile(t, testmedia.Path(t, testmedia.MXF))
	const status, footer = 14, 20 + 24 // key byte 14; FooterPartition in the pack's value
	edit := func(f func(b []byte)) []byte {
		b := append([]byte(nil), clip...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"complete header", clip, nil},
		{"open incomplete header, footer without metadata", edit(func(b []byte) { b[status] = 0x01 }), nil},
		{"incomplete header, footer offset past the end", edit(func(b []byte) {
			b[status] = 0x01
			binary.BigEndian.PutUint64(b[footer:], uint64(len(clip))*2)
		}), nil},
		{"incomplete header, footer offset at no partition", edit(func(b []byte) {
			b[status] = 0x01
			binary.BigEndian.PutUint64(b[footer:], 1000)
		}), ErrCorrupt},
		{"run-in before the header", append(make([]byte, 1000), clip...), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Probe(context.Background(), BytesSource(tt.data), Limits{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Probe error = %v, want %v", err, tt.want)
			}
			if err == nil && (info.Video == nil || info.Video.Codec != "mpeg2" || info.Duration != time.Second) {
				t.Errorf("Probe = %+v video %+v, want 1s of mpeg2", info, info.Video)
			}
		})
	}
}

// synthetic moov pieces, laid out as ISO/IEC 14496-12 defines them.

func mvhd(timescale, duration uint32) []byte {
	p := make([]byte, 100)
	binary.BigEndian.PutUint32(p[12:], timescale)
	binary.BigEndian.PutUint32(p[16:], duration)
	return mp4Box("mvhd", p)
}

func tkhd(id uint32, enabled bool, w, h uint16) []byte {
	p := make([]byte, 84)
	if enabled {
		p[3] = 1
	}
	binary.BigEndian.PutUint32(p[12:], id)
	binary.BigEndian.PutUint32(p[40:], 1<<16) // identity matrix
	binary.BigEndian.PutUint32(p[56:], 1<<16)
	binary.BigEndian.PutUint32(p[72:], 1<<30)
	binary.BigEndian.PutUint32(p[76:], uint32(w)<<16)
	binary.BigEndian.PutUint32(p[80:], uint32(h)<<16)
	return mp4Box("tkhd", p)
}

func mdhd(timescale, duration uint32, lang string) []byte {
	p := make([]byte, 24)
	binary.BigEndian.PutUint32(p[12:], timescale)
	binary.BigEndian.PutUint32(p[16:], duration)
	packed := uint16(lang[0]-0x60)<<10 | uint16(lang[1]-0x60)<<5 | uint16(lang[2]-0x60)
	binary.BigEndian.PutUint16(p[20:], packed)
	return mp4Box("mdhd", p)
}

func hdlr(handler string) []byte {
	p := make([]byte, 25)
	copy(p[8:], handler)
	return mp4Box("hdlr", p)
}

func stbl(format string, w, h uint16, samples, delta uint32) []byte {
	entry := make([]byte, 78)
	binary.BigEndian.PutUint16(entry[24:], w)
	binary.BigEndian.PutUint16(entry[26:], h)
	stsd := append([]byte{0, 0, 0, 0, 0, 0, 0, 1}, mp4Box(format, entry)...)
	stts := []byte{0, 0, 0, 0, 0, 0, 0, 1}
	stts = binary.BigEndian.AppendUint32(stts, samples)
	stts = binary.BigEndian.AppendUint32(stts, delta)
	return mp4Box("minf", mp4Box("stbl", mp4Box("stsd", stsd), mp4Box("stts", stts)))
}

func TestProbeSyntheticMoov(t *testing.T) {
	video := func(id uint32, enabled bool, w, h uint16) []byte {
		return mp4Box("trak", tkhd(id, enabled, w, h), mp4Box("mdia", mdhd(1000, 2000, "und"), hdlr("vide"), stbl("avc1", w, h, 50, 40)))
	}
	text := mp4Box("trak", tkhd(3, true, 0, 0), mp4Box("mdia", mdhd(1000, 2000, "eng"),
		mp4Box("elng", append([]byte{0, 0, 0, 0}, "en-US\x00"...)), hdlr("sbtl"), stbl("tx3g", 0, 0, 2, 1000)))
	chapters := mp4Box("trak", tkhd(4, false, 0, 0), mp4Box("mdia", mdhd(1000, 2000, "eng"), hdlr("text"), stbl("text", 0, 0, 1, 2000)))
	refChapters := mp4Box("trak", tkhd(5, true, 0, 0), mp4Box("tref", mp4Box("chap", []byte{0, 0, 0, 4})), mp4Box("mdia", mdhd(1000, 2000, "und"), hdlr("soun"), stbl("mp4a", 0, 0, 1, 2000)))

	tests := []struct {
		name  string
		traks [][]byte
		w, h  int
		capts []CaptionTrack
	}{
		{"disabled video first", [][]byte{video(1, false, 320, 240), video(2, true, 1280, 720)}, 1280, 720, nil},
		{"enabled video first", [][]byte{video(1, true, 640, 360), video(2, true, 1280, 720)}, 640, 360, nil},
		{"only disabled video", [][]byte{video(1, false, 320, 240)}, 320, 240, nil},
		{"elng overrides mdhd", [][]byte{video(1, true, 640, 360), text}, 640, 360, []CaptionTrack{{Codec: "tx3g", Language: "en-US", Track: 1}}},
		{"chapter track is no caption", [][]byte{video(1, true, 640, 360), chapters, refChapters}, 640, 360, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			moov := mp4Box("moov", append([][]byte{mvhd(1000, 2000)}, tt.traks...)...)
			data := bytes.Join([][]byte{ftypISOM, moov, mp4Box("mdat")}, nil)
			info, err := Probe(context.Background(), BytesSource(data), Limits{})
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if info.Video == nil || info.Video.Width != tt.w || info.Video.Height != tt.h || info.Video.Codec != "h264" || info.Video.FrameRate != 25 {
				t.Errorf("Video = %+v, want h264 %dx%d at 25 fps", info.Video, tt.w, tt.h)
			}
			if info.Duration != 2*time.Second {
				t.Errorf("Duration = %v, want 2s", info.Duration)
			}
			if !slices.Equal(info.Captions, tt.capts) {
				t.Errorf("Captions = %+v, want %+v", info.Captions, tt.capts)
			}
		})
	}
}

func TestProbeSyntheticMatroska(t *testing.T) {
	u := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	f := func(v float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(v)) }
	entry := func(num uint64, enabled bool, w, h uint64, codec string, roll float64) []byte {
		flag := uint64(0)
		if enabled {
			flag = 1
		}
		return ebml(mkvTrackEntry, ebml(mkvTrackNumber, u(num)), ebml(mkvTrackType, u(mkvTrackVideo)), ebml(mkvCodecID, []byte(codec)),
			ebml(mkvFlagEnabled, u(flag)), ebml(mkvDefaultDur, u(40_000_000)),
			ebml(mkvVideo, ebml(mkvPixelWidth, u(w)), ebml(mkvPixelHeight, u(h)),
				ebml(mkvProjection, ebml(mkvProjectionType, u(0)), ebml(mkvPoseRoll, f(roll)))))
	}
	file := func(entries ...[]byte) []byte {
		return append(ebml(ebmlHeader, ebml(ebmlDocType, []byte("matroska"))),
			ebml(mkvSegment, ebml(mkvInfo, ebml(mkvDuration, f(2000))), ebml(mkvTracks, entries...), ebml(mkvCluster))...)
	}
	tests := []struct {
		name  string
		data  []byte
		codec string
		w, h  int
		rot   int
	}{
		{"disabled video first", file(entry(1, false, 320, 240, "V_VP9", 0), entry(2, true, 1280, 720, "V_AV1", 0)), "av1", 1280, 720, 0},
		{"rotated by projection roll", file(entry(1, true, 1920, 1080, "V_MPEGH/ISO/HEVC", -90)), "hevc", 1920, 1080, 90},
		{"rolled upside down", file(entry(1, true, 1920, 1080, "V_MPEG4/ISO/AVC", 180)), "h264", 1920, 1080, 180},
		{"rolled by 30 degrees: a transform, not 0", file(entry(1, true, 1920, 1080, "V_MPEG4/ISO/AVC", -30)), "h264", 1920, 1080, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Probe(context.Background(), BytesSource(tt.data), Limits{})
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			v := info.Video
			if v == nil || v.Codec != tt.codec || v.Width != tt.w || v.Height != tt.h || v.Rotation != tt.rot || v.FrameRate != 25 {
				t.Errorf("Video = %+v, want %s %dx%d rotated %d at 25 fps", v, tt.codec, tt.w, tt.h, tt.rot)
			}
			if info.Duration != 2*time.Second {
				t.Errorf("Duration = %v, want 2s", info.Duration)
			}
			if wantTransform := strings.Contains(tt.name, "transform"); (v.Transform != "") != wantTransform {
				t.Errorf("Transform = %q, want one: %v", v.Transform, wantTransform)
			}
		})
	}
}

// failingSource fails every read after the first, as a network source may.
type failingSource struct {
	Source
	reads int
	err   error
}

func (f *failingSource) ReadAt(p []byte, off int64) (int, error) {
	f.reads++
	if f.reads > 1 {
		return 0, f.err
	}
	return f.Source.ReadAt(p, off)
}

// TestProbeSourceErrors checks that a failed read surfaces as itself, not as a verdict on
// the content: a caller retries a network error but quarantines a corrupt file.
func TestProbeSourceErrors(t *testing.T) {
	netErr := errors.New("connection reset by peer")
	src := &failingSource{Source: BytesSource(readFile(t, testmedia.Path(t, testmedia.MoovAtEnd))), err: netErr}
	_, err := Probe(context.Background(), src, Limits{})
	if !errors.Is(err, netErr) {
		t.Fatalf("Probe error = %v, want the source's error", err)
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			t.Errorf("Probe error %v wraps %v, want no content verdict", err, s)
		}
	}
}

func TestTSStreams(t *testing.T) {
	es := func(pid uint16, st astits.StreamType, ds ...*astits.Descriptor) *astits.PMTElementaryStream {
		return &astits.PMTElementaryStream{ElementaryPID: pid, StreamType: st, ElementaryStreamDescriptors: ds}
	}
	pmt := &astits.PMTData{ElementaryStreams: []*astits.PMTElementaryStream{
		es(0x100, astits.StreamTypeH265Video),
		es(0x101, astits.StreamTypeADTS),
		es(0x102, astits.StreamTypePrivateData, &astits.Descriptor{AC3: &astits.DescriptorAC3{}}),
		es(0x103, astits.StreamTypePrivateData, &astits.Descriptor{Registration: &astits.DescriptorRegistration{FormatIdentifier: 0x4F707573}}), // Opus
		es(0x104, astits.StreamTypePrivateData, &astits.Descriptor{Subtitling: &astits.DescriptorSubtitling{Items: []*astits.DescriptorSubtitlingItem{
			{Language: []byte("fra")}, {Language: []byte("deu")}}}}),
		es(0x105, astits.StreamTypePrivateData, &astits.Descriptor{Teletext: &astits.DescriptorTeletext{Items: []*astits.DescriptorTeletextItem{
			{Language: []byte("eng"), Type: 0x02}, {Language: []byte("eng"), Type: 0x01}}}}), // subtitles, then an index page
		es(0x106, astits.StreamTypeSCTE35),
	}}
	got := tsStreams(pmt)
	var video []string
	audio := 0
	var capts []CaptionTrack
	for _, s := range got {
		if s.video != "" {
			video = append(video, s.video)
		}
		if s.audio {
			audio++
		}
		capts = append(capts, s.capt...)
	}
	if !slices.Equal(video, []string{"hevc"}) {
		t.Errorf("video streams = %v, want [hevc]", video)
	}
	if audio != 3 {
		t.Errorf("audio streams = %d, want 3 (AAC, AC-3, Opus)", audio)
	}
	want := []CaptionTrack{{"dvbsub", "fra", 4}, {"dvbsub", "deu", 4}, {"teletext", "eng", 5}}
	if !slices.Equal(capts, want) {
		t.Errorf("captions = %+v, want %+v", capts, want)
	}
}
