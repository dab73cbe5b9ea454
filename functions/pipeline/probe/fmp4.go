package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Fragmented MP4 has no duration in moov (browser MediaRecorder, live packagers and ffmpeg's
// frag_keyframe write none, or an mehd anyone can edit), so the probe works it out from the
// fragments themselves, cheapest source first:
//
//  1. segment indexes (sidx) between moov and the first fragment, as DASH and CMAF packagers
//     write them: their subsegment durations add up to the track's length;
//  2. the movie fragment random access box (mfra) at the end, which ffmpeg writes by default:
//     its last tfra entry points at the track's last random-access fragment, which is read,
//     and any fragments after it are walked to the end;
//  3. a search of the tail for the last moof, reading backwards in mp4TailStep steps until the
//     read budget is spent.
const (
	mp4TailStep   = 512 << 10
	mp4MaxMfra    = 1 << 20
	mp4MaxMoof    = 1 << 20
	mp4MaxSidx    = 4
	mp4MaxHops    = 64
	mp4MfroLength = 16
)

// fragmentRun is what the last movie fragment of a track says: where its media ends on the
// track's timeline, and how many samples over how long its runs hold.
type fragmentRun struct {
	end      uint64
	samples  uint64
	duration uint64
	// common is the sample duration most samples of the runs have, and commonCount how many.
	common, commonCount uint64
}

// frameRate is the fragment's rate: exact from the common sample duration when nine in ten
// samples have it (a short last frame would pull the average down), else the average.
func (run fragmentRun) frameRate(timescale uint32) float64 {
	if run.common > 0 && run.commonCount*10 >= run.samples*9 {
		return round3(float64(timescale) / float64(run.common))
	}
	return round3(float64(run.samples) * float64(timescale) / float64(run.duration))
}

// sidxSpan is the media time a segment index covers: earliest presentation time plus its
// subsegments' durations, in its own timescale.
type sidxSpan struct {
	id        uint32
	timescale uint32
	end       uint64
}

// parseSidx reads a sidx payload (ISO/IEC 14496-12 8.16.3).
func parseSidx(p []byte) (sidxSpan, bool) {
	if len(p) < 12 {
		return sidxSpan{}, false
	}
	s := sidxSpan{id: binary.BigEndian.Uint32(p[4:]), timescale: binary.BigEndian.Uint32(p[8:])}
	var at int
	switch p[0] {
	case 0:
		if len(p) < 24 {
			return sidxSpan{}, false
		}
		s.end, at = uint64(binary.BigEndian.Uint32(p[12:])), 20
	case 1:
		if len(p) < 32 {
			return sidxSpan{}, false
		}
		s.end, at = binary.BigEndian.Uint64(p[12:]), 28
	default:
		return sidxSpan{}, false
	}
	count := int(binary.BigEndian.Uint16(p[at+2:]))
	at += 4
	if count == 0 || (len(p)-at)/12 < count || s.timescale == 0 {
		return sidxSpan{}, false
	}
	for i := 0; i < count; i++ {
		var carry uint64
		s.end, carry = bits.Add64(s.end, uint64(binary.BigEndian.Uint32(p[at+12*i+4:])), 0)
		if carry != 0 {
			return sidxSpan{}, false
		}
	}
	return s, true
}

// mp4LastFragment returns where the fragments of track id end, on the track's timeline, and
// the last fragment's sample count and duration for the frame rate. ok is false when none of
// the three sources found a fragment of the track within the read budget.
func (r *reader) mp4LastFragment(id, trexDuration uint32, firstMoof int64) (run fragmentRun, ok bool, err error) {
	if run, ok, err := r.mfraLastFragment(id, trexDuration); err != nil || ok {
		return run, ok, err
	}
	return r.tailLastFragment(id, trexDuration, firstMoof)
}

// mfraLastFragment follows the mfra index to the track's last random-access fragment and
// walks the fragments after it. ok is false when the file has no usable mfra.
func (r *reader) mfraLastFragment(id, trexDuration uint32) (run fragmentRun, ok bool, err error) {
	if r.size < 64 {
		return run, false, nil
	}
	// One read for the tail: mfro, and usually the whole mfra before it, are in its last bytes.
	tailStart := max(r.size-readAhead, 0)
	if _, err := r.at(tailStart, min(r.size-tailStart, r.budget-r.read)); err != nil {
		return run, false, fmt.Errorf("tail at offset %d: %w", tailStart, err)
	}
	mfro, err := r.at(r.size-mp4MfroLength, mp4MfroLength)
	if err != nil {
		return run, false, fmt.Errorf("mfro at offset %d: %w", r.size-mp4MfroLength, err)
	}
	if binary.BigEndian.Uint32(mfro) != mp4MfroLength || string(mfro[4:8]) != "mfro" {
		return run, false, nil
	}
	mfraSize := int64(binary.BigEndian.Uint32(mfro[12:]))
	if mfraSize < 16+mp4MfroLength || mfraSize > r.size || mfraSize > mp4MaxMfra {
		return run, false, nil
	}
	off := r.size - mfraSize
	mfra, err := r.at(off, mfraSize)
	if err != nil {
		return run, false, fmt.Errorf("mfra at offset %d: %w", off, err)
	}
	if binary.BigEndian.Uint32(mfra) != uint32(mfraSize) || string(mfra[4:8]) != "mfra" {
		return run, false, nil
	}
	var (
		moofOff  int64 = -1
		moofTime uint64
	)
	for p := mfra[8:]; len(p) >= 8; {
		size := binary.BigEndian.Uint32(p)
		if size < 8 || uint64(size) > uint64(len(p)) {
			break
		}
		if string(p[4:8]) == "tfra" {
			if o, t, found := tfraLast(p[8:size], id); found {
				moofOff, moofTime = o, t
			}
		}
		p = p[size:]
	}
	if moofOff < 0 || moofOff >= off {
		return run, false, nil
	}
	// Walk from the indexed fragment to the end: a fragment that starts without a sync
	// sample has no tfra entry, so the last fragment may follow the last entry.
	base, haveBase := moofTime, true
	found := false
	for hops, at := 0, moofOff; at < off && hops < mp4MaxHops; hops++ {
		b, err := r.boxAt(at, r.size, true)
		if err != nil {
			if isContentErr(err) {
				break // a stale or broken index: what was found stands, else the tail search
			}
			return run, false, fmt.Errorf("fragment at offset %d: %w", at, err)
		}
		if hops == 0 && b.typ != "moof" {
			return run, false, nil // the index points elsewhere: not to be trusted
		}
		if b.typ == "moof" && b.size <= mp4MaxMoof {
			p, err := r.payload(b, mp4MaxMoof)
			if err != nil {
				if isContentErr(err) {
					break
				}
				return run, false, fmt.Errorf("moof at offset %d: %w", b.off, err)
			}
			if fr, ok := moofRun(p, id, trexDuration, base, haveBase); ok {
				run, found = fr, true
				base, haveBase = fr.end, true
			}
		}
		at = b.end()
	}
	return run, found, nil
}

// isContentErr reports whether err is the probe's verdict on the bytes (or its budget) rather
// than a failure to read them.
func isContentErr(err error) bool {
	return errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTruncated) || errors.Is(err, ErrLimitExceeded)
}

// tfraLast returns the moof offset and time of the last entry of a tfra payload for track id.
func tfraLast(p []byte, id uint32) (moofOff int64, time uint64, ok bool) {
	if len(p) < 12 || binary.BigEndian.Uint32(p[4:]) != id {
		return 0, 0, false
	}
	lengths := binary.BigEndian.Uint32(p[8:])
	n := int64(binary.BigEndian.Uint32(p[12:]))
	per := int64(8)
	if p[0] == 1 {
		per = 16
	}
	per += int64(lengths>>4&3+1) + int64(lengths>>2&3+1) + int64(lengths&3+1)
	if n == 0 || int64(len(p)-16)/per < n {
		return 0, 0, false
	}
	e := p[16+(n-1)*per:]
	if p[0] == 1 {
		time, moofOff = binary.BigEndian.Uint64(e), int64(binary.BigEndian.Uint64(e[8:]))
	} else {
		time, moofOff = uint64(binary.BigEndian.Uint32(e)), int64(binary.BigEndian.Uint32(e[4:]))
	}
	return moofOff, time, moofOff >= 0
}

// tailLastFragment searches the object backwards from its end, in steps, for the last moof
// holding a fragment of track id with a decode time (tfdt). It stops at firstMoof, the first
// fragment the top-level walk saw, and when the read budget is spent.
func (r *reader) tailLastFragment(id, trexDuration uint32, firstMoof int64) (run fragmentRun, ok bool, err error) {
	t := newTail(r, firstMoof)
	for {
		fresh, more, err := t.step(mp4TailStep)
		if err != nil || !more {
			return run, false, err
		}
		// Only a moof starting in the fresh bytes is new: later ones were whole, and tried.
		if run, ok := lastMoofRun(t.b, fresh+8, id, trexDuration); ok {
			return run, true, nil
		}
	}
}

// tail reads an object backwards from its end, in steps, into one buffer sized to what the
// read budget allows, down to a floor offset.
type tail struct {
	r     *reader
	floor int64
	buf   []byte
	b     []byte // the bytes read so far: the object's last len(b) bytes
}

func newTail(r *reader, floor int64) *tail {
	n := min(r.size-max(floor, 0), r.budget-r.read)
	return &tail{r: r, floor: max(floor, 0), buf: make([]byte, max(n, 0))}
}

// step reads up to n more bytes before those read so far. fresh is how many bytes at the
// start of t.b are new; more is false when nothing more can be read (the floor or the
// budget reached).
func (t *tail) step(n int64) (fresh int, more bool, err error) {
	end := t.r.size - int64(len(t.b))
	start := max(end-n, t.floor, t.r.size-int64(len(t.buf)))
	if end-start < 16 {
		return 0, false, nil
	}
	chunk, err := t.r.at(start, end-start)
	if err != nil {
		return 0, false, fmt.Errorf("tail at offset %d: %w", start, err)
	}
	pos := len(t.buf) - len(t.b) - len(chunk)
	copy(t.buf[pos:], chunk)
	t.b = t.buf[pos:]
	return len(chunk), true, nil
}

// lastMoofRun finds the last whole moof starting before limit in b holding a run of track id
// with a tfdt.
func lastMoofRun(b []byte, limit int, id, trexDuration uint32) (fragmentRun, bool) {
	for end := min(limit, len(b)); end > 4; {
		i := bytes.LastIndex(b[:end], []byte("moof"))
		if i < 4 {
			return fragmentRun{}, false
		}
		end = i
		size := int(binary.BigEndian.Uint32(b[i-4:]))
		if size < 16 || size > len(b)-(i-4) || string(b[i+8:i+12]) != "mfhd" {
			continue // not a box header, or a moof cut by the start of the read
		}
		if run, ok := moofRun(b[i+4:i-4+size], id, trexDuration, 0, false); ok {
			return run, true
		}
	}
	return fragmentRun{}, false
}

// moofRun reads the traf of track id in a moof payload. base is the fragment's start when
// the traf has no tfdt (haveBase false: such a traf does not count).
func moofRun(moof []byte, id, trexDuration uint32, base uint64, haveBase bool) (fragmentRun, bool) {
	for p := moof; len(p) >= 8; {
		size := binary.BigEndian.Uint32(p)
		if size < 8 || uint64(size) > uint64(len(p)) {
			return fragmentRun{}, false
		}
		if string(p[4:8]) == "traf" {
			if run, ok := trafRun(p[8:size], id, trexDuration, base, haveBase); ok {
				return run, true
			}
		}
		p = p[size:]
	}
	return fragmentRun{}, false
}

func trafRun(traf []byte, id, trexDuration uint32, base uint64, haveBase bool) (fragmentRun, bool) {
	var (
		run        fragmentRun
		defaultDur = uint64(trexDuration)
	)
	tfhd := findBox(traf, "tfhd")
	if len(tfhd) < 8 || binary.BigEndian.Uint32(tfhd[4:]) != id {
		return run, false
	}
	flags := binary.BigEndian.Uint32(tfhd) & 0xffffff
	at := 8
	if flags&0x01 != 0 { // base-data-offset
		at += 8
	}
	if flags&0x02 != 0 { // sample-description-index
		at += 4
	}
	if flags&0x08 != 0 && len(tfhd) >= at+4 {
		defaultDur = uint64(binary.BigEndian.Uint32(tfhd[at:]))
	}
	for p := traf; len(p) >= 8; {
		size := binary.BigEndian.Uint32(p)
		if size < 8 || uint64(size) > uint64(len(p)) {
			return run, false
		}
		body := p[8:size]
		switch string(p[4:8]) {
		case "tfdt":
			switch {
			case len(body) >= 8 && body[0] == 0:
				base, haveBase = uint64(binary.BigEndian.Uint32(body[4:])), true
			case len(body) >= 12 && body[0] == 1:
				base, haveBase = binary.BigEndian.Uint64(body[4:]), true
			}
		case "trun":
			n, d, common, commonCount, ok := trunDuration(body, defaultDur)
			if !ok {
				return run, false
			}
			if commonCount > run.commonCount {
				run.common, run.commonCount = common, commonCount
			}
			var c1, c2 uint64
			run.samples, c1 = bits.Add64(run.samples, n, 0)
			run.duration, c2 = bits.Add64(run.duration, d, 0)
			if c1|c2 != 0 {
				return run, false
			}
		}
		p = p[size:]
	}
	if !haveBase || run.samples == 0 {
		return run, false
	}
	end, carry := bits.Add64(base, run.duration, 0)
	if carry != 0 {
		return run, false
	}
	run.end = end
	return run, true
}

// trunDuration sums the sample durations of a track run: from each sample's entry when the
// run has them, else the default duration times the sample count. common is the duration
// most samples have (a majority vote), commonCount how many have it.
func trunDuration(trun []byte, defaultDur uint64) (samples, duration, common, commonCount uint64, ok bool) {
	if len(trun) < 8 {
		return 0, 0, 0, 0, false
	}
	flags := binary.BigEndian.Uint32(trun) & 0xffffff
	count := uint64(binary.BigEndian.Uint32(trun[4:]))
	at := 8
	if flags&0x01 != 0 { // data-offset
		at += 4
	}
	if flags&0x04 != 0 { // first-sample-flags
		at += 4
	}
	per := 4 * bits.OnesCount32(flags&0xf00)
	if flags&0x100 == 0 {
		if at > len(trun) || (per > 0 && uint64(len(trun)-at)/uint64(per) < count) {
			return 0, 0, 0, 0, false
		}
		hi, d := bits.Mul64(count, defaultDur)
		return count, d, defaultDur, count, hi == 0
	}
	if at > len(trun) || uint64(len(trun)-at)/uint64(per) < count {
		return 0, 0, 0, 0, false
	}
	var votes uint64
	for i := uint64(0); i < count; i++ {
		d := uint64(binary.BigEndian.Uint32(trun[at+int(i)*per:]))
		duration += d
		switch {
		case votes == 0:
			common, votes = d, 1
		case d == common:
			votes++
		default:
			votes--
		}
	}
	for i := uint64(0); i < count; i++ {
		if uint64(binary.BigEndian.Uint32(trun[at+int(i)*per:])) == common {
			commonCount++
		}
	}
	return count, duration, common, commonCount, true
}
