package probe

// Sequence parameter set parsing for H.264 and H.265 elementary streams: a transport stream
// states no picture size, so the probe reads it from the first SPS in the head.

import (
	"bytes"
	"errors"
)

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

// picture is what a codec header says about the picture: the cropped size, the sample
// aspect ratio, the bit depth and the colour description (ITU-T H.273 codes).
type picture struct {
	w, h                       int
	interlaced                 bool // the stream is coded as fields (or may be)
	par                        [2]int
	bitDepth                   int
	primaries, transfer, matrx int
}

// sarTable is the sample aspect ratio of aspect_ratio_idc 1 to 16, shared by H.264 (Table
// E-1) and H.265.
var sarTable = [...][2]int{{1, 1}, {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11}, {32, 11},
	{80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3}, {3, 2}, {2, 1}}

// vuiStart reads the start of vui_parameters, common to H.264 and H.265: the sample aspect
// ratio, overscan and the video signal type with its colour description.
func (br *bitReader) vuiStart(pic *picture) {
	if br.u(1) == 1 { // aspect_ratio_info_present_flag
		idc := br.u(8)
		switch {
		case idc == 255: // Extended_SAR
			n, d := br.u(16), br.u(16)
			if n > 0 && d > 0 {
				pic.par = [2]int{int(n), int(d)}
			}
		case idc >= 1 && int(idc) <= len(sarTable):
			pic.par = sarTable[idc-1]
		}
	}
	if br.u(1) == 1 { // overscan_info_present_flag
		br.u(1)
	}
	if br.u(1) == 1 { // video_signal_type_present_flag
		br.u(3) // video_format
		br.u(1) // video_full_range_flag
		if br.u(1) == 1 {
			pic.primaries, pic.transfer, pic.matrx = int(br.u(8)), int(br.u(8)), int(br.u(8))
		}
	}
	if br.err != nil {
		// A VUI cut short says nothing reliable; the size before it stands.
		pic.par, pic.primaries, pic.transfer, pic.matrx = [2]int{}, 0, 0, 0
	}
}

// h264Size returns the cropped picture size from the first sequence parameter set in an
// H.264 Annex B stream.
func h264Size(es []byte) (width, height int, ok bool) {
	pic, ok := h264Picture(es)
	return pic.w, pic.h, ok
}

// h264Picture parses the first sequence parameter set in an H.264 Annex B stream.
func h264Picture(es []byte) (picture, bool) {
	for _, nal := range nalUnits(es) {
		if len(nal) < 4 || nal[0]&0x1f != 7 {
			continue
		}
		return h264SPS(rbsp(nal[1:]))
	}
	return picture{}, false
}

// h264SPSSize parses seq_parameter_set_rbsp (ITU-T H.264 7.3.2.1.1) up to the frame cropping.
func h264SPSSize(sps []byte) (width, height int, ok bool) {
	pic, ok := h264SPS(sps)
	return pic.w, pic.h, ok
}

// h264SPS parses seq_parameter_set_rbsp (ITU-T H.264 7.3.2.1.1) through the start of the VUI.
func h264SPS(sps []byte) (picture, bool) {
	var pic picture
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
		pic.bitDepth = int(min(br.ue(), 8)) + 8 // bit_depth_luma_minus8
		br.ue()                                 // bit_depth_chroma_minus8
		br.u(1)                                 // qpprime_y_zero_transform_bypass_flag
		if br.u(1) == 1 {                       // seq_scaling_matrix_present_flag
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
			return picture{}, false
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
	// frame_mbs_only_flag 0: pictures may be coded as fields or field macroblock pairs
	// (PAFF, MBAFF), which is how interlaced H.264 is carried.
	pic.interlaced = frameMbsOnly == 0
	if frameMbsOnly == 0 {
		br.u(1) // mb_adaptive_frame_field_flag
	}
	br.u(1) // direct_8x8_inference_flag
	var cl, cr, ct, cb uint32
	if br.u(1) == 1 {
		cl, cr, ct, cb = br.ue(), br.ue(), br.ue(), br.ue()
	}
	if br.err != nil || wMbs > 1<<12 || hMapUnits > 1<<12 || cl > 1<<16 || cr > 1<<16 || ct > 1<<16 || cb > 1<<16 {
		return picture{}, false
	}
	if pic.bitDepth == 0 {
		pic.bitDepth = 8
	}
	if br.u(1) == 1 { // vui_parameters_present_flag
		br.vuiStart(&pic)
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
	pic.w = int(wMbs*16) - int(cropX)*int(cl+cr)
	pic.h = int((2-frameMbsOnly)*hMapUnits*16) - int(cropY)*int(ct+cb)
	if pic.w <= 0 || pic.h <= 0 {
		return picture{}, false
	}
	return pic, true
}

// mpeg2Size reads the picture size from an MPEG-1/2 video sequence header.
func mpeg2Size(es []byte) (width, height int, ok bool) {
	pic, ok := mpeg2Picture(es)
	return pic.w, pic.h, ok
}

// mpeg2DAR is the display aspect ratio of MPEG-2's aspect_ratio_information 2 to 4 (ITU-T
// H.262 Table 6-3); 1 means square samples.
var mpeg2DAR = map[byte][2]int{2: {4, 3}, 3: {16, 9}, 4: {221, 100}}

// mpeg2Picture reads an MPEG-1/2 video sequence header and, for MPEG-2, its sequence display
// extension: the picture size (horizontal_size and vertical_size, which exclude the padding to
// whole macroblocks a container's stored size may include) and the sample aspect ratio that
// the display aspect ratio implies over the display size.
func mpeg2Picture(es []byte) (picture, bool) {
	var pic picture
	i := bytes.Index(es, []byte{0, 0, 1, 0xB3})
	if i < 0 || i+12 > len(es) {
		return pic, false
	}
	h := es[i+4:]
	pic.w = int(h[0])<<4 | int(h[1])>>4
	pic.h = int(h[1]&0x0f)<<8 | int(h[2])
	if pic.w == 0 || pic.h == 0 {
		return picture{}, false
	}
	aspect := h[3] >> 4
	dispW, dispH := pic.w, pic.h
	mpeg2 := false
	for j := i + 12; j+4 <= len(es) && j < i+4096; j++ {
		if es[j] != 0 || es[j+1] != 0 || es[j+2] != 1 {
			continue
		}
		if es[j+3] != 0xB5 {
			if es[j+3] == 0x00 || es[j+3] == 0xB8 { // a picture or GOP: the headers are over
				break
			}
			continue
		}
		if j+5 > len(es) {
			break
		}
		br := &bitReader{b: es[j+4 : min(j+16, len(es))]}
		switch br.u(4) { // extension_start_code_identifier
		case 1: // sequence extension
			mpeg2 = true
			pic.bitDepth = 8
			br.u(8) // profile_and_level_indication
			// progressive_sequence 0: frames may be interlaced (every 480i/576i/1080i master).
			pic.interlaced = br.u(1) == 0
		case 2: // sequence display extension
			br.u(3) // video_format
			if br.u(1) == 1 {
				pic.primaries, pic.transfer, pic.matrx = int(br.u(8)), int(br.u(8)), int(br.u(8))
			}
			w := int(br.u(14))
			br.u(1) // marker_bit
			hh := int(br.u(14))
			if br.err == nil && w > 0 && hh > 0 {
				dispW, dispH = w, hh
			}
		}
	}
	if dar, ok := mpeg2DAR[aspect]; ok && mpeg2 {
		pic.par = reduce(dar[0]*dispH, dar[1]*dispW)
	}
	return pic, true
}

// reduce returns n/d in lowest terms.
func reduce(n, d int) [2]int {
	if n <= 0 || d <= 0 {
		return [2]int{}
	}
	a, b := n, d
	for b != 0 {
		a, b = b, a%b
	}
	return [2]int{n / a, d / a}
}

// hevcSize returns the cropped picture size from the first sequence parameter set in an
// H.265 Annex B stream.
func hevcSize(es []byte) (width, height int, ok bool) {
	pic, ok := hevcPicture(es)
	return pic.w, pic.h, ok
}

// hevcPicture parses the first sequence parameter set in an H.265 Annex B stream.
func hevcPicture(es []byte) (picture, bool) {
	for _, nal := range nalUnits(es) {
		if len(nal) < 4 || (nal[0]>>1)&0x3f != 33 { // SPS_NUT
			continue
		}
		return hevcSPS(rbsp(nal[2:]))
	}
	return picture{}, false
}

// hevcSPSSize parses seq_parameter_set_rbsp (ITU-T H.265 7.3.2.2) up to the conformance
// window.
func hevcSPSSize(sps []byte) (width, height int, ok bool) {
	pic, ok := hevcSPS(sps)
	return pic.w, pic.h, ok
}

// hevcSPS parses seq_parameter_set_rbsp (ITU-T H.265 7.3.2.2) through the start of the VUI,
// where the sample aspect ratio and the colour description (PQ or HLG for HDR) are.
func hevcSPS(sps []byte) (picture, bool) {
	var pic picture
	br := &bitReader{b: sps}
	br.u(4) // sps_video_parameter_set_id
	maxSubLayersMinus1 := int(br.u(3))
	br.u(1) // sps_temporal_id_nesting_flag
	// profile_tier_level(1, maxSubLayersMinus1): the general part is 88 bits of profile and
	// 8 of level.
	br.u(32)
	// The rest of the compatibility flags, then general_progressive_source_flag and
	// general_interlaced_source_flag: interlaced only is a field-coded source.
	flags := br.u(32)
	interlaced := flags>>23&1 == 0 && flags>>22&1 == 1
	br.u(24)
	br.u(8)
	profilePresent := make([]bool, maxSubLayersMinus1)
	levelPresent := make([]bool, maxSubLayersMinus1)
	for i := 0; i < maxSubLayersMinus1; i++ {
		profilePresent[i] = br.u(1) == 1
		levelPresent[i] = br.u(1) == 1
	}
	if maxSubLayersMinus1 > 0 {
		for i := maxSubLayersMinus1; i < 8; i++ {
			br.u(2) // reserved_zero_2bits
		}
	}
	for i := 0; i < maxSubLayersMinus1; i++ {
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
		return picture{}, false
	}
	subW, subH := uint32(1), uint32(1)
	if !separatePlanes && (chroma == 1 || chroma == 2) {
		subW = 2
	}
	if !separatePlanes && chroma == 1 {
		subH = 2
	}
	pic.w = int(w) - int(subW*(cl+cr))
	pic.h = int(h) - int(subH*(ct+cb))
	if pic.w <= 0 || pic.h <= 0 {
		return picture{}, false
	}
	pic.interlaced = interlaced
	pic.bitDepth = int(min(br.ue(), 8)) + 8 // bit_depth_luma_minus8
	br.ue()                                 // bit_depth_chroma_minus8
	if br.err != nil {
		pic.bitDepth = 0
		return pic, true
	}
	br.hevcVUI(&pic, maxSubLayersMinus1)
	return pic, true
}

// hevcVUI skips the SPS fields between the bit depth and the VUI and reads its start. Any
// inconsistency leaves pic's size and bit depth as they are.
func (br *bitReader) hevcVUI(pic *picture, maxSubLayersMinus1 int) {
	log2MaxPocLsb := br.ue() + 4
	first := maxSubLayersMinus1
	if br.u(1) == 1 { // sps_sub_layer_ordering_info_present_flag
		first = 0
	}
	for i := first; i <= maxSubLayersMinus1; i++ {
		br.ue()
		br.ue()
		br.ue()
	}
	for i := 0; i < 6; i++ { // coding and transform block sizes, hierarchy depths
		br.ue()
	}
	if br.u(1) == 1 && br.u(1) == 1 { // scaling_list_enabled_flag, sps_scaling_list_data_present_flag
		br.scalingListData()
	}
	br.u(1)           // amp_enabled_flag
	br.u(1)           // sample_adaptive_offset_enabled_flag
	if br.u(1) == 1 { // pcm_enabled_flag
		br.u(8)
		br.ue()
		br.ue()
		br.u(1)
	}
	numSets := br.ue()
	if numSets > 64 || br.err != nil {
		return
	}
	deltaPocs := make([]int, numSets)
	for i := 0; i < int(numSets) && br.err == nil; i++ {
		deltaPocs[i] = br.stRefPicSet(i, deltaPocs)
	}
	if br.u(1) == 1 { // long_term_ref_pics_present_flag
		n := br.ue()
		if n > 32 || log2MaxPocLsb > 16 {
			return
		}
		for i := uint32(0); i < n; i++ {
			br.u(int(log2MaxPocLsb))
			br.u(1)
		}
	}
	br.u(1)                            // sps_temporal_mvp_enabled_flag
	br.u(1)                            // strong_intra_smoothing_enabled_flag
	if br.err != nil || br.u(1) == 0 { // vui_parameters_present_flag
		return
	}
	br.vuiStart(pic)
}

// scalingListData skips scaling_list_data() (H.265 7.3.4).
func (br *bitReader) scalingListData() {
	for sizeID := 0; sizeID < 4 && br.err == nil; sizeID++ {
		step := 1
		if sizeID == 3 {
			step = 3
		}
		for matrixID := 0; matrixID < 6; matrixID += step {
			if br.u(1) == 0 { // scaling_list_pred_mode_flag
				br.ue()
				continue
			}
			coefs := min(64, 1<<(4+(sizeID<<1)))
			if sizeID > 1 {
				br.se()
			}
			for i := 0; i < coefs && br.err == nil; i++ {
				br.se()
			}
		}
	}
}

// stRefPicSet skips st_ref_pic_set(idx) (H.265 7.3.7) and returns its NumDeltaPocs.
func (br *bitReader) stRefPicSet(idx int, deltaPocs []int) int {
	if idx != 0 && br.u(1) == 1 { // inter_ref_pic_set_prediction_flag
		br.u(1) // delta_rps_sign
		br.ue() // abs_delta_rps_minus1
		n := 0
		for j := 0; j <= deltaPocs[idx-1] && br.err == nil; j++ {
			used := br.u(1) == 1
			if used || br.u(1) == 1 { // used_by_curr_pic_flag, use_delta_flag
				n++
			}
		}
		return n
	}
	neg, pos := br.ue(), br.ue()
	if neg > 16 || pos > 16 {
		br.err = errBits
		return 0
	}
	for i := uint32(0); i < neg+pos && br.err == nil; i++ {
		br.ue()
		br.u(1)
	}
	return int(neg + pos)
}
