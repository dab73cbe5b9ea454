package probe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// MXF (SMPTE ST 377-1) is a sequence of KLV triplets: a 16-byte SMPTE Universal Label, a BER
// length and a value. The header partition pack comes first, after an optional run-in of up
// to 64 KiB; the structural metadata follows it and describes the essence.
var (
	mxfPartitionPrefix = []byte{0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01}
	mxfLocalSetPrefix  = []byte{0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0D, 0x01, 0x01, 0x01, 0x01}
)

const (
	mxfMaxRunIn    = 64 << 10
	mxfMaxMetadata = 1 << 20
	mxfPackMin     = 88 // fixed fields of a partition pack, up to the essence container batch
	mxfEssenceScan = 64 << 10
)

// Header metadata set kinds (bytes 13 and 14 of the set key) the probe reads.
const (
	mxfGenericPicture = 0x0127
	mxfCDCIPicture    = 0x0128
	mxfRGBAPicture    = 0x0129
	mxfMPEG2Video     = 0x0151
	mxfGenericSound   = 0x0142
	mxfAES3Audio      = 0x0147
	mxfWaveAudio      = 0x0148
	mxfTrack          = 0x013B
	mxfSequence       = 0x010F
)

// Static local tags of the descriptor sets (SMPTE ST 377-1 Annex G).
const (
	mxfTagSampleRate   = 0x3001
	mxfTagDuration     = 0x3002
	mxfTagCoding       = 0x3201
	mxfTagStoredHeight = 0x3202
	mxfTagStoredWidth  = 0x3203
	mxfTagFrameLayout  = 0x320C
	mxfTagChannelCount = 0x3D07
	mxfTagDisplayH     = 0x3208
	mxfTagDisplayW     = 0x3209
	mxfTagAspect       = 0x320E
	mxfTagInstanceUID  = 0x3C0A
	mxfTagEditRate     = 0x4B01
	mxfTagSequenceRef  = 0x4803
	mxfTagSeqDuration  = 0x0202
)

// mxfFillKey is the KLV fill item's label, bytes 8 to 12; byte 7 is a version and varies.
var mxfFillKey = []byte{0x03, 0x01, 0x02, 0x10, 0x01}

// mxfHeaderOffset returns the offset of the header partition pack key in b, or -1.
func mxfHeaderOffset(b []byte) int {
	limit := len(b)
	if limit > mxfMaxRunIn+16 {
		limit = mxfMaxRunIn + 16
	}
	for from := 0; from < limit; {
		i := bytes.Index(b[from:limit], mxfPartitionPrefix)
		if i < 0 {
			return -1
		}
		at := from + i
		if at+16 <= len(b) && b[at+13] == 0x02 && b[at+14] >= 1 && b[at+14] <= 4 {
			return at
		}
		from = at + 1
	}
	return -1
}

// klvAt reads the key and length of the KLV triplet at off, which must end by end.
func (r *reader) klvAt(off, end int64) (key []byte, valueOff, length int64, err error) {
	n := end - off
	if n > 25 {
		n = 25
	}
	if n < 17 {
		return nil, 0, 0, fmt.Errorf("%w: %d bytes at offset %d are too few for a klv", ErrCorrupt, n, off)
	}
	b, err := r.at(off, n)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := r.countBox("klv", off); err != nil {
		return nil, 0, 0, err
	}
	l, ll, ok := berLength(b[16:])
	if !ok {
		return nil, 0, 0, fmt.Errorf("%w: klv at offset %d: invalid length", ErrCorrupt, off)
	}
	valueOff = off + 16 + int64(ll)
	if l > uint64(end-valueOff) {
		return nil, 0, 0, fmt.Errorf("%w: klv at offset %d claims %d bytes, the object ends %d bytes later", ErrTruncated, off, l, end-valueOff)
	}
	return b[:16], valueOff, int64(l), nil
}

// berLength decodes a BER length: short form below 0x80, else 0x8n and n bytes.
func berLength(b []byte) (length uint64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1, true
	}
	k := int(b[0] & 0x7f)
	if k == 0 || k > 8 || k+1 > len(b) {
		return 0, 0, false
	}
	for _, c := range b[1 : 1+k] {
		length = length<<8 | uint64(c)
	}
	if length > 1<<62 {
		return 0, 0, false
	}
	return length, k + 1, true
}

// mxfPartition is what the probe uses of a partition pack.
type mxfPartition struct {
	complete    bool
	footer      uint64
	headerBytes uint64
	metaOff     int64 // first byte after the pack
}

func (r *reader) mxfPartitionAt(off int64) (mxfPartition, error) {
	key, voff, length, err := r.klvAt(off, r.size)
	if err != nil {
		return mxfPartition{}, fmt.Errorf("partition pack at offset %d: %w", off, err)
	}
	if !bytes.HasPrefix(key, mxfPartitionPrefix) {
		return mxfPartition{}, fmt.Errorf("%w: no partition pack at offset %d", ErrCorrupt, off)
	}
	if length < mxfPackMin {
		return mxfPartition{}, fmt.Errorf("%w: partition pack at offset %d is %d bytes", ErrCorrupt, off, length)
	}
	v, err := r.at(voff, mxfPackMin)
	if err != nil {
		return mxfPartition{}, fmt.Errorf("partition pack at offset %d: %w", off, err)
	}
	p := mxfPartition{
		complete:    key[14] == 0x03 || key[14] == 0x04,
		footer:      binary.BigEndian.Uint64(v[24:]),
		headerBytes: binary.BigEndian.Uint64(v[32:]),
		metaOff:     voff + length,
	}
	// HeaderByteCount starts at the primer pack, after the fill that aligns it to the KAG.
	for p.headerBytes > 0 && p.metaOff < r.size {
		key, voff, length, err := r.klvAt(p.metaOff, r.size)
		if err != nil {
			return mxfPartition{}, fmt.Errorf("header metadata at offset %d: %w", p.metaOff, err)
		}
		if !bytes.Equal(key[8:13], mxfFillKey) {
			break
		}
		p.metaOff = voff + length
	}
	return p, nil
}

// mxfDescriptor is what the probe keeps of a metadata set: an essence descriptor, a track or
// a sequence.
type mxfDescriptor struct {
	uid            []byte
	seqRef         []byte
	kind           uint16
	rateNum        uint32
	rateDen        uint32
	duration       uint64
	width, height  uint32
	dispW, dispH   uint32
	aspect         [2]uint32
	frameLayout    byte
	channels       uint32
	coding         []byte
	hasDuration    bool
	hasSampleRates bool
}

func probeMXF(r *reader, head []byte, info *Info) error {
	info.Container = MXF
	info.MIME = "application/mxf"
	runIn := int64(mxfHeaderOffset(head))
	hp, err := r.mxfPartitionAt(runIn)
	if err != nil {
		return fmt.Errorf("mxf: header %w", err)
	}
	// An incomplete header partition (written before the essence was known) leaves the
	// authoritative metadata to the footer; partition offsets do not count the run-in.
	meta := hp
	if !hp.complete && hp.footer > 0 && hp.footer < uint64(r.size-runIn) {
		fp, err := r.mxfPartitionAt(runIn + int64(hp.footer))
		if err != nil {
			return fmt.Errorf("mxf: footer %w", err)
		}
		if fp.headerBytes > 0 {
			meta = fp
		}
	}
	if meta.headerBytes == 0 {
		return fmt.Errorf("mxf: %w: no header metadata", ErrCorrupt)
	}
	n := int64(mxfMaxMetadata)
	if meta.headerBytes < uint64(n) {
		n = int64(meta.headerBytes)
	}
	if n > r.size-meta.metaOff {
		return fmt.Errorf("mxf: %w: %d bytes of header metadata at offset %d, the object ends %d bytes later", ErrTruncated, meta.headerBytes, meta.metaOff, r.size-meta.metaOff)
	}
	b, err := r.at(meta.metaOff, n)
	if err != nil {
		return fmt.Errorf("mxf: header metadata at offset %d: %w", meta.metaOff, err)
	}
	descs, err := mxfDescriptors(r, b, meta.metaOff)
	if err != nil {
		return fmt.Errorf("mxf: %w", err)
	}
	for _, d := range descs {
		switch d.kind {
		case mxfGenericPicture, mxfCDCIPicture, mxfRGBAPicture, mxfMPEG2Video:
			if info.Video != nil {
				continue
			}
			// Separate fields: the stored and display heights count one field.
			fields := uint32(1)
			if d.frameLayout == 1 {
				fields = 2
			}
			v := &VideoTrack{Codec: mxfCodec(d.coding), Width: clampInt(uint64(d.width)), Height: clampInt(uint64(d.height) * uint64(fields))}
			v.CodedWidth, v.CodedHeight = v.Width, v.Height
			// The display rectangle leaves out the rows a codec pads to whole macroblocks:
			// 1080-line MPEG-2 is stored 1088 high and displayed 1080.
			if d.dispW > 0 && d.dispH > 0 && d.dispW <= d.width && d.dispH <= d.height {
				v.Width, v.Height = clampInt(uint64(d.dispW)), clampInt(uint64(d.dispH)*uint64(fields))
			}
			// FrameLayout 1 (separate fields) and 3 (mixed fields) are interlaced; 0 (full
			// frame) and 4 (segmented frame, PsF) are progressive pictures.
			pic := picture{interlaced: d.frameLayout == 1 || d.frameLayout == 3}
			if d.aspect[0] > 0 && d.aspect[1] > 0 && d.aspect[0] < 1<<16 && d.aspect[1] < 1<<16 && v.Width > 0 && v.Height > 0 {
				// AspectRatio is the display aspect ratio of the display rectangle.
				pic.par = reduce(int(d.aspect[0])*v.Height, int(d.aspect[1])*v.Width)
			}
			v.setPicture(pic)
			info.Video = v
			if d.rateNum > 0 && d.rateDen > 0 {
				info.Video.FrameRate = round3(float64(d.rateNum) / float64(d.rateDen))
				if d.hasDuration {
					info.Duration = nanosToDuration(float64(d.duration) * float64(d.rateDen) / float64(d.rateNum) * 1e9)
				}
			}
		case mxfGenericSound, mxfAES3Audio, mxfWaveAudio:
			info.AudioTracks++
			ch := 0
			if d.channels <= 64 { // SMPTE 377 ChannelCount; more is no real sound track
				ch = int(d.channels)
			}
			info.Audio = append(info.Audio, AudioTrack{Codec: "pcm", Channels: ch, Language: "und"})
			if info.Duration == 0 && d.hasDuration && d.rateNum > 0 && d.rateDen > 0 {
				info.Duration = nanosToDuration(float64(d.duration) * float64(d.rateDen) / float64(d.rateNum) * 1e9)
			}
		}
	}
	if info.Duration == 0 {
		// Writers that leave ContainerDuration out (ffmpeg among them) give each track's
		// length as its sequence's duration in edit units.
		info.Duration = mxfTrackDuration(descs)
	}
	if info.Duration > 0 {
		info.DurationFrom = "descriptor"
	}
	if v := info.Video; v != nil && (v.Codec == "mpeg2" || v.Codec == "mpeg1") {
		// The first frame follows the header metadata; its sequence header states the
		// picture size the stored size can be checked against. Where the metadata ends
		// within the head read, only the rest of the head is searched.
		from := meta.metaOff + n
		scan := int64(mxfEssenceScan)
		if from < headSize {
			scan = headSize - from // what the head read holds: no extra round trip
		}
		if b, err := r.upTo(from, min(scan, r.size-from)); err == nil {
			if pic, ok := mpeg2Picture(b); ok {
				v.HeaderWidth, v.HeaderHeight = pic.w, pic.h
				v.Interlaced = v.Interlaced || pic.interlaced
			}
		} else if !isContentErr(err) {
			return fmt.Errorf("mxf: essence at offset %d: %w", from, err)
		}
	}
	if info.Video == nil {
		return fmt.Errorf("%w: mxf has %d audio tracks and no video", ErrNoVideoTrack, info.AudioTracks)
	}
	return nil
}

// mxfTrackDuration returns the longest track: its sequence's duration over its edit rate.
func mxfTrackDuration(sets []mxfDescriptor) time.Duration {
	seqs := map[string]uint64{}
	for _, s := range sets {
		if s.kind == mxfSequence && s.hasDuration && s.uid != nil {
			seqs[string(s.uid)] = s.duration
		}
	}
	var longest time.Duration
	for _, t := range sets {
		if t.kind != mxfTrack || t.rateNum == 0 || t.rateDen == 0 || t.seqRef == nil {
			continue
		}
		units, ok := seqs[string(t.seqRef)]
		if !ok {
			continue
		}
		if d := nanosToDuration(float64(units) * float64(t.rateDen) / float64(t.rateNum) * 1e9); d > longest {
			longest = d
		}
	}
	return longest
}

// mxfDescriptors returns the essence descriptors among the metadata sets in b, which was
// read from offset off. A set cut by the read cap ends the walk.
func mxfDescriptors(r *reader, b []byte, off int64) ([]mxfDescriptor, error) {
	var out []mxfDescriptor
	for pos := 0; pos+17 <= len(b); {
		if err := r.countBox("metadata set", off+int64(pos)); err != nil {
			return nil, err
		}
		l, ll, ok := berLength(b[pos+16:])
		if !ok {
			return nil, fmt.Errorf("%w: klv at offset %d: invalid length", ErrCorrupt, off+int64(pos))
		}
		start := pos + 16 + ll
		if l > uint64(len(b)-start) {
			break
		}
		key, value := b[pos:pos+16], b[start:start+int(l)]
		pos = start + int(l)
		if !bytes.HasPrefix(key, mxfLocalSetPrefix) {
			continue
		}
		d := mxfDescriptor{kind: binary.BigEndian.Uint16(key[13:])}
		switch d.kind {
		case mxfGenericPicture, mxfCDCIPicture, mxfRGBAPicture, mxfMPEG2Video, mxfGenericSound, mxfAES3Audio, mxfWaveAudio, mxfTrack, mxfSequence:
		default:
			continue
		}
		for v := value; len(v) >= 4; {
			tag := binary.BigEndian.Uint16(v)
			n := int(binary.BigEndian.Uint16(v[2:]))
			if n > len(v)-4 {
				return nil, fmt.Errorf("%w: local tag %#04x in set at offset %d overruns the set", ErrCorrupt, tag, off+int64(pos))
			}
			x := v[4 : 4+n]
			v = v[4+n:]
			switch {
			case tag == mxfTagInstanceUID && n == 16:
				d.uid = x
			case tag == mxfTagSequenceRef && n == 16:
				d.seqRef = x
			case tag == mxfTagEditRate && n == 8:
				d.rateNum, d.rateDen = binary.BigEndian.Uint32(x), binary.BigEndian.Uint32(x[4:])
			case tag == mxfTagSeqDuration && n == 8 && d.kind == mxfSequence:
				d.duration, d.hasDuration = binary.BigEndian.Uint64(x), true
			case tag == mxfTagSampleRate && n == 8:
				d.rateNum, d.rateDen = binary.BigEndian.Uint32(x), binary.BigEndian.Uint32(x[4:])
			case tag == mxfTagDuration && n == 8:
				d.duration, d.hasDuration = binary.BigEndian.Uint64(x), true
			case tag == mxfTagCoding && n == 16:
				d.coding = x
			case tag == mxfTagStoredWidth && n == 4:
				d.width = binary.BigEndian.Uint32(x)
			case tag == mxfTagStoredHeight && n == 4:
				d.height = binary.BigEndian.Uint32(x)
			case tag == mxfTagDisplayW && n == 4:
				d.dispW = binary.BigEndian.Uint32(x)
			case tag == mxfTagDisplayH && n == 4:
				d.dispH = binary.BigEndian.Uint32(x)
			case tag == mxfTagAspect && n == 8:
				d.aspect = [2]uint32{binary.BigEndian.Uint32(x), binary.BigEndian.Uint32(x[4:])}
			case tag == mxfTagFrameLayout && n == 1:
				d.frameLayout = x[0]
			case tag == mxfTagChannelCount && n == 4:
				d.channels = binary.BigEndian.Uint32(x)
			}
		}
		if d.duration > 1<<40 {
			d.hasDuration = false // implausible: over 1,000 years at 30 fps
		}
		out = append(out, d)
	}
	return out, nil
}

// mxfCodec names the picture coding label (SMPTE RP 224): bytes 8 to 13 identify the
// compression family; byte 7, the registry version, is ignored.
func mxfCodec(ul []byte) string {
	if len(ul) != 16 || ul[8] != 0x04 || ul[9] != 0x01 || ul[10] != 0x02 {
		return "unknown"
	}
	if ul[11] == 0x01 {
		return "rawvideo"
	}
	if ul[11] != 0x02 {
		return "unknown"
	}
	switch {
	case ul[12] == 0x01 && ul[13] >= 0x01 && ul[13] <= 0x05:
		return "mpeg2"
	case ul[12] == 0x01 && ul[13] == 0x10:
		return "mpeg1"
	case ul[12] == 0x01 && ul[13] == 0x20:
		return "mpeg4"
	case ul[12] == 0x01 && (ul[13] == 0x31 || ul[13] == 0x32):
		return "h264"
	case ul[12] == 0x02:
		return "dv"
	case ul[12] == 0x03 && ul[13] == 0x01:
		return "jpeg2000"
	case ul[12] == 0x03 && ul[13] == 0x06:
		return "prores"
	case ul[12] == 0x71:
		return "dnxhd"
	}
	return "unknown"
}
