package probe

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
)

// ISO BMFF (MP4, MOV) limits. A real moov nests about eight deep; the caps on what is read
// into memory keep a hostile file from making the probe allocate by claiming huge boxes.
const (
	mp4MaxDepth   = 12
	mp4MoovWhole  = 1 << 20  // a moov up to this size is fetched in one read
	mp4MaxLeaf    = 4 << 10  // header-like leaf boxes: mvhd, tkhd, mdhd, hdlr, ftyp
	mp4MaxStsd    = 64 << 10 // sample descriptions, codec configuration included
	mp4MaxStts    = 131072   // time-to-sample entries read (1 MiB): a 5-hour VFR phone clip
	mp4HeaderSize = 8
)

// isoImageBrands are the ftyp major brands of still images (HEIF, HEIC, AVIF) stored in
// ISO BMFF, which are not video even though their boxes look alike.
var isoImageBrands = map[string]bool{
	"heic": true, "heix": true, "heim": true, "heis": true, "mif1": true, "mif2": true, "avif": true, "avci": true,
}

// isoTopLevel holds the box types a QuickTime or MP4 file may start with.
var isoTopLevel = map[string]bool{
	"ftyp": true, "moov": true, "mdat": true, "free": true, "skip": true, "wide": true, "pnot": true,
}

// isISOBMFF reports whether b starts with an ISO BMFF or QuickTime box.
func isISOBMFF(b []byte) bool {
	if len(b) < 8 || !isoTopLevel[string(b[4:8])] {
		return false
	}
	size := binary.BigEndian.Uint32(b)
	return size == 0 || size == 1 || size >= 8
}

// box is one ISO BMFF box: off is where its header starts, hdr the header length and size the
// whole box, header included.
type box struct {
	typ  string
	off  int64
	hdr  int64
	size int64
}

func (b box) end() int64         { return b.off + b.size }
func (b box) payloadOff() int64  { return b.off + b.hdr }
func (b box) payloadSize() int64 { return b.size - b.hdr }

// boxAt reads the header of the box at off, which must end by end. topLevel decides whether
// a box reaching past end means the object is truncated or the parent is corrupt.
func (r *reader) boxAt(off, end int64, topLevel bool) (box, error) {
	if end-off < mp4HeaderSize {
		if topLevel {
			return box{}, fmt.Errorf("%w: %d stray bytes at offset %d", ErrCorrupt, end-off, off)
		}
		return box{}, fmt.Errorf("%w: %d bytes at offset %d are too few for a box header", ErrCorrupt, end-off, off)
	}
	h, err := r.at(off, mp4HeaderSize)
	if err != nil {
		return box{}, err
	}
	b := box{typ: string(h[4:8]), off: off, hdr: mp4HeaderSize}
	if err := r.countBox("box "+printable(b.typ), off); err != nil {
		return box{}, err
	}
	switch size := binary.BigEndian.Uint32(h); size {
	case 0:
		b.size = end - off // extends to the end of its parent (or the file)
	case 1:
		if end-off < 16 {
			return box{}, fmt.Errorf("%w: box %q at offset %d: no room for its 64-bit size", ErrCorrupt, printable(b.typ), off)
		}
		l, err := r.at(off+8, 8)
		if err != nil {
			return box{}, err
		}
		large := binary.BigEndian.Uint64(l)
		if large > math.MaxInt64 {
			return box{}, fmt.Errorf("%w: box %q at offset %d: size %d", ErrCorrupt, printable(b.typ), off, large)
		}
		b.hdr, b.size = 16, int64(large)
	default:
		b.size = int64(size)
	}
	if b.typ == "uuid" {
		b.hdr += 16
	}
	if b.size < b.hdr {
		return box{}, fmt.Errorf("%w: box %q at offset %d: size %d is smaller than its header", ErrCorrupt, printable(b.typ), off, b.size)
	}
	if b.size > end-off {
		if topLevel {
			return box{}, fmt.Errorf("%w: box %q at offset %d claims %d bytes, the object ends %d bytes later", ErrTruncated, printable(b.typ), off, b.size, end-off)
		}
		return box{}, fmt.Errorf("%w: box %q at offset %d claims %d bytes, its parent ends %d bytes later", ErrCorrupt, printable(b.typ), off, b.size, end-off)
	}
	return b, nil
}

// children calls fn for each child box of the payload [start, end).
func (r *reader) children(start, end int64, depth int, fn func(box) error) error {
	if depth > mp4MaxDepth {
		return fmt.Errorf("%w: boxes nested deeper than %d at offset %d", ErrCorrupt, mp4MaxDepth, start)
	}
	for off := start; off < end; {
		b, err := r.boxAt(off, end, false)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		off = b.end()
	}
	return nil
}

// payload returns up to max bytes of b's payload.
func (r *reader) payload(b box, max int64) ([]byte, error) {
	n := b.payloadSize()
	if n > max {
		n = max
	}
	return r.at(b.payloadOff(), n)
}

// mp4Track collects what the probe learns about one trak.
type mp4Track struct {
	id        uint32
	disabled  bool
	handler   string
	format    string // sample entry fourcc
	codec     string
	width     int
	height    int
	rotation  int
	timescale uint32
	duration  uint64
	samples   uint64 // from stts
	sampleDur uint64 // sum of stts deltas
	sttsWhole bool   // every stts entry was read and the sums did not overflow
	modeDelta uint64 // the stts delta covering the most samples
	modeCount uint64
	stszCount uint32
	transform string // a display matrix that is not a right-angle rotation
	codedW    int
	codedH    int
	pic       picture // from the codec configuration (avcC, hvcC) and pasp/colr
	havePic   bool
	channels  int
	language  string
	elng      string
	chapters  []uint32 // track IDs this track names as its chapter list
}

// mp4Movie collects what the probe learns from moov.
type mp4Movie struct {
	timescale    uint32
	duration     uint64
	fragDuration uint64
	tracks       []*mp4Track
	trex         map[uint32]uint32 // track ID to default sample duration, for fragments
	sidx         []sidxSpan        // segment indexes before the first fragment
	firstMoof    int64             // offset of the first moof; 0 when none was seen
}

func probeMP4(r *reader, head []byte, info *Info) error {
	info.Container = MOV
	var (
		moov       *box
		sidx       []sidxSpan
		firstMoof  int64
		sawMdat    bool
		fragmented bool
	)
	for off := int64(0); off < r.size; {
		b, err := r.boxAt(off, r.size, true)
		if err != nil {
			return fmt.Errorf("mp4: %w", err)
		}
		switch b.typ {
		case "ftyp":
			p, err := r.payload(b, mp4MaxLeaf)
			if err != nil {
				return fmt.Errorf("mp4: ftyp at offset %d: %w", b.off, err)
			}
			if len(p) >= 4 && string(p[:4]) != "qt  " {
				info.Container = MP4
			}
			if len(p) >= 4 && isoImageBrands[string(p[:4])] {
				info.Container = ""
				info.MIME = baseMIME(mimetype.Detect(head).String())
				return fmt.Errorf("%w: content is %s (brand %q)", ErrNotVideo, info.MIME, printable(string(p[:4])))
			}
		case "moov":
			if moov == nil {
				bb := b
				moov = &bb
			}
		case "mdat":
			sawMdat = true
		case "moof":
			if !fragmented {
				firstMoof = b.off
			}
			fragmented = true
		case "sidx":
			if len(sidx) < mp4MaxSidx {
				p, err := r.payload(b, mp4MaxLeaf+12*4096)
				if err != nil {
					return fmt.Errorf("mp4: sidx at offset %d: %w", b.off, err)
				}
				if sp, ok := parseSidx(p); ok {
					sidx = append(sidx, sp)
				}
			}
		}
		// Walking on after moov and mdat would only visit media (moof/mdat pairs of a
		// fragmented file) and cost a read per fragment.
		if moov != nil && (sawMdat || fragmented) {
			break
		}
		off = b.end()
	}
	if moov == nil {
		return fmt.Errorf("mp4: %w: no moov box in the %d-byte object", ErrTruncated, r.size)
	}
	if moov.size <= mp4MoovWhole && moov.size <= r.budget-r.read {
		// One round trip for the whole moov; every header read below then hits the cache.
		if _, err := r.at(moov.off, moov.size); err != nil {
			return fmt.Errorf("mp4: moov at offset %d: %w", moov.off, err)
		}
	}
	mv := mp4Movie{sidx: sidx, firstMoof: firstMoof}
	if err := r.parseMoov(*moov, &mv); err != nil {
		return fmt.Errorf("mp4: %w", err)
	}
	mv.fill(info)
	if fragmented || len(mv.sidx) > 0 || (mv.trex != nil && info.Duration == 0) {
		if err := r.fillFromFragments(&mv, info); err != nil {
			return fmt.Errorf("mp4: %w", err)
		}
	}
	info.MIME = "video/mp4"
	if info.Container == MOV {
		info.MIME = "video/quicktime"
	}
	if info.Video == nil {
		if info.Container == MP4 {
			info.MIME = "audio/mp4"
		}
		return fmt.Errorf("%w: %s has %d audio tracks and no video", ErrNoVideoTrack, info.Container, info.AudioTracks)
	}
	return nil
}

func (r *reader) parseMoov(moov box, mv *mp4Movie) error {
	return r.children(moov.payloadOff(), moov.end(), 1, func(b box) error {
		switch b.typ {
		case "mvhd":
			p, err := r.payload(b, mp4MaxLeaf)
			if err != nil {
				return fmt.Errorf("mvhd at offset %d: %w", b.off, err)
			}
			ts, dur, ok := parseTimes(p)
			if !ok {
				return fmt.Errorf("%w: mvhd at offset %d is %d bytes", ErrCorrupt, b.off, len(p))
			}
			mv.timescale, mv.duration = ts, dur
		case "mvex":
			return r.children(b.payloadOff(), b.end(), 2, func(c box) error {
				if c.typ == "trex" {
					p, err := r.payload(c, 24)
					if err != nil {
						return fmt.Errorf("trex at offset %d: %w", c.off, err)
					}
					if len(p) >= 16 {
						if mv.trex == nil {
							mv.trex = map[uint32]uint32{}
						}
						mv.trex[binary.BigEndian.Uint32(p[4:])] = binary.BigEndian.Uint32(p[12:])
					}
					return nil
				}
				if c.typ != "mehd" {
					return nil
				}
				p, err := r.payload(c, 16)
				if err != nil {
					return fmt.Errorf("mehd at offset %d: %w", c.off, err)
				}
				if len(p) >= 8 && p[0] == 0 {
					mv.fragDuration = uint64(binary.BigEndian.Uint32(p[4:]))
				} else if len(p) >= 12 && p[0] == 1 {
					mv.fragDuration = binary.BigEndian.Uint64(p[4:])
				}
				return nil
			})
		case "trak":
			t := &mp4Track{language: "und"}
			if err := r.parseTrak(b, t); err != nil {
				return err
			}
			mv.tracks = append(mv.tracks, t)
		}
		return nil
	})
}

// parseTimes reads timescale and duration from the payload of mvhd or mdhd, which share this
// layout. The second return is the offset just past the duration.
func parseTimes(p []byte) (timescale uint32, duration uint64, ok bool) {
	if len(p) < 4 {
		return 0, 0, false
	}
	switch p[0] {
	case 0:
		if len(p) < 20 {
			return 0, 0, false
		}
		timescale = binary.BigEndian.Uint32(p[12:])
		duration = uint64(binary.BigEndian.Uint32(p[16:]))
		if duration == math.MaxUint32 { // "unknown"
			duration = 0
		}
	case 1:
		if len(p) < 32 {
			return 0, 0, false
		}
		timescale = binary.BigEndian.Uint32(p[20:])
		duration = binary.BigEndian.Uint64(p[24:])
		if duration == math.MaxUint64 {
			duration = 0
		}
	default:
		return 0, 0, false
	}
	return timescale, duration, true
}

func (r *reader) parseTrak(trak box, t *mp4Track) error {
	return r.children(trak.payloadOff(), trak.end(), 2, func(b box) error {
		switch b.typ {
		case "tkhd":
			p, err := r.payload(b, mp4MaxLeaf)
			if err != nil {
				return fmt.Errorf("tkhd at offset %d: %w", b.off, err)
			}
			if !t.parseTkhd(p) {
				return fmt.Errorf("%w: tkhd at offset %d is %d bytes", ErrCorrupt, b.off, len(p))
			}
		case "tref":
			return r.children(b.payloadOff(), b.end(), 3, func(c box) error {
				if c.typ != "chap" {
					return nil
				}
				p, err := r.payload(c, 256)
				if err != nil {
					return fmt.Errorf("chap at offset %d: %w", c.off, err)
				}
				for i := 0; i+4 <= len(p); i += 4 {
					t.chapters = append(t.chapters, binary.BigEndian.Uint32(p[i:]))
				}
				return nil
			})
		case "mdia":
			return r.parseMdia(b, t)
		}
		return nil
	})
}

// parseTkhd reads the track ID, the coded size fallback and the display matrix.
func (t *mp4Track) parseTkhd(p []byte) bool {
	var idOff, matrixOff int
	switch {
	case len(p) >= 84 && p[0] == 0:
		idOff, matrixOff = 12, 40
	case len(p) >= 96 && p[0] == 1:
		idOff, matrixOff = 20, 52
	default:
		return false
	}
	t.id = binary.BigEndian.Uint32(p[idOff:])
	t.disabled = p[3]&0x01 == 0 // track_enabled flag
	m := p[matrixOff:]
	a := int32(binary.BigEndian.Uint32(m[0:]))
	b := int32(binary.BigEndian.Uint32(m[4:]))
	c := int32(binary.BigEndian.Uint32(m[12:]))
	d := int32(binary.BigEndian.Uint32(m[16:]))
	t.rotation, t.transform = matrixTransform(a, b, c, d)
	// The presentation size follows the matrix; it only stands in for the coded size when the
	// sample entry has none.
	t.width = int(binary.BigEndian.Uint32(m[36:]) >> 16)
	t.height = int(binary.BigEndian.Uint32(m[40:]) >> 16)
	return true
}

// matrixTransform returns the clockwise right-angle rotation of the display matrix
// {a, b, c, d} (16.16 fixed point), or, when the matrix is anything else (another angle, a
// shear, a mirror), rotation 0 and a description. Rounding such a matrix to the nearest right
// angle would show the picture turned by an angle its author never chose.
func matrixTransform(a, b, c, d int32) (rotation int, transform string) {
	if a == 0 && b == 0 && c == 0 && d == 0 {
		return 0, "" // an unset matrix: writers that leave it zero mean identity
	}
	// A pure rotation by a right angle has one non-zero entry per row, equal in size, and
	// c = -b, d = a. The scale (the entries' magnitude) is the presentation size's business.
	switch {
	case b == 0 && c == 0 && a == d && a > 0:
		return 0, ""
	case b == 0 && c == 0 && a == d && a < 0:
		return 180, ""
	case a == 0 && d == 0 && c == -b && b > 0:
		return 90, ""
	case a == 0 && d == 0 && c == -b && b < 0:
		return 270, ""
	case int64(a)*int64(d)-int64(b)*int64(c) < 0:
		return 0, "a mirrored display matrix"
	}
	deg := math.Atan2(float64(b), float64(a)) * 180 / math.Pi
	return 0, fmt.Sprintf("a display matrix rotating by %.1f°", math.Mod(deg+360, 360))
}

// matrixRotation returns the clockwise rotation of a display matrix whose first row is (a, b).
// A point (x, y) maps to (a·x + c·y, b·x + d·y) on a screen whose y axis points down, so the
// picture's x axis turns to the angle atan2(b, a), measured clockwise.
func matrixRotation(a, b int32) int {
	if a == 0 && b == 0 {
		return 0
	}
	deg := math.Atan2(float64(b), float64(a)) * 180 / math.Pi
	rot := int(math.Round(deg/90)) * 90
	return ((rot % 360) + 360) % 360
}

func (r *reader) parseMdia(mdia box, t *mp4Track) error {
	return r.children(mdia.payloadOff(), mdia.end(), 3, func(b box) error {
		switch b.typ {
		case "mdhd":
			p, err := r.payload(b, mp4MaxLeaf)
			if err != nil {
				return fmt.Errorf("mdhd at offset %d: %w", b.off, err)
			}
			ts, dur, ok := parseTimes(p)
			if !ok {
				return fmt.Errorf("%w: mdhd at offset %d is %d bytes", ErrCorrupt, b.off, len(p))
			}
			t.timescale, t.duration = ts, dur
			langOff := 20
			if p[0] == 1 {
				langOff = 32
			}
			if len(p) >= langOff+2 {
				t.language = mp4Language(binary.BigEndian.Uint16(p[langOff:]))
			}
		case "elng":
			// The extended language, a BCP 47 tag, overrides mdhd's ISO 639-2 code.
			p, err := r.payload(b, 68)
			if err != nil {
				return fmt.Errorf("elng at offset %d: %w", b.off, err)
			}
			if len(p) > 4 {
				if tag, _, _ := strings.Cut(string(p[4:]), "\x00"); printable(tag) != "unknown" {
					t.elng = tag
				}
			}
		case "hdlr":
			p, err := r.payload(b, mp4MaxLeaf)
			if err != nil {
				return fmt.Errorf("hdlr at offset %d: %w", b.off, err)
			}
			if len(p) < 12 {
				return fmt.Errorf("%w: hdlr at offset %d is %d bytes", ErrCorrupt, b.off, len(p))
			}
			t.handler = string(p[8:12])
		case "minf":
			return r.children(b.payloadOff(), b.end(), 4, func(c box) error {
				if c.typ != "stbl" {
					return nil
				}
				return r.parseStbl(c, t)
			})
		}
		return nil
	})
}

// mp4Language decodes the packed ISO 639-2 code of mdhd. Values below 0x400 are Macintosh
// language codes from old QuickTime files, of which only English (0) is common.
func mp4Language(v uint16) string {
	if v < 0x400 {
		if v == 0 {
			return "eng"
		}
		return "und"
	}
	c := [3]byte{byte(v>>10&0x1f) + 0x60, byte(v>>5&0x1f) + 0x60, byte(v&0x1f) + 0x60}
	for _, ch := range c {
		if ch < 'a' || ch > 'z' {
			return "und"
		}
	}
	return string(c[:])
}

func (r *reader) parseStbl(stbl box, t *mp4Track) error {
	return r.children(stbl.payloadOff(), stbl.end(), 5, func(b box) error {
		switch b.typ {
		case "stsd":
			p, err := r.payload(b, mp4MaxStsd)
			if err != nil {
				return fmt.Errorf("stsd at offset %d: %w", b.off, err)
			}
			t.parseStsd(p)
		case "stts":
			p, err := r.payload(b, 8+8*mp4MaxStts)
			if err != nil {
				return fmt.Errorf("stts at offset %d: %w", b.off, err)
			}
			if len(p) < 8 {
				return fmt.Errorf("%w: stts at offset %d is %d bytes", ErrCorrupt, b.off, len(p))
			}
			t.parseStts(p)
		case "stsz", "stz2":
			p, err := r.payload(b, 12)
			if err != nil {
				return fmt.Errorf("%s at offset %d: %w", b.typ, b.off, err)
			}
			if len(p) >= 12 {
				t.stszCount = binary.BigEndian.Uint32(p[8:])
			}
		}
		return nil
	})
}

// parseStts adds up the time-to-sample table: the sample count and the media duration it
// holds, which no edited header can change. Past mp4MaxStts entries the sums cover only the
// entries read, a lower bound (sttsWhole false).
func (t *mp4Track) parseStts(p []byte) {
	n := uint64(binary.BigEndian.Uint32(p[4:]))
	have := uint64(len(p)-8) / 8
	t.sttsWhole = n <= have
	n = min(n, have)
	for i := uint64(0); i < n; i++ {
		e := p[8+8*i:]
		count := uint64(binary.BigEndian.Uint32(e))
		delta := uint64(binary.BigEndian.Uint32(e[4:]))
		hi, dur := bits.Mul64(count, delta)
		var c1, c2 uint64
		t.samples, c1 = bits.Add64(t.samples, count, 0)
		t.sampleDur, c2 = bits.Add64(t.sampleDur, dur, 0)
		if hi|c1|c2 != 0 {
			t.samples, t.sampleDur, t.sttsWhole = 0, 0, false
			return
		}
		if count > t.modeCount {
			t.modeDelta, t.modeCount = delta, count
		}
	}
}

// parseStsd reads the first sample entry: its format, and for video its coded size and codec.
func (t *mp4Track) parseStsd(p []byte) {
	if len(p) < 16 || binary.BigEndian.Uint32(p[4:]) == 0 {
		return
	}
	e := p[8:]
	size := int(binary.BigEndian.Uint32(e))
	if size < 8 || size > len(e) {
		size = len(e) // a long entry cut by the read cap: parse what there is
	}
	e = e[:size]
	t.format = string(e[4:8])
	t.codec = printable(strings.TrimSpace(t.format))
	if t.handler == "soun" && len(e) >= 28 {
		t.channels = int(binary.BigEndian.Uint16(e[24:]))
		format := t.format
		var kids []byte
		if len(e) > 36 {
			kids = e[36:]
		}
		if format == "enca" {
			if frma := findBox(findBox(kids, "sinf"), "frma"); len(frma) >= 4 {
				format = string(frma[:4])
			}
		}
		t.codec = audioCodec(format)
		// The sample entry's channelcount is a placeholder (2) for AAC, AC-3 and E-AC-3:
		// the codec configuration box has the count.
		ch := 0
		switch format {
		case "mp4a":
			ch = aacChannels(findBox(kids, "esds"))
		case "ac-3":
			ch = dac3Channels(findBox(kids, "dac3"))
		case "ec-3":
			ch = dec3Channels(findBox(kids, "dec3"))
		}
		if ch > 0 {
			t.channels = ch
		}
		return
	}
	if t.handler != "vide" || len(e) < 8+78 {
		return
	}
	t.width = int(binary.BigEndian.Uint16(e[32:]))
	t.height = int(binary.BigEndian.Uint16(e[34:]))
	t.codedW, t.codedH = t.width, t.height
	format := t.format
	kids := e[86:]
	if format == "encv" {
		if frma := findBox(findBox(kids, "sinf"), "frma"); len(frma) >= 4 {
			format = string(frma[:4])
		}
	}
	t.codec = videoCodec(format, kids)
	switch t.codec {
	case "h264":
		if sps := avcCSPS(findBox(kids, "avcC")); sps != nil {
			t.pic, t.havePic = h264SPS(rbsp(sps[1:]))
		}
	case "hevc":
		if sps := hvcCSPS(findBox(kids, "hvcC")); sps != nil {
			t.pic, t.havePic = hevcSPS(rbsp(sps[2:]))
		}
	}
	// fiel (QuickTime, ProRes and other intra codecs): two fields per frame is interlaced.
	if fiel := findBox(kids, "fiel"); len(fiel) >= 1 && fiel[0] == 2 {
		t.pic.interlaced = true
	}
	if pasp := findBox(kids, "pasp"); len(pasp) >= 8 {
		if h, v := binary.BigEndian.Uint32(pasp), binary.BigEndian.Uint32(pasp[4:]); h > 0 && v > 0 && h < 1<<16 && v < 1<<16 {
			t.pic.par = reduce(int(h), int(v))
		}
	}
	if colr := findBox(kids, "colr"); len(colr) >= 10 && (string(colr[:4]) == "nclx" || string(colr[:4]) == "nclc") {
		t.pic.primaries = int(binary.BigEndian.Uint16(colr[4:]))
		t.pic.transfer = int(binary.BigEndian.Uint16(colr[6:]))
		t.pic.matrx = int(binary.BigEndian.Uint16(colr[8:]))
	}
}

// avcCSPS returns the first sequence parameter set NAL unit of an avcC payload, or nil.
func avcCSPS(p []byte) []byte {
	if len(p) < 8 || p[5]&0x1f == 0 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(p[6:]))
	if n < 4 || 8+n > len(p) {
		return nil
	}
	return p[8 : 8+n]
}

// hvcCSPS returns the first sequence parameter set NAL unit of an hvcC payload, or nil.
func hvcCSPS(p []byte) []byte {
	if len(p) < 23 {
		return nil
	}
	arrays := int(p[22])
	for at, i := 23, 0; i < arrays && at+3 <= len(p); i++ {
		typ := p[at] & 0x3f
		count := int(binary.BigEndian.Uint16(p[at+1:]))
		at += 3
		for j := 0; j < count && at+2 <= len(p); j++ {
			n := int(binary.BigEndian.Uint16(p[at:]))
			at += 2
			if at+n > len(p) {
				return nil
			}
			if typ == 33 && n >= 4 {
				return p[at : at+n]
			}
			at += n
		}
	}
	return nil
}

// audioCodec names the codec of a sound sample entry.
func audioCodec(format string) string {
	switch format {
	case "mp4a":
		return "aac"
	case "ac-3":
		return "ac3"
	case "ec-3":
		return "eac3"
	case "Opus":
		return "opus"
	case "fLaC":
		return "flac"
	case ".mp3":
		return "mp3"
	case "lpcm", "sowt", "twos", "ipcm", "in24", "in32", "fl32", "fl64", "raw ":
		return "pcm"
	case "alac":
		return "alac"
	}
	return printable(strings.ToLower(strings.TrimSpace(format)))
}

// findBox returns the payload of the first child box of type typ in p, or nil.
func findBox(p []byte, typ string) []byte {
	for len(p) >= 8 {
		size := binary.BigEndian.Uint32(p)
		if size < 8 || uint64(size) > uint64(len(p)) {
			return nil
		}
		if string(p[4:8]) == typ {
			return p[8:size]
		}
		p = p[size:]
	}
	return nil
}

// videoCodec names the codec of a visual sample entry.
func videoCodec(format string, kids []byte) string {
	switch format {
	case "avc1", "avc2", "avc3", "avc4", "dva1", "dvav":
		return "h264"
	case "hvc1", "hev1", "dvh1", "dvhe":
		return "hevc"
	case "av01":
		return "av1"
	case "vp09":
		return "vp9"
	case "vp08":
		return "vp8"
	case "vvc1", "vvi1":
		return "vvc"
	case "apch", "apcn", "apcs", "apco", "ap4h", "ap4x", "aprn", "aprh":
		return "prores"
	case "m2v1", "mp2v":
		return "mpeg2"
	case "mjpa", "mjpb", "jpeg", "AVDJ":
		return "mjpeg"
	case "s263", "h263":
		return "h263"
	case "AVdn", "AVdh":
		return "dnxhd"
	case "dvc ", "dvcp", "dvpp", "dv5n", "dv5p", "dvh2", "dvh3", "dvh5", "dvh6", "dvhp", "dvhq":
		return "dv"
	case "mp4v":
		return mpeg4VisualCodec(findBox(kids, "esds"))
	}
	if strings.HasPrefix(format, "xd") || strings.HasPrefix(format, "mx") || strings.HasPrefix(format, "hdv") {
		return "mpeg2" // XDCAM, IMX and HDV are MPEG-2 video
	}
	return printable(strings.ToLower(strings.TrimSpace(format)))
}

// mpeg4VisualCodec reads the objectTypeIndication of an esds payload: mp4v entries carry
// MPEG-4 Part 2 but also MPEG-1 and MPEG-2 video.
func mpeg4VisualCodec(esds []byte) string {
	if len(esds) < 4 {
		return "mpeg4"
	}
	p := esds[4:] // version and flags
	tag, body := descriptor(p)
	if tag != 0x03 || len(body) < 3 {
		return "mpeg4"
	}
	flags := body[2]
	body = body[3:]
	if flags&0x80 != 0 {
		body = skip(body, 2)
	}
	if flags&0x40 != 0 && len(body) > 0 {
		body = skip(body, 1+int(body[0]))
	}
	if flags&0x20 != 0 {
		body = skip(body, 2)
	}
	tag, dcd := descriptor(body)
	if tag != 0x04 || len(dcd) < 1 {
		return "mpeg4"
	}
	switch oti := dcd[0]; {
	case oti == 0x21:
		return "h264"
	case oti >= 0x60 && oti <= 0x65:
		return "mpeg2"
	case oti == 0x6A:
		return "mpeg1"
	case oti == 0x6C:
		return "mjpeg"
	}
	return "mpeg4"
}

// aacChannels reads the channel count from the AudioSpecificConfig in an esds payload:
// the sample entry's channelcount says 2 for 5.1 AAC in files ffmpeg and others write.
func aacChannels(esds []byte) int {
	if len(esds) < 4 {
		return 0
	}
	tag, body := descriptor(esds[4:])
	if tag != 0x03 || len(body) < 3 {
		return 0
	}
	flags := body[2]
	body = body[3:]
	if flags&0x80 != 0 {
		body = skip(body, 2)
	}
	if flags&0x40 != 0 && len(body) > 0 {
		body = skip(body, 1+int(body[0]))
	}
	if flags&0x20 != 0 {
		body = skip(body, 2)
	}
	tag, dcd := descriptor(body)
	if tag != 0x04 || len(dcd) < 13 || dcd[0] != 0x40 { // 0x40: MPEG-4 audio
		return 0
	}
	tag, asc := descriptor(dcd[13:])
	if tag != 0x05 || len(asc) < 2 {
		return 0
	}
	br := &bitReader{b: asc}
	if br.u(5) == 31 { // audioObjectType escape
		br.u(6)
	}
	if br.u(4) == 15 { // samplingFrequencyIndex escape
		br.u(24)
	}
	cfg := br.u(4)
	if br.err != nil {
		return 0
	}
	switch {
	case cfg >= 1 && cfg <= 6:
		return int(cfg)
	case cfg == 7:
		return 8
	}
	return 0
}

func skip(b []byte, n int) []byte {
	if n > len(b) {
		return nil
	}
	return b[n:]
}

// descriptor splits an MPEG-4 descriptor into its tag and body, clipped to b.
func descriptor(b []byte) (tag byte, body []byte) {
	if len(b) < 2 {
		return 0, nil
	}
	tag = b[0]
	n, i := 0, 1
	for ; i < len(b) && i <= 4; i++ {
		n = n<<7 | int(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			i++
			break
		}
	}
	b = b[i:]
	if n > len(b) {
		n = len(b)
	}
	return tag, b[:n]
}

// captionHandlers are the hdlr types of subtitle and closed-caption tracks.
var captionHandlers = map[string]bool{"text": true, "sbtl": true, "subt": true, "clcp": true}

// fill copies what moov said into info. The duration is the longest track's media time from
// its sample tables, which are what the transcoder reads and bills, so no edited or overflowing
// header field (mvhd, mdhd, mehd) can shorten it; the stated durations stand in only when no
// sample table could be read whole.
func (mv *mp4Movie) fill(info *Info) {
	var fromSamples, lowerBound time.Duration
	for _, t := range mv.tracks {
		if t.handler != "vide" && t.handler != "soun" {
			continue
		}
		d, ok := scaleDuration(t.sampleDur, uint64(t.timescale))
		if !ok {
			continue
		}
		if t.sttsWhole {
			fromSamples = max(fromSamples, d)
		} else {
			lowerBound = max(lowerBound, d)
		}
	}
	switch {
	case fromSamples > 0:
		info.Duration, info.DurationFrom = fromSamples, "samples"
	default:
		var stated time.Duration
		if d, ok := scaleDuration(mv.duration, uint64(mv.timescale)); ok && d > 0 {
			stated = d
		} else if d, ok := scaleDuration(mv.fragDuration, uint64(mv.timescale)); ok && d > 0 {
			stated = d
		} else {
			for _, t := range mv.tracks {
				if d, ok := scaleDuration(t.duration, uint64(t.timescale)); ok && d > stated {
					stated = d
				}
			}
		}
		// A header claiming less than the samples read so far is a lie; the samples win.
		if stated > 0 && stated >= lowerBound {
			info.Duration, info.DurationFrom = stated, "header"
		} else if lowerBound > 0 {
			info.Duration, info.DurationFrom = lowerBound, "samples"
		}
	}
	chapters := map[uint32]bool{}
	for _, t := range mv.tracks {
		for _, id := range t.chapters {
			chapters[id] = true
		}
	}
	var video *mp4Track
	for i, t := range mv.tracks {
		switch {
		case t.handler == "vide":
			// The first enabled video track is the one players show; a disabled one (an
			// alternate angle, a depth map) counts only when no other exists.
			if video == nil || (video.disabled && !t.disabled) {
				video = t
			}
		case t.handler == "soun":
			info.AudioTracks++
			lang := t.language
			if t.elng != "" {
				lang = t.elng
			}
			info.Audio = append(info.Audio, AudioTrack{Codec: t.codec, Channels: t.channels, Language: lang})
		case captionHandlers[t.handler] && !chapters[t.id]:
			lang := t.language
			if t.elng != "" {
				lang = t.elng
			}
			info.Captions = append(info.Captions, CaptionTrack{Codec: t.codec, Language: lang, Track: i})
		}
	}
	if video != nil {
		v := &VideoTrack{Codec: video.codec, Width: video.width, Height: video.height, Rotation: video.rotation,
			Transform: video.transform, FrameRate: video.frameRate(), CodedWidth: video.codedW, CodedHeight: video.codedH}
		if video.havePic {
			v.HeaderWidth, v.HeaderHeight = video.pic.w, video.pic.h
			// The SPS's cropped size is the picture; the sample entry may state the coded one.
			// A sample entry without a size (0x0) leaves the SPS's.
			if (video.pic.w <= v.Width && video.pic.h <= v.Height && v.Width-video.pic.w < 16 && v.Height-video.pic.h < 16) || v.Width == 0 || v.Height == 0 {
				v.Width, v.Height = video.pic.w, video.pic.h
			}
		}
		v.setPicture(video.pic)
		info.Video = v
	}
}

// setPicture copies a codec header's aspect ratio, bit depth and colour description.
func (v *VideoTrack) setPicture(pic picture) {
	v.Interlaced = v.Interlaced || pic.interlaced
	v.PixelAspect = [2]int{1, 1}
	if pic.par[0] > 0 && pic.par[1] > 0 {
		v.PixelAspect = reduce(pic.par[0], pic.par[1])
	}
	v.BitDepth = pic.bitDepth
	v.Primaries, v.Transfer, v.Matrix = pic.primaries, pic.transfer, pic.matrx
	switch pic.transfer {
	case 16: // SMPTE ST 2084, PQ
		v.HDR = "hdr10"
	case 18: // ARIB STD-B67, HLG
		v.HDR = "hlg"
	}
}

// fillFromFragments takes the duration, and the frame rate when moov has none, of a
// fragmented file from its fragments: a segment index, else the last fragment of its first
// video (else audio) track. The fragments are the media; mehd and mvhd are only claims.
func (r *reader) fillFromFragments(mv *mp4Movie, info *Info) error {
	var t *mp4Track
	for _, c := range mv.tracks {
		if c.handler == "vide" || (t == nil && c.handler == "soun") {
			t = c
			if c.handler == "vide" {
				break
			}
		}
	}
	if t == nil || t.timescale == 0 {
		return nil
	}
	var fromIndex time.Duration
	for _, sp := range mv.sidx {
		if d, ok := scaleDuration(sp.end, uint64(sp.timescale)); ok && (sp.id == t.id || len(mv.sidx) == 1) {
			fromIndex = max(fromIndex, d)
		}
	}
	needRate := info.Video != nil && info.Video.FrameRate == 0
	if fromIndex > 0 && !needRate {
		info.Duration, info.DurationFrom = fromIndex, "fragment-index"
		return nil
	}
	run, ok, err := r.mp4LastFragment(t.id, mv.trex[t.id], mv.firstMoof)
	if err != nil {
		return err
	}
	switch {
	case fromIndex > 0:
		info.Duration, info.DurationFrom = fromIndex, "fragment-index"
	case ok:
		if d, ok := scaleDuration(run.end, uint64(t.timescale)); ok && d > 0 {
			// Decode times are absolute: samples in moov (a file fragmented after its first
			// part) come before them, so the last fragment's end is the track's end.
			info.Duration, info.DurationFrom = d, "fragments"
		}
	}
	if ok && needRate && t.handler == "vide" && run.duration > 0 {
		info.Video.FrameRate = run.frameRate(t.timescale)
	}
	return nil
}

// frameRate is samples per second of media time, from stts, or from the stsz sample count
// over the track duration when stts was too long to read.
func (t *mp4Track) frameRate() float64 {
	if t.timescale == 0 {
		return 0
	}
	// A constant-rate track has one delta for almost every sample: its rate is exact, where
	// the average is pulled down by a short last frame.
	if t.modeCount > 0 && t.modeDelta > 0 && t.modeCount*10 >= t.samples*9 {
		return round3(float64(t.timescale) / float64(t.modeDelta))
	}
	if t.samples > 0 && t.sampleDur > 0 {
		return round3(float64(t.samples) * float64(t.timescale) / float64(t.sampleDur))
	}
	if t.stszCount > 0 && t.duration > 0 {
		return round3(float64(t.stszCount) * float64(t.timescale) / float64(t.duration))
	}
	return 0
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
