package probe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
)

// Matroska element IDs, with their length marker bits kept, as the specification writes them.
const (
	ebmlHeader        = 0x1A45DFA3
	ebmlDocType       = 0x4282
	mkvSegment        = 0x18538067
	mkvSeekHead       = 0x114D9B74
	mkvSeek           = 0x4DBB
	mkvSeekID         = 0x53AB
	mkvSeekPosition   = 0x53AC
	mkvInfo           = 0x1549A966
	mkvTimecodeScale  = 0x2AD7B1
	mkvDuration       = 0x4489
	mkvTracks         = 0x1654AE6B
	mkvTrackEntry     = 0xAE
	mkvTrackNumber    = 0xD7
	mkvFlagEnabled    = 0xB9
	mkvTrackType      = 0x83
	mkvCodecID        = 0x86
	mkvLanguage       = 0x22B59C
	mkvLanguageBCP47  = 0x22B59D
	mkvDefaultDur     = 0x23E383
	mkvVideo          = 0xE0
	mkvPixelWidth     = 0xB0
	mkvPixelHeight    = 0xBA
	mkvProjection     = 0x7670
	mkvProjectionType = 0x7671
	mkvPoseYaw        = 0x7673
	mkvPosePitch      = 0x7674
	mkvPoseRoll       = 0x7675
	mkvCluster        = 0x1F43B675
	mkvCodecPrivate   = 0x63A2
	mkvDisplayWidth   = 0x54B0
	mkvDisplayHeight  = 0x54BA
	mkvDisplayUnit    = 0x54B2
	mkvFlagInterlaced = 0x9A
	mkvColour         = 0x55B0
	mkvColourMatrix   = 0x55B1
	mkvColourBits     = 0x55B2
	mkvColourTransfer = 0x55BA
	mkvColourPrimary  = 0x55BB
	mkvAudio          = 0xE1
	mkvChannels       = 0x9F
)

// Matroska track types.
const (
	mkvTrackVideo    = 1
	mkvTrackAudio    = 2
	mkvTrackSubtitle = 17
)

// Matroska limits: the master elements the probe reads whole are capped, so a hostile size
// never turns into an allocation.
const (
	mkvMaxHeader = 4 << 10
	mkvMaxInfo   = 64 << 10
	mkvMaxSeek   = 64 << 10
	mkvMaxTracks = 1 << 20
)

// ebmlElement is one element header: where it starts, how long the header is and how long the
// payload is; size is -1 when the file says "unknown", as live recordings do.
type ebmlElement struct {
	id   uint32
	off  int64
	hdr  int64
	size int64
}

func (e ebmlElement) dataOff() int64 { return e.off + e.hdr }

// readVint decodes an EBML variable-length integer. keepMarker keeps the length bits, as
// element IDs do. It returns the value, its length, and whether all value bits were ones.
func readVint(b []byte, maxLen int, keepMarker bool) (v uint64, n int, allOnes bool, ok bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false, false
	}
	n = 1
	for mask := byte(0x80); b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if n > maxLen || n > len(b) {
		return 0, 0, false, false
	}
	first := b[0]
	if !keepMarker {
		first &= byte(0xFF >> n)
	}
	v = uint64(first)
	allOnes = first == byte(0xFF>>n)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
		allOnes = allOnes && b[i] == 0xFF
	}
	return v, n, allOnes, true
}

// parseElement decodes the element header at the start of b, which was read from offset off.
func parseElement(b []byte, off int64) (ebmlElement, error) {
	id, idLen, _, ok := readVint(b, 4, true)
	if !ok {
		return ebmlElement{}, fmt.Errorf("%w: invalid element id at offset %d", ErrCorrupt, off)
	}
	size, sizeLen, unknown, ok := readVint(b[idLen:], 8, false)
	if !ok {
		return ebmlElement{}, fmt.Errorf("%w: element %#x at offset %d: invalid size", ErrCorrupt, id, off)
	}
	e := ebmlElement{id: uint32(id), off: off, hdr: int64(idLen + sizeLen), size: int64(size)}
	if unknown {
		e.size = -1
	} else if size > math.MaxInt64/2 {
		return ebmlElement{}, fmt.Errorf("%w: element %#x at offset %d: size %d", ErrCorrupt, id, off, size)
	}
	return e, nil
}

// elementAt reads the element header at off; the element must end by end. fileLevel decides
// whether overrunning end means truncation or corruption.
func (r *reader) elementAt(off, end int64, fileLevel bool) (ebmlElement, error) {
	n := end - off
	if n > 12 {
		n = 12
	}
	if n < 2 {
		return ebmlElement{}, fmt.Errorf("%w: %d bytes at offset %d are too few for an element", ErrCorrupt, n, off)
	}
	b, err := r.at(off, n)
	if err != nil {
		return ebmlElement{}, err
	}
	e, err := parseElement(b, off)
	if err != nil {
		return ebmlElement{}, err
	}
	if err := r.countBox(fmt.Sprintf("element %#x", e.id), off); err != nil {
		return ebmlElement{}, err
	}
	if e.hdr > end-off || (e.size >= 0 && e.size > end-off-e.hdr) {
		if fileLevel {
			return ebmlElement{}, fmt.Errorf("%w: element %#x at offset %d claims %d bytes, the object ends %d bytes later", ErrTruncated, e.id, off, e.size, end-off-e.hdr)
		}
		return ebmlElement{}, fmt.Errorf("%w: element %#x at offset %d claims %d bytes, its parent ends %d bytes later", ErrCorrupt, e.id, off, e.size, end-off-e.hdr)
	}
	return e, nil
}

// ebmlChildren calls fn for each element in the in-memory payload b, which was read from
// offset off. Elements of unknown size are not allowed inside payloads read whole.
func ebmlChildren(b []byte, off int64, r *reader, fn func(e ebmlElement, data []byte) error) error {
	for pos := 0; pos < len(b); {
		e, err := parseElement(b[pos:], off+int64(pos))
		if err != nil {
			return err
		}
		if err := r.countBox(fmt.Sprintf("element %#x", e.id), e.off); err != nil {
			return err
		}
		if e.size < 0 || e.hdr+e.size > int64(len(b)-pos) {
			return fmt.Errorf("%w: element %#x at offset %d overruns its parent", ErrCorrupt, e.id, e.off)
		}
		data := b[pos+int(e.hdr) : pos+int(e.hdr+e.size)]
		if err := fn(e, data); err != nil {
			return err
		}
		pos += int(e.hdr + e.size)
	}
	return nil
}

func ebmlUint(b []byte) uint64 {
	if len(b) > 8 {
		return 0
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func ebmlFloat(b []byte) float64 {
	switch len(b) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return 0
}

// ebmlString decodes a string element: NUL padding dropped, "" when empty, "unknown" when not
// printable ASCII.
func ebmlString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return ""
	}
	return printable(string(b))
}

// mkvTrack is what the probe keeps of a TrackEntry.
type mkvTrack struct {
	number      uint64
	disabled    bool
	typ         uint64
	codecID     string
	language    string
	bcp47       string
	defaultDur  uint64
	width       int
	height      int
	projType    uint64
	yaw, pitch  float64
	roll        float64
	hasRotation bool
	displayW    uint64
	displayH    uint64
	displayUnit uint64
	interlaced  bool
	private     []byte
	colour      picture
	channels    int
}

func probeMatroska(r *reader, info *Info) error {
	info.Container = Matroska
	hdr, err := r.elementAt(0, r.size, true)
	if err != nil {
		return fmt.Errorf("matroska: ebml header: %w", err)
	}
	if hdr.size < 0 || hdr.size > mkvMaxHeader {
		return fmt.Errorf("matroska: %w: ebml header size %d", ErrCorrupt, hdr.size)
	}
	hb, err := r.at(hdr.dataOff(), hdr.size)
	if err != nil {
		return fmt.Errorf("matroska: ebml header: %w", err)
	}
	docType := "matroska" // the EBML default when DocType is absent
	err = ebmlChildren(hb, hdr.dataOff(), r, func(e ebmlElement, data []byte) error {
		if e.id == ebmlDocType {
			docType = ebmlString(data)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("matroska: ebml header: %w", err)
	}
	switch docType {
	case "webm":
		info.Container = WebM
	case "matroska":
	default:
		return fmt.Errorf("matroska: %w: doctype %q", ErrUnsupportedContainer, docType)
	}

	// The Segment follows the header, perhaps after Void elements.
	var seg ebmlElement
	for off := hdr.dataOff() + hdr.size; ; {
		e, err := r.elementAt(off, r.size, true)
		if err != nil {
			return fmt.Errorf("matroska: %w", err)
		}
		if e.id == mkvSegment {
			seg = e
			break
		}
		if e.size < 0 {
			return fmt.Errorf("matroska: %w: element %#x of unknown size before the segment", ErrCorrupt, e.id)
		}
		off = e.dataOff() + e.size
	}
	segStart, segEnd := seg.dataOff(), r.size
	if seg.size >= 0 {
		segEnd = segStart + seg.size
	}

	var (
		tracks    []mkvTrack
		haveInfo  bool
		haveTrks  bool
		scale     uint64 = 1000000 // TimecodeScale default: milliseconds
		duration  float64
		seekInfo  int64 = -1
		seekTrack int64 = -1
		seekCues  int64 = -1
	)
	readInfo := func(e ebmlElement) error {
		b, err := r.masterData(e, mkvMaxInfo)
		if err != nil {
			return fmt.Errorf("info at offset %d: %w", e.off, err)
		}
		haveInfo = true
		return ebmlChildren(b, e.dataOff(), r, func(c ebmlElement, data []byte) error {
			switch c.id {
			case mkvTimecodeScale:
				if v := ebmlUint(data); v > 0 {
					scale = v
				}
			case mkvDuration:
				duration = ebmlFloat(data)
			}
			return nil
		})
	}
	readTracks := func(e ebmlElement) error {
		b, err := r.masterData(e, mkvMaxTracks)
		if err != nil {
			return fmt.Errorf("tracks at offset %d: %w", e.off, err)
		}
		haveTrks = true
		return ebmlChildren(b, e.dataOff(), r, func(c ebmlElement, data []byte) error {
			if c.id != mkvTrackEntry {
				return nil
			}
			t, err := parseTrackEntry(r, c, data)
			if err != nil {
				return err
			}
			tracks = append(tracks, t)
			return nil
		})
	}
	readSeekHead := func(e ebmlElement) error {
		b, err := r.masterData(e, mkvMaxSeek)
		if err != nil {
			return fmt.Errorf("seekhead at offset %d: %w", e.off, err)
		}
		return ebmlChildren(b, e.dataOff(), r, func(c ebmlElement, data []byte) error {
			if c.id != mkvSeek {
				return nil
			}
			var id uint64
			pos := int64(-1)
			err := ebmlChildren(data, c.dataOff(), r, func(s ebmlElement, v []byte) error {
				switch s.id {
				case mkvSeekID:
					id = ebmlUint(v)
				case mkvSeekPosition:
					if p := ebmlUint(v); p < uint64(segEnd-segStart) {
						pos = segStart + int64(p)
					}
				}
				return nil
			})
			switch {
			case err != nil:
				return err
			case id == mkvInfo && seekInfo < 0:
				seekInfo = pos
			case id == mkvTracks && seekTrack < 0:
				seekTrack = pos
			case id == mkvCues && seekCues < 0:
				seekCues = pos
			}
			return nil
		})
	}

	// Walk the segment's top level up to the first Cluster: muxers put SeekHead, Info and
	// Tracks there. Clusters hold the media, which the probe never reads.
	for off := segStart; off < segEnd && !(haveInfo && haveTrks); {
		e, err := r.elementAt(off, segEnd, seg.size < 0 || segEnd == r.size)
		if err != nil {
			return fmt.Errorf("matroska: segment: %w", err)
		}
		switch e.id {
		case mkvInfo:
			err = readInfo(e)
		case mkvTracks:
			err = readTracks(e)
		case mkvSeekHead:
			err = readSeekHead(e)
		}
		if err != nil {
			return fmt.Errorf("matroska: %w", err)
		}
		if e.id == mkvCluster || e.size < 0 {
			break
		}
		off = e.dataOff() + e.size
	}
	// Info or Tracks placed after the media: follow the SeekHead.
	for _, s := range []struct {
		have *bool
		pos  int64
		id   uint32
		read func(ebmlElement) error
	}{{&haveInfo, seekInfo, mkvInfo, readInfo}, {&haveTrks, seekTrack, mkvTracks, readTracks}} {
		if *s.have || s.pos < 0 {
			continue
		}
		e, err := r.elementAt(s.pos, segEnd, seg.size < 0 || segEnd == r.size)
		if err != nil {
			return fmt.Errorf("matroska: seek target at offset %d: %w", s.pos, err)
		}
		if e.id != s.id {
			return fmt.Errorf("matroska: %w: seekhead points to element %#x at offset %d, want %#x", ErrCorrupt, e.id, s.pos, s.id)
		}
		if err := s.read(e); err != nil {
			return fmt.Errorf("matroska: %w", err)
		}
	}
	if !haveTrks {
		return fmt.Errorf("matroska: %w: no tracks element before the first cluster", ErrCorrupt)
	}

	info.Duration = nanosToDuration(duration * float64(scale))
	if info.Duration > 0 {
		info.DurationFrom = "header"
	} else {
		// Live recordings (browser MediaRecorder, streaming muxers) write no Duration, and an
		// edited or overflowing one is no better: take the last block's timestamp from the
		// tail, else the last cue point.
		v := firstVideo(tracks)
		var videoNum uint64
		if v != nil {
			videoNum = v.number
		}
		last, isVideo, err := r.mkvLastTimestamp(segStart, videoNum)
		if err != nil {
			return fmt.Errorf("matroska: %w", err)
		}
		if last > 0 {
			info.Duration, info.DurationFrom = nanosToDuration(float64(last)*float64(scale)), "clusters"
			if isVideo && v.defaultDur > 0 && v.defaultDur < uint64(time.Second) {
				info.Duration += time.Duration(v.defaultDur) // the last frame's own duration
			}
		} else if seekCues >= 0 {
			last, err := r.mkvLastCue(seekCues, segEnd, seg.size < 0 || segEnd == r.size)
			if err != nil {
				return fmt.Errorf("matroska: %w", err)
			}
			if last > 0 {
				// The last cue is the last keyframe: at most a GOP short of the end.
				info.Duration, info.DurationFrom = nanosToDuration(float64(last)*float64(scale)), "cues"
			}
		}
	}
	if v := firstVideo(tracks); v != nil {
		info.Video = v.videoTrack()
	}
	for i, t := range tracks {
		switch t.typ {
		case mkvTrackAudio:
			info.AudioTracks++
			lang := t.language
			if t.bcp47 != "" {
				lang = t.bcp47
			}
			info.Audio = append(info.Audio, AudioTrack{Codec: mkvAudioCodec(t.codecID), Channels: t.channels, Language: lang})
		case mkvTrackSubtitle:
			lang := t.language
			if t.bcp47 != "" {
				lang = t.bcp47
			}
			info.Captions = append(info.Captions, CaptionTrack{Codec: mkvCaptionCodec(t.codecID), Language: lang, Track: i})
		}
	}
	info.MIME = "video/x-matroska"
	if info.Container == WebM {
		info.MIME = "video/webm"
	}
	if info.Video == nil {
		info.MIME = strings.Replace(info.MIME, "video/", "audio/", 1)
		return fmt.Errorf("%w: %s has %d audio tracks and no video", ErrNoVideoTrack, info.Container, info.AudioTracks)
	}
	return nil
}

// firstVideo returns the first enabled video track, or the first video track when all are
// disabled, or nil.
func firstVideo(tracks []mkvTrack) *mkvTrack {
	var v *mkvTrack
	for i := range tracks {
		if t := &tracks[i]; t.typ == mkvTrackVideo && (v == nil || (v.disabled && !t.disabled)) {
			v = t
		}
	}
	return v
}

// Cues elements.
const (
	mkvCues     = 0x1C53BB6B
	mkvCuePoint = 0xBB
	mkvCueTime  = 0xB3
	mkvMaxCues  = 1 << 20
)

// mkvLastCue reads the Cues element at off and returns its largest CueTime, in
// TimecodeScale units; 0 when there is none.
func (r *reader) mkvLastCue(off, end int64, fileLevel bool) (int64, error) {
	e, err := r.elementAt(off, end, fileLevel)
	if err != nil {
		return 0, fmt.Errorf("cues at offset %d: %w", off, err)
	}
	if e.id != mkvCues {
		return 0, fmt.Errorf("%w: seekhead points to element %#x at offset %d, want cues", ErrCorrupt, e.id, off)
	}
	b, err := r.masterData(e, mkvMaxCues)
	if err != nil {
		return 0, fmt.Errorf("cues at offset %d: %w", off, err)
	}
	var last uint64
	err = ebmlChildren(b, e.dataOff(), r, func(c ebmlElement, data []byte) error {
		if c.id != mkvCuePoint {
			return nil
		}
		return ebmlChildren(data, c.dataOff(), r, func(t ebmlElement, td []byte) error {
			if t.id == mkvCueTime {
				last = max(last, ebmlUint(td))
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("cues at offset %d: %w", off, err)
	}
	if last > 1<<53 {
		return 0, nil
	}
	return int64(last), nil
}

// Cluster children read for the tail timestamp.
const (
	mkvClusterTimestamp = 0xE7
	mkvCRC32            = 0xBF
	mkvVoid             = 0xEC
	mkvSimpleBlock      = 0xA3
	mkvBlockGroup       = 0xA0
	mkvBlock            = 0xA1
	mkvTailStep         = 512 << 10
)

// mkvLastTimestamp finds the last Cluster and returns the largest block timestamp in it, in
// TimecodeScale units, of track videoNum when the cluster holds any of its blocks (isVideo),
// else of any track; 0 when there is none within the read budget. It reads backwards from
// the end in mkvTailStep steps, so a cluster of many megabytes (a live recording at a high
// bitrate) is found as long as its start lies within the budget. The bytes are searched for
// the Cluster ID, and a candidate counts only when its first child is its Timestamp, as
// muxers write it, so a match inside media data is rejected.
func (r *reader) mkvLastTimestamp(segStart int64, videoNum uint64) (last int64, isVideo bool, err error) {
	t := newTail(r, segStart)
	for {
		fresh, more, err := t.step(mkvTailStep)
		if err != nil || !more {
			return 0, false, err
		}
		// Only a cluster starting in the fresh bytes is new: later ones were tried.
		if last, isVideo, ok := mkvTailTimestamp(t.b, fresh+4, r.size-int64(len(t.b)), videoNum); ok {
			return last, isVideo, nil
		}
	}
}

// mkvTailTimestamp finds the last Cluster starting before limit in b, read from offset start.
func mkvTailTimestamp(b []byte, limit int, start int64, videoNum uint64) (last int64, isVideo bool, ok bool) {
	id := []byte{0x1F, 0x43, 0xB6, 0x75}
	for end := min(limit, len(b)); end > 0; {
		i := bytes.LastIndex(b[:end], id)
		if i < 0 {
			return 0, false, false
		}
		end = i
		if c, ok := mkvClusterLast(b[i:], start+int64(i), videoNum); ok {
			if c.video >= 0 {
				return c.base + c.video, true, true
			}
			return c.base + c.any, false, true
		}
	}
	return 0, false, false
}

// clusterTimes are a Cluster's timestamp and the largest relative block timestamps in it,
// of the video track (-1 when it has none) and of any track.
type clusterTimes struct {
	base, video, any int64
}

// mkvClusterLast parses a Cluster at the start of b, which may be cut.
func mkvClusterLast(b []byte, off int64, videoNum uint64) (clusterTimes, bool) {
	ct := clusterTimes{video: -1}
	c, err := parseElement(b, off)
	if err != nil {
		return ct, false
	}
	body := b[c.hdr:]
	if c.size >= 0 && c.size < int64(len(body)) {
		body = body[:c.size]
	}
	var (
		haveTS  bool
		nblocks int
	)
	block := func(data []byte) {
		track, rel, ok := blockTimestamp(data)
		if !ok {
			return
		}
		ct.any = max(ct.any, rel)
		if track == videoNum && videoNum != 0 {
			ct.video = max(ct.video, rel)
		}
	}
	for pos := 0; pos < len(body) && nblocks < 100000; {
		e, err := parseElement(body[pos:], off)
		if err != nil {
			break
		}
		data := body[pos+int(e.hdr):]
		if e.size >= 0 && e.size < int64(len(data)) {
			data = data[:e.size]
		}
		switch {
		case !haveTS && (e.id == mkvCRC32 || e.id == mkvVoid) && e.size >= 0 && e.size <= 16:
			// Matroska muxers put a CRC-32 first in every cluster by default.
		case !haveTS && e.id != mkvClusterTimestamp:
			return ct, false
		case e.id == mkvClusterTimestamp:
			v := ebmlUint(data)
			if e.size > 8 || v > 1<<53 {
				return ct, false
			}
			ct.base, haveTS = int64(v), true
		case e.id == mkvSimpleBlock:
			block(data)
			nblocks++
		case e.id == mkvBlockGroup:
			// Block is the group's first child in practice; BlockDuration and references follow.
			if blk, err := parseElement(data, off); err == nil && blk.id == mkvBlock && int(blk.hdr) <= len(data) {
				block(data[blk.hdr:])
			}
			nblocks++
		case e.id == mkvCluster:
			return ct, true // an unknown-size cluster ends where the next begins
		}
		if e.size < 0 || e.size > int64(len(body)-pos)-e.hdr {
			break // cut by the end of the object or of the read
		}
		pos += int(e.hdr + e.size)
	}
	return ct, haveTS
}

// blockTimestamp reads the track number and the signed 16-bit timestamp, relative to its
// Cluster, that start a (Simple)Block.
func blockTimestamp(b []byte) (track uint64, rel int64, ok bool) {
	track, n, _, ok := readVint(b, 8, false)
	if !ok || len(b) < n+2 {
		return 0, 0, false
	}
	return track, int64(int16(binary.BigEndian.Uint16(b[n:]))), true
}

// masterData reads the payload of a master element whole, refusing sizes over max.
func (r *reader) masterData(e ebmlElement, max int64) ([]byte, error) {
	if e.size < 0 {
		return nil, fmt.Errorf("%w: element %#x of unknown size", ErrCorrupt, e.id)
	}
	if e.size > max {
		return nil, fmt.Errorf("%w: element %#x is %d bytes, more than %d", ErrLimitExceeded, e.id, e.size, max)
	}
	return r.at(e.dataOff(), e.size)
}

func parseTrackEntry(r *reader, entry ebmlElement, b []byte) (mkvTrack, error) {
	t := mkvTrack{language: "eng"} // the Matroska default Language
	err := ebmlChildren(b, entry.dataOff(), r, func(e ebmlElement, data []byte) error {
		switch e.id {
		case mkvTrackNumber:
			t.number = ebmlUint(data)
		case mkvFlagEnabled:
			t.disabled = ebmlUint(data) == 0
		case mkvTrackType:
			t.typ = ebmlUint(data)
		case mkvCodecID:
			t.codecID = ebmlString(data)
		case mkvLanguage:
			if l := ebmlString(data); l != "" {
				t.language = l
			}
		case mkvLanguageBCP47:
			t.bcp47 = ebmlString(data)
		case mkvDefaultDur:
			t.defaultDur = ebmlUint(data)
		case mkvCodecPrivate:
			t.private = data
		case mkvAudio:
			return ebmlChildren(data, e.dataOff(), r, func(a ebmlElement, ad []byte) error {
				if a.id == mkvChannels {
					t.channels = min(clampInt(ebmlUint(ad)), 255)
				}
				return nil
			})
		case mkvVideo:
			return ebmlChildren(data, e.dataOff(), r, func(v ebmlElement, vd []byte) error {
				switch v.id {
				case mkvPixelWidth:
					t.width = clampInt(ebmlUint(vd))
				case mkvPixelHeight:
					t.height = clampInt(ebmlUint(vd))
				case mkvDisplayWidth:
					t.displayW = ebmlUint(vd)
				case mkvDisplayHeight:
					t.displayH = ebmlUint(vd)
				case mkvDisplayUnit:
					t.displayUnit = ebmlUint(vd)
				case mkvFlagInterlaced:
					t.interlaced = ebmlUint(vd) == 1 // 1 interlaced, 2 progressive, 0 undetermined
				case mkvColour:
					return ebmlChildren(vd, v.dataOff(), r, func(c ebmlElement, cd []byte) error {
						switch v := clampInt(ebmlUint(cd)); c.id {
						case mkvColourMatrix:
							t.colour.matrx = v
						case mkvColourBits:
							t.colour.bitDepth = v
						case mkvColourTransfer:
							t.colour.transfer = v
						case mkvColourPrimary:
							t.colour.primaries = v
						}
						return nil
					})
				case mkvProjection:
					return ebmlChildren(vd, v.dataOff(), r, func(p ebmlElement, pd []byte) error {
						switch p.id {
						case mkvProjectionType:
							t.projType = ebmlUint(pd)
						case mkvPoseYaw:
							t.yaw = ebmlFloat(pd)
						case mkvPosePitch:
							t.pitch = ebmlFloat(pd)
						case mkvPoseRoll:
							t.roll, t.hasRotation = ebmlFloat(pd), true
						}
						return nil
					})
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return mkvTrack{}, fmt.Errorf("track entry at offset %d: %w", entry.off, err)
	}
	return t, nil
}

func clampInt(v uint64) int {
	if v > math.MaxInt32 {
		return 0
	}
	return int(v)
}

func (t mkvTrack) videoTrack() *VideoTrack {
	v := &VideoTrack{Codec: mkvVideoCodec(t.codecID), Width: t.width, Height: t.height, CodedWidth: t.width, CodedHeight: t.height}
	if t.defaultDur > 0 {
		v.FrameRate = round3(1e9 / float64(t.defaultDur))
	}
	// ProjectionPoseRoll turns a rectangular picture counter-clockwise; only a pure roll
	// (no yaw, no pitch) is a display rotation, and only a right angle is one the
	// transcoder can apply.
	if t.hasRotation && t.projType == 0 && t.yaw == 0 && t.pitch == 0 && !math.IsNaN(t.roll) && !math.IsInf(t.roll, 0) {
		deg := math.Mod(math.Mod(-t.roll, 360)+360, 360)
		if rot := math.Round(deg/90) * 90; math.Abs(deg-rot) < 0.01 {
			v.Rotation = int(rot) % 360
		} else {
			v.Transform = fmt.Sprintf("a projection roll of %.1f°", -deg)
		}
	}
	var pic picture
	var ok bool
	switch v.Codec {
	case "h264":
		if sps := avcCSPS(t.private); sps != nil {
			pic, ok = h264SPS(rbsp(sps[1:]))
		}
	case "hevc":
		if sps := hvcCSPS(t.private); sps != nil {
			pic, ok = hevcSPS(rbsp(sps[2:]))
		}
	case "mpeg2", "mpeg1":
		pic, ok = mpeg2Picture(t.private)
	}
	if ok {
		v.HeaderWidth, v.HeaderHeight = pic.w, pic.h
	}
	// The container's colour description, when present, is what players use.
	if t.colour.transfer != 0 {
		pic.primaries, pic.transfer, pic.matrx = t.colour.primaries, t.colour.transfer, t.colour.matrx
	}
	if t.colour.bitDepth > 0 && pic.bitDepth == 0 {
		pic.bitDepth = t.colour.bitDepth
	}
	// DisplayWidth and DisplayHeight in pixels (unit 0) or as a ratio (unit 3) give the
	// shape the picture is shown at; the pixel aspect is that over the stored shape.
	if (t.displayUnit == 0 || t.displayUnit == 3) && t.displayW > 0 && t.displayH > 0 && t.displayW < 1<<20 && t.displayH < 1<<20 && t.width > 0 && t.height > 0 {
		pic.par = reduce(int(t.displayW)*t.height, int(t.displayH)*t.width)
	}
	pic.interlaced = pic.interlaced || t.interlaced
	v.setPicture(pic)
	return v
}

// mkvVideoCodec names the codec of a Matroska video CodecID.
func mkvVideoCodec(id string) string {
	switch {
	case id == "V_MPEG4/ISO/AVC":
		return "h264"
	case id == "V_MPEGH/ISO/HEVC":
		return "hevc"
	case id == "V_AV1":
		return "av1"
	case id == "V_VP9":
		return "vp9"
	case id == "V_VP8":
		return "vp8"
	case id == "V_MPEG2":
		return "mpeg2"
	case id == "V_MPEG1":
		return "mpeg1"
	case strings.HasPrefix(id, "V_MPEG4/ISO/"):
		return "mpeg4"
	case id == "V_PRORES":
		return "prores"
	case id == "V_MJPEG":
		return "mjpeg"
	case id == "V_THEORA":
		return "theora"
	case id == "V_FFV1":
		return "ffv1"
	case id == "V_MPEGI/ISO/VVC":
		return "vvc"
	}
	return strings.ToLower(strings.TrimPrefix(id, "V_"))
}

// mkvAudioCodec names the codec of a Matroska audio CodecID.
func mkvAudioCodec(id string) string {
	switch {
	case strings.HasPrefix(id, "A_AAC"):
		return "aac"
	case id == "A_AC3":
		return "ac3"
	case id == "A_EAC3":
		return "eac3"
	case id == "A_OPUS":
		return "opus"
	case id == "A_VORBIS":
		return "vorbis"
	case id == "A_FLAC":
		return "flac"
	case id == "A_MPEG/L3":
		return "mp3"
	case id == "A_MPEG/L2":
		return "mp2"
	case strings.HasPrefix(id, "A_PCM"):
		return "pcm"
	case strings.HasPrefix(id, "A_DTS"):
		return "dts"
	case id == "A_TRUEHD":
		return "truehd"
	}
	return strings.ToLower(strings.TrimPrefix(id, "A_"))
}

// mkvCaptionCodec names the format of a Matroska subtitle CodecID.
func mkvCaptionCodec(id string) string {
	switch id {
	case "S_TEXT/UTF8", "S_TEXT/ASCII":
		return "subrip"
	case "S_TEXT/WEBVTT", "D_WEBVTT/SUBTITLES", "D_WEBVTT/CAPTIONS", "D_WEBVTT/DESCRIPTIONS":
		return "webvtt"
	case "S_TEXT/ASS", "S_ASS":
		return "ass"
	case "S_TEXT/SSA", "S_SSA":
		return "ssa"
	case "S_HDMV/PGS":
		return "pgs"
	case "S_VOBSUB":
		return "vobsub"
	case "S_DVBSUB":
		return "dvbsub"
	case "S_HDMV/TEXTST":
		return "textst"
	case "S_ARIBSUB":
		return "arib"
	}
	return strings.ToLower(strings.TrimPrefix(id, "S_"))
}
