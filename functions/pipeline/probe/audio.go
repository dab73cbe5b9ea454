package probe

// Channel counts from codec headers. Containers often carry no count (MPEG-TS, MXF's sound
// descriptors without ChannelCount) or a placeholder (the ISO sample entry says 2 for 5.1
// AC-3 and E-AC-3), so the count comes from the codec's own configuration or first frame.

// acmodChannels is the full-bandwidth channel count of each AC-3 audio coding mode (acmod),
// ETSI TS 102 366 table 4.3: 1+1, 1/0, 2/0, 3/0, 2/1, 3/1, 2/2, 3/2.
var acmodChannels = [8]int{2, 1, 2, 3, 3, 4, 4, 5}

// dac3Channels reads the channel count from an AC3SpecificBox (dac3) payload: fscod(2)
// bsid(5) bsmod(3) acmod(3) lfeon(1) bit_rate_code(5) reserved(5).
func dac3Channels(p []byte) int {
	if len(p) < 3 {
		return 0
	}
	v := uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
	return acmodChannels[v>>11&7] + int(v>>10&1)
}

// dec3Channels reads the channel count of the first independent substream from an
// EC3SpecificBox (dec3) payload: data_rate(13) num_ind_sub(3), then fscod(2) bsid(5)
// reserved(1) asvc(1) bsmod(3) acmod(3) lfeon(1). Dependent substreams (the extra channels
// of 7.1) are not counted, as ffmpeg's decoder does not count them.
func dec3Channels(p []byte) int {
	if len(p) < 5 {
		return 0
	}
	v := uint32(p[2])<<16 | uint32(p[3])<<8 | uint32(p[4])
	return acmodChannels[v>>9&7] + int(v>>8&1)
}

// esChannels reads the channel count of an audio elementary stream from its first frame
// header, for containers that do not state it (MPEG-TS). codec is the probe's codec name;
// es starts at the first PES payload byte. It returns 0 when the header is not there or
// does not state a count (an AAC program config element).
func esChannels(codec string, es []byte) int {
	switch codec {
	case "aac":
		return adtsChannels(es)
	case "ac3", "eac3":
		return ac3FrameChannels(es)
	case "mp2":
		return mpegAudioChannels(es)
	}
	return 0
}

// adtsChannels reads channel_configuration from an ADTS header: syncword(12) ID(1) layer(2)
// protection_absent(1) profile(2) sampling_frequency_index(4) private(1)
// channel_configuration(3). Configuration 7 is 7.1 (8 channels).
func adtsChannels(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xF6 != 0xF0 {
		return 0
	}
	switch cfg := int(b[2]&1)<<2 | int(b[3]>>6); {
	case cfg >= 1 && cfg <= 6:
		return cfg
	case cfg == 7:
		return 8
	}
	return 0
}

// ac3FrameChannels reads acmod and lfeon from an AC-3 or E-AC-3 syncframe header. bsid tells
// them apart: up to 10 is AC-3 (syncinfo, then bsid(5) bsmod(3) acmod(3), optional mix
// levels, lfeon), 11 to 16 is E-AC-3 (strmtyp(2) substreamid(3) frmsiz(11) fscod(2)
// numblkscod(2) acmod(3) lfeon(1)).
func ac3FrameChannels(b []byte) int {
	if len(b) < 7 || b[0] != 0x0B || b[1] != 0x77 {
		return 0
	}
	bsid := b[5] >> 3
	switch {
	case bsid <= 10:
		br := &bitReader{b: b[6:]}
		acmod := br.u(3)
		if acmod&1 != 0 && acmod != 1 {
			br.u(2) // cmixlev
		}
		if acmod&4 != 0 {
			br.u(2) // surmixlev
		}
		if acmod == 2 {
			br.u(2) // dsurmod
		}
		lfe := br.u(1)
		if br.err != nil {
			return 0
		}
		return acmodChannels[acmod] + int(lfe)
	case bsid <= 16:
		return acmodChannels[b[4]>>1&7] + int(b[4]&1)
	}
	return 0
}

// mpegAudioChannels reads the mode of an MPEG-1/2 audio frame header: 3 is single channel,
// the others (stereo, joint stereo, dual channel) are two.
func mpegAudioChannels(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 || b[1]&0x06 == 0 {
		return 0
	}
	if b[3]>>6 == 3 {
		return 1
	}
	return 2
}
