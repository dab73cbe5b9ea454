package probe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// mp4TailBytes is how much of the end of a fragmented MP4 the probe reads to find the last
// movie fragment.
const mp4TailBytes = 256 << 10

// fragmentRun is what the last movie fragment of a track says: where its media ends on the
// track's timeline, and how many samples over how long its runs hold.
type fragmentRun struct {
	end      uint64
	samples  uint64
	duration uint64
}

// mp4LastFragment finds, in the object's tail, the last moof holding a fragment of track id
// with a decode time (tfdt), and returns where that fragment ends. Fragmented files carry no
// duration in moov (browser MediaRecorder and live packagers write them), so this is the only
// cheap source of one. ok is false when the tail holds no such fragment.
func (r *reader) mp4LastFragment(id, trexDuration uint32) (run fragmentRun, ok bool, err error) {
	start := r.size - mp4TailBytes
	if start < 0 {
		start = 0
	}
	if left := r.budget - r.read; r.size-start > left {
		start = r.size - left
	}
	if r.size-start < 16 {
		return run, false, nil
	}
	b, err := r.at(start, r.size-start)
	if err != nil {
		return run, false, fmt.Errorf("tail at offset %d: %w", start, err)
	}
	for end := len(b); end > 4; {
		i := bytes.LastIndex(b[:end], []byte("moof"))
		if i < 4 {
			return run, false, nil
		}
		end = i
		size := int(binary.BigEndian.Uint32(b[i-4:]))
		if size < 16 || size > len(b)-(i-4) || string(b[i+8:i+12]) != "mfhd" {
			continue // not a box header, or a moof cut by the start of the read
		}
		if run, ok := moofRun(b[i+4:i-4+size], id, trexDuration); ok {
			return run, true, nil
		}
	}
	return run, false, nil
}

// moofRun reads the traf of track id in a moof payload.
func moofRun(moof []byte, id, trexDuration uint32) (fragmentRun, bool) {
	for p := moof; len(p) >= 8; {
		size := binary.BigEndian.Uint32(p)
		if size < 8 || uint64(size) > uint64(len(p)) {
			return fragmentRun{}, false
		}
		if string(p[4:8]) == "traf" {
			if run, ok := trafRun(p[8:size], id, trexDuration); ok {
				return run, true
			}
		}
		p = p[size:]
	}
	return fragmentRun{}, false
}

func trafRun(traf []byte, id, trexDuration uint32) (fragmentRun, bool) {
	var (
		run        fragmentRun
		defaultDur = uint64(trexDuration)
		haveTfdt   bool
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
	var base uint64
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
				base, haveTfdt = uint64(binary.BigEndian.Uint32(body[4:])), true
			case len(body) >= 12 && body[0] == 1:
				base, haveTfdt = binary.BigEndian.Uint64(body[4:]), true
			}
		case "trun":
			n, d, ok := trunDuration(body, defaultDur)
			if !ok {
				return run, false
			}
			run.samples += n
			run.duration += d
		}
		p = p[size:]
	}
	if !haveTfdt || run.samples == 0 {
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
// run has them, else the default duration times the sample count.
func trunDuration(trun []byte, defaultDur uint64) (samples, duration uint64, ok bool) {
	if len(trun) < 8 {
		return 0, 0, false
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
		if per > 0 && uint64(len(trun)-at)/uint64(per) < count {
			return 0, 0, false
		}
		hi, d := bits.Mul64(count, defaultDur)
		return count, d, hi == 0
	}
	if at > len(trun) || uint64(len(trun)-at)/uint64(per) < count {
		return 0, 0, false
	}
	for i := uint64(0); i < count; i++ {
		duration += uint64(binary.BigEndian.Uint32(trun[at+int(i)*per:]))
	}
	return count, duration, true
}
