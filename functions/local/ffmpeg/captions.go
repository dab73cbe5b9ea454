package ffmpeg

import (
	"fmt"
	"html"
	"math"
	"os"
	"strconv"
	"strings"
)

// captionName is the file name base of the n-th caption track (1-based), as MediaConvert's
// "_captions<n>" name modifier gives: index_captions1.vtt, with its HLS playlist beside it.
func captionName(n int) string { return "index_captions" + strconv.Itoa(n) }

// captionArgs are the extra ffmpeg outputs that turn each text subtitle track into a WebVTT
// file.
func (s spec) captionArgs() []string {
	var a []string
	for i, sub := range s.Src.Subtitles {
		a = append(a, "-map", "0:"+strconv.Itoa(sub.Index), "-c:s", "webvtt", "-f", "webvtt", s.Dir+"/"+captionName(i+1)+".vtt")
	}
	return a
}

// addCaptions lists the WebVTT files in both manifests ffmpeg wrote: a subtitles rendition
// group in the HLS multivariant playlist (with a one-segment media playlist per track) and a
// text adaptation set per track in the DASH manifest. ffmpeg's dash muxer carries no
// subtitles itself.
func (s spec) addCaptions() error {
	if len(s.Src.Subtitles) == 0 {
		return nil
	}
	secs := s.Src.Duration.Seconds()
	var media, sets strings.Builder
	for i, sub := range s.Src.Subtitles {
		name := captionName(i + 1)
		playlist := fmt.Sprintf("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:%.3f,\n%s.vtt\n#EXT-X-ENDLIST\n",
			int(math.Ceil(secs)), secs, name)
		if err := writeFile(s.Dir+"/"+name+".m3u8", []byte(playlist)); err != nil {
			return err
		}
		label := sub.Language
		if label == "" {
			label = "Captions " + strconv.Itoa(i+1)
		}
		fmt.Fprintf(&media, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=%q,", label)
		if sub.Language != "" {
			fmt.Fprintf(&media, "LANGUAGE=%q,", sub.Language)
		}
		fmt.Fprintf(&media, "DEFAULT=NO,AUTOSELECT=YES,URI=\"%s.m3u8\"\n", name)

		fmt.Fprintf(&sets, "\t\t<AdaptationSet id=\"%d\" contentType=\"text\" mimeType=\"text/vtt\"", 100+i)
		if sub.Language != "" {
			fmt.Fprintf(&sets, " lang=\"%s\"", html.EscapeString(sub.Language))
		}
		fmt.Fprintf(&sets, ">\n\t\t\t<Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"subtitle\"/>\n"+
			"\t\t\t<Representation id=\"captions%d\" bandwidth=\"256\">\n\t\t\t\t<BaseURL>%s.vtt</BaseURL>\n\t\t\t</Representation>\n\t\t</AdaptationSet>\n", i+1, name)
	}

	hls, err := os.ReadFile(s.path(s.Layout.HLS))
	if err != nil {
		return fmt.Errorf("ffmpeg: read the HLS playlist: %w", err)
	}
	var out strings.Builder
	inserted := false
	for _, line := range strings.SplitAfter(string(hls), "\n") {
		if strings.HasPrefix(line, "#EXT-X-STREAM-INF:") {
			if !inserted {
				out.WriteString(media.String())
				inserted = true
			}
			line = strings.TrimRight(line, "\n") + ",SUBTITLES=\"subs\"\n"
		}
		out.WriteString(line)
	}
	if !inserted {
		return fmt.Errorf("ffmpeg: the HLS playlist %s has no variant streams", s.Layout.HLS)
	}
	if err := writeFile(s.path(s.Layout.HLS), []byte(out.String())); err != nil {
		return err
	}

	mpd, err := os.ReadFile(s.path(s.Layout.DASH))
	if err != nil {
		return fmt.Errorf("ffmpeg: read the DASH manifest: %w", err)
	}
	i := strings.LastIndex(string(mpd), "\t</Period>")
	if i < 0 {
		return fmt.Errorf("ffmpeg: the DASH manifest %s has no Period", s.Layout.DASH)
	}
	edited := string(mpd[:i]) + sets.String() + string(mpd[i:])
	return writeFile(s.path(s.Layout.DASH), []byte(edited))
}

// writeFile writes through a temporary file and a rename, so a reader never sees half a file.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("ffmpeg: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("ffmpeg: write %s: %w", path, err)
	}
	return nil
}
