package probe

// Sequence parameter set parsing for H.264 and H.265 elementary streams: a transport stream
// states no picture size, so the probe reads it from the first SPS in the head.

import "errors"

// errBits is returned by bitReader when a parameter set ends early.
var errBits = errors.New("bitstream ends early")

// bitReader reads big-endian bits and Exp-Golomb codes from an RBSP.
type bitReader struct {
	b   []byte
	pos int // in bits
	err error
}

func (br *bitReader) u(n int) uint32 {
	var v uint32
	for i := 0; i < n; i++ {
		if br.pos >= 8*len(br.b) {
			br.err = errBits
			return 0
		}
		v = v<<1 | uint32(br.b[br.pos/8]>>(7-br.pos%8)&1)
		br.pos++
	}
	return v
}

// ue reads an unsigned Exp-Golomb code; longer than 31 bits is an error, which keeps hostile
// input from spinning.
func (br *bitReader) ue() uint32 {
	zeros := 0
	for br.u(1) == 0 {
		if br.err != nil || zeros == 31 {
			br.err = errBits
			return 0
		}
		zeros++
	}
	return 1<<zeros - 1 + br.u(zeros)
}

func (br *bitReader) se() int32 {
	v := br.ue()
	if v&1 == 1 {
		return int32(v/2 + 1)
	}
	return -int32(v / 2)
}

// nalUnits returns the NAL units of an Annex B byte stream (start-code delimited).
func nalUnits(b []byte) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				end := i
				if end > start && b[end-1] == 0 {
					end-- // the zero_byte of a four-byte start code
				}
				out = append(out, b[start:end])
			}
			start = i + 3
			i += 2
		}
	}
	if start >= 0 && start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

// rbsp removes emulation prevention bytes (00 00 03 → 00 00).
func rbsp(nal []byte) []byte {
	out := make([]byte, 0, len(nal))
	zeros := 0
	for _, c := range nal {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// h264Size returns the cropped picture size from the first sequence parameter set in an
// H.264 Annex B stream.
func h264Size(es []byte) (width, height int, ok bool) {
	for _, nal := range nalUnits(es) {
		if len(nal) < 4 || nal[0]&0x1f != 7 {
			continue
		}
		return h264SPSSize(rbsp(nal[1:]))
	}
	return 0, 0, false
}

// h264SPSSize parses seq_parameter_set_rbsp (ITU-T H.264 7.3.2.1.1) up to the frame cropping.
func h264SPSSize(sps []byte) (width, height int, ok bool) {
	br := &bitReader{b: sps}
	profile := br.u(8)
	br.u(16) // constraint flags, level
	br.ue()  // seq_parameter_set_id
	chroma := uint32(1)
	separatePlanes := false
	switch profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		chroma = br.ue()
		if chroma == 3 {
			separatePlanes = br.u(1) == 1
		}
		br.ue()           // bit_depth_luma_minus8
		br.ue()           // bit_depth_chroma_minus8
		br.u(1)           // qpprime_y_zero_transform_bypass_flag
		if br.u(1) == 1 { // seq_scaling_matrix_present_flag
			lists := 8
			if chroma == 3 {
				lists = 12
			}
			for i := 0; i < lists && br.err == nil; i++ {
				if br.u(1) == 0 {
					continue
				}
				size := 16
				if i >= 6 {
					size = 64
				}
				last, next := int32(8), int32(8)
				for j := 0; j < size && br.err == nil; j++ {
					if next != 0 {
						next = (last + br.se() + 256) % 256
					}
					if next != 0 {
						last = next
					}
				}
			}
		}
	}
	br.ue()          // log2_max_frame_num_minus4
	switch br.ue() { // pic_order_cnt_type
	case 0:
		br.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		br.u(1) // delta_pic_order_always_zero_flag
		br.se() // offset_for_non_ref_pic
		br.se() // offset_for_top_to_bottom_field
		n := br.ue()
		if n > 255 {
			return 0, 0, false
		}
		for i := uint32(0); i < n && br.err == nil; i++ {
			br.se()
		}
	}
	br.ue() // max_num_ref_frames
	br.u(1) // gaps_in_frame_num_value_allowed_flag
	wMbs := br.ue() + 1
	hMapUnits := br.ue() + 1
	frameMbsOnly := br.u(1)
	if frameMbsOnly == 0 {
		br.u(1) // mb_adaptive_frame_field_flag
	}
	br.u(1) // direct_8x8_inference_flag
	var cl, cr, ct, cb uint32
	if br.u(1) == 1 {
		cl, cr, ct, cb = br.ue(), br.ue(), br.ue(), br.ue()
	}
	if br.err != nil || wMbs > 1<<12 || hMapUnits > 1<<12 || cl > 1<<16 || cr > 1<<16 || ct > 1<<16 || cb > 1<<16 {
		return 0, 0, false
	}
	cropX, cropY := uint32(1), 2-frameMbsOnly
	if !separatePlanes && chroma != 0 {
		if chroma == 1 || chroma == 2 {
			cropX = 2
		}
		if chroma == 1 {
			cropY *= 2
		}
	}
	w := int(wMbs*16) - int(cropX)*int(cl+cr)
	h := int((2-frameMbsOnly)*hMapUnits*16) - int(cropY)*int(ct+cb)
	if w <= 0 || h <= 0 {
		return 0, 0, false
	}
	return w, h, true
}

// mpeg2Size reads the picture size from an MPEG-1/2 video sequence header.
func mpeg2Size(es []byte) (width, height int, ok bool) {
	for i := 0; i+7 <= len(es); i++ {
		if es[i] == 0 && es[i+1] == 0 && es[i+2] == 1 && es[i+3] == 0xB3 {
			w := int(es[i+4])<<4 | int(es[i+5])>>4
			h := int(es[i+5]&0x0f)<<8 | int(es[i+6])
			return w, h, w > 0 && h > 0
		}
	}
	return 0, 0, false
}

// hevcSize returns the cropped picture size from the first sequence parameter set in an
// H.265 Annex B stream.
func hevcSize(es []byte) (width, height int, ok bool) {
	for _, nal := range nalUnits(es) {
		if len(nal) < 4 || (nal[0]>>1)&0x3f != 33 { // SPS_NUT
			continue
		}
		return hevcSPSSize(rbsp(nal[2:]))
	}
	return 0, 0, false
}

// hevcSPSSize parses seq_parameter_set_rbsp (ITU-T H.265 7.3.2.2) up to the conformance
// window.
func hevcSPSSize(sps []byte) (width, height int, ok bool) {
	br := &bitReader{b: sps}
	br.u(4) // sps_video_parameter_set_id
	subLayers := int(br.u(3))
	br.u(1) // sps_temporal_id_nesting_flag
	// profile_tier_level(1, subLayers): the general part is 88 bits of profile and 8 of level.
	br.u(32)
	br.u(32)
	br.u(24)
	br.u(8)
	profilePresent := make([]bool, subLayers)
	levelPresent := make([]bool, subLayers)
	for i := 0; i < subLayers; i++ {
		profilePresent[i] = br.u(1) == 1
		levelPresent[i] = br.u(1) == 1
	}
	if subLayers > 0 {
		for i := subLayers; i < 8; i++ {
			br.u(2) // reserved_zero_2bits
		}
	}
	for i := 0; i < subLayers; i++ {
		if profilePresent[i] {
			br.u(32)
			br.u(32)
			br.u(24)
		}
		if levelPresent[i] {
			br.u(8)
		}
	}
	br.ue() // sps_seq_parameter_set_id
	chroma := br.ue()
	separatePlanes := false
	if chroma == 3 {
		separatePlanes = br.u(1) == 1
	}
	w := br.ue()
	h := br.ue()
	var cl, cr, ct, cb uint32
	if br.u(1) == 1 { // conformance_window_flag
		cl, cr, ct, cb = br.ue(), br.ue(), br.ue(), br.ue()
	}
	if br.err != nil || chroma > 3 || w == 0 || h == 0 || w > 1<<16 || h > 1<<16 || cl > 1<<16 || cr > 1<<16 || ct > 1<<16 || cb > 1<<16 {
		return 0, 0, false
	}
	subW, subH := uint32(1), uint32(1)
	if !separatePlanes && (chroma == 1 || chroma == 2) {
		subW = 2
	}
	if !separatePlanes && chroma == 1 {
		subH = 2
	}
	width = int(w) - int(subW*(cl+cr))
	height = int(h) - int(subH*(ct+cb))
	if width <= 0 || height <= 0 {
		return 0, 0, false
	}
	return width, height, true
}
