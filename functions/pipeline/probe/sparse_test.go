package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
)

// topBox is a top-level box found by the tests' own minimal walk, kept independent of the
// code under test.
type topBox struct {
	typ       string
	off, size int
}

func topBoxes(t testing.TB, b []byte) []topBox {
	t.Helper()
	var out []topBox
	for off := 0; off+8 <= len(b); {
		size := int(binary.BigEndian.Uint32(b[off:]))
		if size < 8 || off+size > len(b) {
			t.Fatalf("test fixture: box at %d has size %d in a %d-byte file", off, size, len(b))
		}
		out = append(out, topBox{typ: string(b[off+4 : off+8]), off: off, size: size})
		off += size
	}
	return out
}

func findTop(t testing.TB, boxes []topBox, typ string) topBox {
	t.Helper()
	for _, bx := range boxes {
		if bx.typ == typ {
			return bx
		}
	}
	t.Fatalf("test fixture: no %s box", typ)
	return topBox{}
}

const tenGiB = 10 << 30

// sparseMP4 writes a 10 GiB sparse file: the real ftyp of a clip, an mdat with a 64-bit size
// filling all but the end, and the clip's real moov in the last bytes. The probe must find
// the moov without touching the hole.
func sparseMP4(t testing.TB, moovFirst bool) string {
	t.Helper()
	clip := readFile(t, testmedia.Path(t, testmedia.MoovAtEnd))
	boxes := topBoxes(t, clip)
	mdat := findTop(t, boxes, "mdat")
	moov := findTop(t, boxes, "moov")
	head := clip[:mdat.off] // ftyp and free
	moovBytes := clip[moov.off : moov.off+moov.size]

	path := filepath.Join(t.TempDir(), "sparse.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(tenGiB); err != nil {
		t.Fatalf("truncate to 10 GiB: %v", err)
	}
	write := func(b []byte, off int64) {
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatalf("write at %d: %v", off, err)
		}
	}
	mdatHeader := func(size int64) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint32(h, 1)
		copy(h[4:], "mdat")
		binary.BigEndian.PutUint64(h[8:], uint64(size))
		return h
	}
	write(head, 0)
	if moovFirst {
		write(moovBytes, int64(len(head)))
		mdatOff := int64(len(head) + len(moovBytes))
		write(mdatHeader(tenGiB-mdatOff), mdatOff)
	} else {
		write(mdatHeader(tenGiB-int64(len(head))-int64(len(moovBytes))), int64(len(head)))
		write(moovBytes, tenGiB-int64(len(moovBytes)))
	}
	return path
}

func TestProbeSparse10GiB(t *testing.T) {
	for _, tt := range []struct {
		name      string
		moovFirst bool
		maxReads  int
	}{
		{"moov at end", false, 2},
		{"moov first", true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingSource{Source: openSource(t, sparseMP4(t, tt.moovFirst))}
			if src.Size() != tenGiB {
				t.Fatalf("sparse file is %d bytes, want %d", src.Size(), int64(tenGiB))
			}
			info, err := Probe(context.Background(), src, Limits{})
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			t.Logf("read %d bytes in %d reads of a %d-byte object", info.BytesRead, src.reads, src.Size())
			if info.BytesRead > 4<<20 {
				t.Errorf("BytesRead = %d, want at most 4 MiB", info.BytesRead)
			}
			if src.reads > tt.maxReads {
				t.Errorf("Probe issued %d reads, want at most %d", src.reads, tt.maxReads)
			}
			checkInfo(t, info, nil, want{container: MP4, mime: "video/mp4", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1})
		})
	}
}

// withBigFree inserts a free box of n bytes as moov's first child, making moov too big to read
// whole so the probe must walk it box by box.
func withBigFree(t testing.TB, clip []byte, n int) []byte {
	t.Helper()
	moov := findTop(t, topBoxes(t, clip), "moov")
	free := make([]byte, n)
	binary.BigEndian.PutUint32(free, uint32(n))
	copy(free[4:], "free")
	out := append([]byte(nil), clip[:moov.off+8]...)
	binary.BigEndian.PutUint32(out[moov.off:], uint32(moov.size+n))
	out = append(out, free...)
	return append(out, clip[moov.off+8:]...)
}

func TestProbeLargeMoov(t *testing.T) {
	for _, tt := range []struct {
		kind testmedia.Kind
		free int
	}{
		{testmedia.Landscape1080p, 2 << 20},  // over the read-whole size, under the budget
		{testmedia.MoovAtEnd, 6 << 20},       // over the whole read budget
		{testmedia.WithCaptions, 64<<10 - 1}, // across the read-ahead boundary
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			b := withBigFree(t, readFile(t, testmedia.Path(t, tt.kind)), tt.free)
			info, err := Probe(context.Background(), BytesSource(b), Limits{})
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if info.BytesRead >= int64(tt.free) && tt.free > 1<<20 {
				t.Errorf("BytesRead = %d, want the %d-byte free box skipped", info.BytesRead, tt.free)
			}
			if info.Video == nil || info.Video.Codec != "h264" || info.AudioTracks != 1 {
				t.Errorf("Probe = %+v video %+v, want h264 video and 1 audio track", info, info.Video)
			}
		})
	}
}

func TestProbeCutFiles(t *testing.T) {
	tests := []struct {
		name string
		kind testmedia.Kind
		cut  func(size int) int
		want error
	}{
		{"fast-start mp4 cut in the mdat", testmedia.Landscape1080p, func(n int) int { return n * 6 / 10 }, ErrTruncated},
		{"moov-at-end mp4 cut in the moov", testmedia.MoovAtEnd, func(n int) int { return n - 100 }, ErrTruncated},
		{"mp4 cut inside ftyp", testmedia.Square, func(int) int { return 20 }, ErrTruncated},
		{"mp4 cut inside a box header", testmedia.Square, func(int) int { return 36 }, ErrCorrupt},
		{"mov cut in half", testmedia.ProResMOV, func(n int) int { return n / 2 }, ErrTruncated},
		{"mkv cut in half", testmedia.MKV, func(n int) int { return n / 2 }, ErrTruncated},
		{"webm cut in half", testmedia.WebM, func(n int) int { return n / 2 }, ErrTruncated},
		{"mkv cut inside the tracks", testmedia.MKV, func(int) int { return 300 }, ErrTruncated},
		{"mxf cut in the header metadata", testmedia.MXF, func(int) int { return 3000 }, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := readFile(t, testmedia.Path(t, tt.kind))
			_, err := Probe(context.Background(), BytesSource(b[:tt.cut(len(b))]), Limits{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Probe error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestProbeTSTail makes the transport stream longer than the head read by inserting null
// packets, so the duration must come from PTS found in a separate read of the tail.
func TestProbeTSTail(t *testing.T) {
	ts := readFile(t, testmedia.Path(t, testmedia.MPEGTS))
	mid := len(ts) / 2 / tsPacket * tsPacket
	b := padTS(ts, mid, 3<<20)

	src := &countingSource{Source: BytesSource(b)}
	info, err := Probe(context.Background(), src, Limits{})
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	checkInfo(t, info, nil, want{container: MPEGTS, mime: "video/mp2t", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1})
	t.Logf("read %d bytes in %d reads of a %d-byte stream", info.BytesRead, src.reads, len(b))
	if max := int64(tsHeadBytes + 2*tsTailChunk + tsMiddleSamples*tsMiddleChunk); info.BytesRead > max {
		t.Errorf("BytesRead = %d, want at most head, one tail chunk and the middle samples (%d)", info.BytesRead, max)
	}

	// Cut in half, the stream is still valid and about half as long.
	half, err := Probe(context.Background(), BytesSource(ts[:mid]), Limits{})
	if err != nil {
		t.Fatalf("Probe(first half): %v", err)
	}
	if half.Duration < 800*time.Millisecond || half.Duration > 1300*time.Millisecond {
		t.Errorf("first half Duration = %v, want about 1s", half.Duration)
	}
}

// insertAt returns b with ins inserted at offset at.
func insertAt(b []byte, at int, ins []byte) []byte {
	out := make([]byte, 0, len(b)+len(ins))
	return append(append(append(out, b[:at]...), ins...), b[at:]...)
}

// TestProbeTailDurations puts 5 MiB of padding between the headers and the media of files
// that state no duration, so the duration must come from a separate read of the tail.
func TestProbeTailDurations(t *testing.T) {
	const pad = 5 << 20
	frag := readFile(t, testmedia.Path(t, testmedia.FragmentedMP4))
	moov := findTop(t, topBoxes(t, frag), "moov")
	free := make([]byte, pad)
	binary.BigEndian.PutUint32(free, pad)
	copy(free[4:], "free")

	live := readFile(t, testmedia.Path(t, testmedia.LiveWebM))
	cluster := bytes.Index(live, []byte{0x1f, 0x43, 0xb6, 0x75})
	void := append([]byte{0xec, 0x01, 0, 0, 0, 0, 0, 0, 0}, make([]byte, pad)...)
	binary.BigEndian.PutUint64(void[1:], pad)
	void[1] = 0x01

	tests := []struct {
		name string
		data []byte
		want want
	}{
		{"fragmented mp4", insertAt(frag, moov.off+moov.size, free),
			want{container: MP4, mime: "video/mp4", codec: "h264", w: 320, h: 240, fps: 10, duration: 2 * time.Second, audio: 1}},
		{"live webm", insertAt(live, cluster, void),
			want{container: WebM, mime: "video/webm", codec: "vp9", w: 320, h: 240, fps: 10, duration: 2 * time.Second, audio: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingSource{Source: BytesSource(tt.data)}
			info, err := Probe(context.Background(), src, Limits{})
			checkInfo(t, info, err, tt.want)
			t.Logf("read %d bytes in %d reads of %d", src.bytes, src.reads, len(tt.data))
			if src.bytes > 1<<20 || src.reads > 4 {
				t.Errorf("read %d bytes in %d reads, want under 1 MiB in at most 4", src.bytes, src.reads)
			}
		})
	}
}

// TestProbeTSTablesOnce keeps only the first PAT and PMT packets, as a high-bitrate stream's
// head may hold them, and expects the program to be found all the same.
func TestProbeTSTablesOnce(t *testing.T) {
	const pmtPID = 0x1000 // ffmpeg's default
	ts := readFile(t, testmedia.Path(t, testmedia.MPEGTS))
	var out []byte
	seen := map[int]int{}
	for off := 0; off+tsPacket <= len(ts); off += tsPacket {
		p := ts[off : off+tsPacket]
		pid := int(p[1]&0x1f)<<8 | int(p[2])
		seen[pid]++
		if (pid == 0 || pid == pmtPID) && seen[pid] > 1 {
			continue
		}
		out = append(out, p...)
	}
	if seen[0] < 2 || seen[pmtPID] < 2 {
		t.Fatalf("test fixture: %d PAT and %d PMT packets, want repeated tables to drop", seen[0], seen[pmtPID])
	}
	info, err := Probe(context.Background(), BytesSource(out), Limits{})
	checkInfo(t, info, err, want{container: MPEGTS, mime: "video/mp2t", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1})
}

// padTS inserts about n bytes of null packets at offset at, a packet boundary.
func padTS(ts []byte, at, n int) []byte {
	null := make([]byte, tsPacket)
	null[0], null[1], null[2], null[3] = 0x47, 0x1f, 0xff, 0x10
	b := append([]byte(nil), ts[:at]...)
	for i := 0; i < n/tsPacket; i++ {
		b = append(b, null...)
	}
	return append(b, ts[at:]...)
}

// TestProbeM2TS turns the padded transport stream into Blu-ray M2TS, 192-byte packets with
// a 4-byte time code in front of each, and expects the same result, the tail included.
func TestProbeM2TS(t *testing.T) {
	raw := readFile(t, testmedia.Path(t, testmedia.MPEGTS))
	ts := padTS(raw, len(raw)/2/tsPacket*tsPacket, 1<<20)
	var m2ts []byte
	for off := 0; off+tsPacket <= len(ts); off += tsPacket {
		m2ts = binary.BigEndian.AppendUint32(m2ts, uint32(off)) // arrival time stamp
		m2ts = append(m2ts, ts[off:off+tsPacket]...)
	}
	info, err := Probe(context.Background(), BytesSource(m2ts), Limits{})
	checkInfo(t, info, err, want{container: MPEGTS, mime: "video/mp2t", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1})
}
