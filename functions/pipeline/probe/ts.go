package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/asticode/go-astits"
)

// MPEG-TS reads: the head holds the PAT, the PMT and the first frames; the tail holds the
// last frames. Together they give the streams and the presentation time span without
// reading the middle.
const (
	tsPacket    = 188
	tsHeadBytes = 256 << 10
	tsTailChunk = 256 << 10
	tsMaxPES    = 64
	tsPTSWrap   = 1 << 33
	tsClock     = 90000
)

// tsPacketSize returns 188 for a transport stream, 192 for a Blu-ray M2TS (a 4-byte time
// code before each packet), and 0 for anything else. It wants several sync bytes in a row,
// since 0x47 alone starts many files.
func tsPacketSize(b []byte) int {
	for _, c := range []struct{ size, first int }{{188, 0}, {192, 4}} {
		n := 0
		for off := c.first; off < len(b) && n < 5; off += c.size {
			if b[off] != 0x47 {
				n = -1
				break
			}
			n++
		}
		// A stream shorter than three packets must hold only whole packets.
		if n >= 3 || (n == 2 && len(b)-c.first == 2*c.size) {
			return c.size
		}
	}
	return 0
}

// tsPackets cuts b into 188-byte packets, dropping M2TS time codes and a partial packet at
// either end. start is the offset in b of the first sync byte.
func tsPackets(b []byte, start, size int) [][]byte {
	var ps [][]byte
	for off := start; off+size <= len(b); off += size {
		p := b[off+size-tsPacket : off+size]
		if p[0] != 0x47 {
			continue
		}
		ps = append(ps, p)
	}
	return ps
}

// tsSync returns the offset of the first packet boundary in b, or -1.
func tsSync(b []byte, size int) int {
	syncAt := size - tsPacket // where 0x47 sits inside a packet
	for o := 0; o < size && o+2*size+syncAt < len(b); o++ {
		if b[o+syncAt] == 0x47 && b[o+size+syncAt] == 0x47 && b[o+2*size+syncAt] == 0x47 {
			return o
		}
	}
	return -1
}

// tsStream is one elementary stream from the PMT.
type tsStream struct {
	pid        uint16
	video      string // codec name for video streams
	audio      bool
	audioCodec string
	language   string
	capt       []CaptionTrack
}

func probeTS(r *reader, head []byte, info *Info) error {
	info.Container = MPEGTS
	info.MIME = "video/mp2t"
	size := tsPacketSize(head)
	// The PMT and the first frames' timestamps lie in the first few hundred packets.
	head, err := r.upTo(0, tsHeadBytes)
	if err != nil {
		return fmt.Errorf("mpegts: head: %w", err)
	}
	packets := tsPackets(head, 0, size)
	streams, err := tsProgram(r.ctx, packets)
	if err != nil {
		return fmt.Errorf("mpegts: %w", err)
	}
	// Time the first video stream, or the first audio stream when there is no video.
	var timing *tsStream
	for i := range streams {
		s := &streams[i]
		switch {
		case s.video != "":
			if info.Video == nil {
				info.Video = &VideoTrack{Codec: s.video}
				timing = s
			}
		case s.audio:
			info.AudioTracks++
			if timing == nil {
				timing = s
			}
		}
		info.Captions = append(info.Captions, s.capt...)
	}
	if timing == nil {
		return fmt.Errorf("%w: the mpegts program has neither audio nor video", ErrNoVideoTrack)
	}

	first := tsPTS(packets, timing.pid, tsMaxPES)
	if len(first) == 0 {
		return fmt.Errorf("mpegts: %w: no timestamps for pid %d in the first %d bytes", ErrCorrupt, timing.pid, len(head))
	}
	if info.Video != nil {
		es := tsFirstPayload(packets, timing.pid, 4096)
		var pic picture
		var ok bool
		switch timing.video {
		case "h264":
			pic, ok = h264Picture(es)
		case "hevc":
			pic, ok = hevcPicture(es)
		case "mpeg2", "mpeg1":
			pic, ok = mpeg2Picture(es)
		}
		if ok {
			v := info.Video
			v.Width, v.Height, v.CodedWidth, v.CodedHeight, v.HeaderWidth, v.HeaderHeight = pic.w, pic.h, pic.w, pic.h, pic.w, pic.h
		}
		info.Video.setPicture(pic)
	}
	for _, s := range streams {
		if s.audio {
			// A transport stream states no channel count: the first frame's header has it.
			ch := esChannels(s.audioCodec, tsFirstPayload(packets, s.pid, 16))
			info.Audio = append(info.Audio, AudioTrack{Codec: s.audioCodec, Channels: ch, Language: s.language})
		}
	}
	frame := tsFrameDuration(first)
	if info.Video != nil && frame > 0 {
		info.Video.FrameRate = round3(tsClock / float64(frame))
	}
	chunks := []tsChunk{{start: 0, end: int64(len(head)), pts: tsPTS(packets, timing.pid, -1)}}
	tail, err := r.tsTailPTS(size, timing.pid, int64(len(head)))
	if err != nil {
		return fmt.Errorf("mpegts: %w", err)
	}
	if len(tail.pts) > 0 {
		middle, err := r.tsMiddlePTS(size, timing.pid, chunks[0].end, tail.start)
		if err != nil {
			return fmt.Errorf("mpegts: %w", err)
		}
		chunks = append(append(chunks, middle...), tail)
	}
	// The last frame of each continuous run lasts one frame duration past its timestamp.
	if frame > tsClock {
		frame = 0
	}
	info.Duration, info.DurationFrom = ticksToDuration(tsDuration(chunks, frame)), "timestamps"
	if info.Video == nil {
		return fmt.Errorf("%w: mpegts has %d audio tracks and no video", ErrNoVideoTrack, info.AudioTracks)
	}
	return nil
}

// tsProgram finds the first program's elementary streams with go-astits. Only PAT and PMT
// packets reach the demuxer; media packets are skipped before it parses them. The demuxer
// completes a single-packet table as soon as it has it, so a PMT right after the only PAT is
// not skipped.
func tsProgram(ctx context.Context, packets [][]byte) (streams []tsStream, err error) {
	defer func() {
		// go-astits was not written for hostile input; a panic inside it means the tables
		// are malformed, which the caller must hear as ErrCorrupt, not as a crash.
		if p := recover(); p != nil {
			streams, err = nil, fmt.Errorf("%w: program tables: %v", ErrCorrupt, p)
		}
	}()
	pmtPIDs := map[uint16]bool{}
	// Hand the demuxer only table packets: PES payloads, almost all of the head, never reach
	// it, which keeps it from copying and buffering them.
	var buf bytes.Buffer
	for _, p := range tablePackets(packets) {
		buf.Write(p)
	}
	dmx := astits.NewDemuxer(ctx, &buf,
		astits.DemuxerOptPacketSize(tsPacket),
		astits.DemuxerOptPacketSkipper(func(p *astits.Packet) bool {
			return p.Header.PID != 0 && !pmtPIDs[p.Header.PID]
		}))
	for {
		d, err := dmx.NextData()
		if err != nil {
			if errors.Is(err, astits.ErrNoMorePackets) {
				return nil, fmt.Errorf("%w: no program map table in the first %d packets", ErrCorrupt, len(packets))
			}
			return nil, fmt.Errorf("%w: program tables: %v", ErrCorrupt, err)
		}
		if d.PAT != nil {
			for _, p := range d.PAT.Programs {
				if p.ProgramNumber != 0 { // program 0 points at the network table
					pmtPIDs[p.ProgramMapID] = true
				}
			}
		}
		if d.PMT != nil {
			return tsStreams(d.PMT), nil
		}
	}
}

// tablePackets returns the packets of PIDs that carry tables (PSI) rather than PES: PID 0,
// and PIDs whose payload-starting packets do not open with a PES start code.
func tablePackets(packets [][]byte) [][]byte {
	pes := map[uint16]bool{}
	for _, p := range packets {
		payload, start, pid := tsPayload(p)
		if start && len(payload) >= 3 && payload[0] == 0 && payload[1] == 0 && payload[2] == 1 {
			pes[pid] = true
		}
	}
	var out [][]byte
	for _, p := range packets {
		if _, _, pid := tsPayload(p); pid == 0 || (!pes[pid] && pid != 0x1fff) {
			out = append(out, p)
		}
	}
	return out
}

func tsStreams(pmt *astits.PMTData) []tsStream {
	var out []tsStream
	for i, es := range pmt.ElementaryStreams {
		s := tsStream{pid: es.ElementaryPID}
		switch es.StreamType {
		case astits.StreamTypeH264Video:
			s.video = "h264"
		case astits.StreamTypeH265Video:
			s.video = "hevc"
		case astits.StreamTypeMPEG2Video:
			s.video = "mpeg2"
		case astits.StreamTypeMPEG1Video:
			s.video = "mpeg1"
		case astits.StreamTypeMPEG4Video:
			s.video = "mpeg4"
		case astits.StreamTypeVC1Video:
			s.video = "vc1"
		case astits.StreamTypeDIRACVideo:
			s.video = "dirac"
		case astits.StreamTypeCAVSVideo:
			s.video = "cavs"
		case 0x33:
			s.video = "vvc"
		default:
			s.audio = es.StreamType.IsAudio()
			switch es.StreamType {
			case astits.StreamTypeAACAudio, astits.StreamTypeAACLATMAudio:
				s.audioCodec = "aac"
			case astits.StreamTypeMPEG1Audio, astits.StreamTypeMPEG2HalvedSampleRateAudio:
				s.audioCodec = "mp2"
			case astits.StreamTypeAC3Audio:
				s.audioCodec = "ac3"
			case astits.StreamTypeEAC3Audio:
				s.audioCodec = "eac3"
			}
		}
		s.language = "und"
		for _, d := range es.ElementaryStreamDescriptors {
			if d.ISO639LanguageAndAudioType != nil {
				s.language = tsLanguage(d.ISO639LanguageAndAudioType.Language)
			}
		}
		if es.StreamType == astits.StreamTypePrivateData {
			for _, d := range es.ElementaryStreamDescriptors {
				switch {
				case d.AC3 != nil:
					s.audio, s.audioCodec = true, "ac3"
				case d.EnhancedAC3 != nil:
					s.audio, s.audioCodec = true, "eac3"
				case d.Registration != nil:
					switch d.Registration.FormatIdentifier {
					case 0x4F707573, 0x41432D33, 0x45414333, 0x44545331, 0x44545332, 0x44545333: // Opus, AC-3, EAC3, DTS1-3
						s.audio = true
					case 0x41563031: // AV01
						s.video = "av1"
					}
				case d.Subtitling != nil:
					for _, it := range d.Subtitling.Items {
						s.capt = append(s.capt, CaptionTrack{Codec: "dvbsub", Language: tsLanguage(it.Language), Track: i})
					}
				case d.Teletext != nil:
					for _, it := range d.Teletext.Items {
						if it.Type == 0x02 || it.Type == 0x05 { // subtitle pages
							s.capt = append(s.capt, CaptionTrack{Codec: "teletext", Language: tsLanguage(it.Language), Track: i})
						}
					}
				}
			}
		}
		if s.video != "" {
			s.audio = false
		}
		out = append(out, s)
	}
	return out
}

func tsLanguage(b []byte) string {
	if l := printable(string(b)); l != "unknown" {
		return l
	}
	return "und"
}

// tsPayload returns the payload of a 188-byte packet and whether it starts a PES packet.
func tsPayload(p []byte) (payload []byte, start bool, pid uint16) {
	pid = uint16(p[1]&0x1f)<<8 | uint16(p[2])
	start = p[1]&0x40 != 0
	off := 4
	if p[3]&0x20 != 0 {
		off += 1 + int(p[4])
	}
	if p[3]&0x10 == 0 || off >= len(p) {
		return nil, start, pid
	}
	return p[off:], start, pid
}

// pesPTS returns the presentation time stamp of a PES packet header.
func pesPTS(b []byte) (uint64, bool) {
	if len(b) < 14 || b[0] != 0 || b[1] != 0 || b[2] != 1 || b[7]&0x80 == 0 {
		return 0, false
	}
	p := b[9:14]
	return uint64(p[0]>>1&0x07)<<30 | uint64(p[1])<<22 | uint64(p[2]>>1)<<15 | uint64(p[3])<<7 | uint64(p[4]>>1), true
}

// tsPTS returns the PTS of the PES packets of pid, at most max of them unless max is -1.
func tsPTS(packets [][]byte, pid uint16, max int) []uint64 {
	var out []uint64
	for _, p := range packets {
		payload, start, id := tsPayload(p)
		if id != pid || !start {
			continue
		}
		if pts, ok := pesPTS(payload); ok {
			out = append(out, pts)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

// tsFirstPayload returns up to max bytes of the first PES packet of pid, header removed: the
// start of the first access unit, where the sequence parameters are.
func tsFirstPayload(packets [][]byte, pid uint16, max int) []byte {
	var out []byte
	started := false
	for _, p := range packets {
		payload, start, id := tsPayload(p)
		if id != pid {
			continue
		}
		if start {
			if started {
				break
			}
			if len(payload) < 9 || int(payload[8])+9 > len(payload) {
				continue
			}
			started = true
			payload = payload[9+int(payload[8]):]
		}
		if started {
			out = append(out, payload...)
			if len(out) >= max {
				return out[:max]
			}
		}
	}
	return out
}

// tsFrameDuration is the most common gap between consecutive presentation times, in 90 kHz
// ticks: frames arrive in decode order, so the PTS are sorted first.
func tsFrameDuration(pts []uint64) uint64 {
	s := slices.Clone(pts)
	slices.Sort(s)
	counts := map[uint64]int{}
	var best uint64
	for i := 1; i < len(s); i++ {
		d := s[i] - s[i-1]
		if d == 0 || d > tsClock {
			continue
		}
		counts[d]++
		if counts[d] > counts[best] || (counts[d] == counts[best] && d < best) {
			best = d
		}
	}
	return best
}

// tsChunk is a byte range of the stream that was read, and the PTS of the timed stream's PES
// packets in it, in file order.
type tsChunk struct {
	start, end int64
	pts        []uint64
}

// tsMiddleSamples is how many evenly spaced chunks of tsMiddleChunk bytes the probe reads
// between the head and the tail, to see timestamps restart (two recordings joined, a DVR
// capture across a channel change) instead of taking the head-to-tail span as the length.
const (
	tsMiddleSamples = 6
	tsMiddleChunk   = 64 << 10
)

// tsMiddlePTS reads the middle samples between from and to.
func (r *reader) tsMiddlePTS(size int, pid uint16, from, to int64) ([]tsChunk, error) {
	gap := to - from
	if gap < int64(tsMiddleSamples)*tsMiddleChunk*2 {
		if gap <= 0 || gap > r.budget-r.read {
			return nil, nil
		}
		// Small enough to read whole: every timestamp, every restart.
		b, err := r.at(from, gap)
		if err != nil {
			return nil, fmt.Errorf("middle at offset %d: %w", from, err)
		}
		if o := tsSync(b, size); o >= 0 {
			return []tsChunk{{start: from, end: to, pts: tsPTS(tsPackets(b, o, size), pid, -1)}}, nil
		}
		return nil, nil
	}
	var out []tsChunk
	for i := 1; i <= tsMiddleSamples; i++ {
		off := from + gap*int64(i)/(tsMiddleSamples+1)
		if r.budget-r.read < tsMiddleChunk {
			break
		}
		b, err := r.at(off, tsMiddleChunk)
		if err != nil {
			return nil, fmt.Errorf("middle at offset %d: %w", off, err)
		}
		if o := tsSync(b, size); o >= 0 {
			if pts := tsPTS(tsPackets(b, o, size), pid, -1); len(pts) > 0 {
				out = append(out, tsChunk{start: off, end: off + tsMiddleChunk, pts: pts})
			}
		}
	}
	return out, nil
}

// tsRunBreak is how far consecutive timestamps of one stream may move, backwards (B-frames
// arrive before the frames they sit between) or forwards, before they count as a restart.
const (
	tsRunBack    = tsClock
	tsRunForward = 10 * tsClock
)

// tsDuration adds up the presentation time the chunks show. Within a chunk timestamps form
// runs; a jump backwards or far forwards starts a new run, and each run counts its own span
// plus one frame. Between two chunks the stream was not read: the step between them counts
// unless it goes backwards or exceeds twice (plus 2 s) what the byte distance takes at the
// rate the chunks themselves show; then that estimate stands in for it, so a restart the
// probe did not see can neither add 26 hours (a backwards jump taken modulo 2^33) nor take
// the time away.
func tsDuration(chunks []tsChunk, frame uint64) uint64 {
	var (
		total     uint64
		spanTicks uint64
		spanBytes int64
	)
	type edge struct {
		first, last uint64
		ok          bool
	}
	edges := make([]edge, len(chunks))
	for i, c := range chunks {
		var runs uint64
		var chunkSpan uint64
		var lo, hi int64 // relative to the run's first PTS
		var base uint64
		for j, p := range c.pts {
			if j == 0 {
				base, lo, hi, runs = p, 0, 0, 1
				continue
			}
			d := tsSigned(p, c.pts[j-1])
			if d < -tsRunBack || d > tsRunForward {
				chunkSpan += uint64(hi - lo)
				base, lo, hi = p, 0, 0
				runs++
				continue
			}
			rel := tsSigned(p, base)
			lo, hi = min(lo, rel), max(hi, rel)
		}
		if len(c.pts) == 0 {
			continue
		}
		chunkSpan += uint64(hi - lo)
		edges[i] = edge{first: c.pts[0], last: c.pts[len(c.pts)-1], ok: true}
		total += chunkSpan + runs*frame
		spanTicks += chunkSpan
		spanBytes += c.end - c.start
	}
	prev := -1
	for i := range chunks {
		if !edges[i].ok {
			continue
		}
		if prev >= 0 {
			bytes := chunks[i].start - chunks[prev].end
			step := tsSigned(edges[i].first, edges[prev].last)
			var expected int64
			if spanTicks > 0 && spanBytes > 0 {
				// At most 2^40 ticks (139 days) a gap: hostile spans cannot overflow the sum.
				expected = int64(min(float64(bytes)*float64(spanTicks)/float64(spanBytes), 1<<40))
			}
			switch {
			case expected == 0 && step >= 0 && step <= tsRunForward:
				total += uint64(step)
			case expected > 0 && step >= 0 && step <= 2*expected+2*tsClock:
				// Shorter than the bytes suggest is plausible (null packets pad a constant
				// bitrate stream); longer by far, or backwards, is a restart.
				total += uint64(step)
			case expected > 0:
				total += uint64(expected)
			}
		}
		prev = i
	}
	return total
}

// ticksToDuration converts 90 kHz ticks to a Duration, saturating rather than wrapping: a
// sum no real stream reaches must read as too long, never as short.
func ticksToDuration(ticks uint64) time.Duration {
	secs := ticks / tsClock
	if secs >= uint64(math.MaxInt64/int64(time.Second)) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(secs)*time.Second + time.Duration(ticks%tsClock*uint64(time.Second)/tsClock)
}

// tsSigned returns a - b for 33-bit timestamps, in (-2^32, 2^32].
func tsSigned(a, b uint64) int64 {
	d := int64((a - b + tsPTSWrap) % tsPTSWrap)
	if d > tsPTSWrap/2 {
		d -= tsPTSWrap
	}
	return d
}

// tsTailPTS reads backwards from the end in chunks until it finds PES packets of pid, and
// returns them with the range that held them. It stops at headEnd, which the head read
// already covered.
func (r *reader) tsTailPTS(size int, pid uint16, headEnd int64) (tsChunk, error) {
	for end := r.size; end > headEnd; {
		start := end - tsTailChunk
		if start < headEnd {
			start = headEnd
		}
		if left := r.budget - r.read; end-start > left {
			start = end - left
		}
		if end-start < int64(3*size) {
			return tsChunk{}, nil
		}
		b, err := r.at(start, end-start)
		if err != nil {
			return tsChunk{}, fmt.Errorf("tail at offset %d: %w", start, err)
		}
		o := tsSync(b, size)
		if o < 0 {
			return tsChunk{}, fmt.Errorf("%w: no packet sync in %d bytes at offset %d", ErrCorrupt, len(b), start)
		}
		if pts := tsPTS(tsPackets(b, o, size), pid, -1); len(pts) > 0 {
			return tsChunk{start: start, end: end, pts: pts}, nil
		}
		end = start + int64(o) + int64(size) // keep the packet the chunk cut
		if r.read >= r.budget {
			return tsChunk{}, nil
		}
	}
	return tsChunk{}, nil
}
