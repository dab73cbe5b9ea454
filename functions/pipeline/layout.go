package pipeline

import (
	"fmt"
	"strings"
	"time"
)

// Layout is where a transcoding job writes one asset's outputs in the delivery bucket. Every
// key is under AssetPrefix(id), the path playback cookies are scoped to; the transcoder
// adapters write exactly these names and the complete handler records them on the asset.
type Layout struct {
	// Prefix is "assets/<id>/".
	Prefix string
	// Base is the file name base of the adaptive outputs: the HLS playlist is Base+".m3u8" and
	// the DASH manifest Base+".mpd", both over one set of CMAF segments.
	Base string
	// HLS and DASH are the manifest keys.
	HLS, DASH string
	// PosterBase is the file name base of a poster captured on its own, by transcoders whose
	// naming does not take it from the thumbnails (see FrameNaming.PosterFromThumbnails), and
	// by MediaConvert jobs made before mcjob's single frame-capture output.
	PosterBase string
	// ThumbnailBase is the thumbnails' file name base; the n-th is ThumbnailKey(n).
	ThumbnailBase string
	// Naming is how the transcoder numbers the images it captures.
	Naming FrameNaming
}

// FrameNaming is how a transcoder names the n-th image it captures from a base: base, Sep, n
// in Digits decimal digits, Ext; and whether its poster is one of its thumbnails.
type FrameNaming struct {
	Sep    string
	Digits int
	Ext    string
	// PosterFromThumbnails is set when the transcoder captures no poster of its own and the
	// poster is a thumbnail (PosterKey), as mcjob's MediaConvert jobs do: one small frame
	// capture output, nothing encoded twice.
	PosterFromThumbnails bool
}

// The frame namings of the transcoders ottkit drives.
var (
	// MediaConvertFrames is MediaConvert's frame capture naming, base.0000003.jpg, with the
	// poster among the thumbnails (mcjob).
	MediaConvertFrames = FrameNaming{Sep: ".", Digits: 7, Ext: ".jpg", PosterFromThumbnails: true}
	// TranscoderSprites is GCP Transcoder API's sprite naming: base0000000003.jpeg.
	TranscoderSprites = FrameNaming{Digits: 10, Ext: ".jpeg"}
)

func (n FrameNaming) key(base string, i int) string {
	return fmt.Sprintf("%s%s%0*d%s", base, n.Sep, n.Digits, i, n.Ext)
}

// index reports whether key is base's i-th image, and i.
func (n FrameNaming) index(base, key string) (int, bool) {
	rest, ok := strings.CutPrefix(key, base+n.Sep)
	digits, ok2 := strings.CutSuffix(rest, n.Ext)
	if !ok || !ok2 || len(digits) != n.Digits {
		return 0, false
	}
	i := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, true
}

// The ingest bucket's layout, matching manifest.UploadPrefix and manifest.QuarantinePrefix
// (which the components scope grants and expiry rules to).
const (
	// UploadPrefix is where clients upload: uploads/<tenant>/<upload id>/<file name>.
	UploadPrefix = "uploads/"
	// QuarantinePrefix is where rejected uploads are moved: quarantine/<key without UploadPrefix>.
	QuarantinePrefix = "quarantine/"
)

// AssetPrefix is the delivery bucket prefix of one asset's outputs: "assets/<id>/", matching
// manifest.AssetPrefix.
func AssetPrefix(id string) string { return "assets/" + id + "/" }

// LayoutFor returns the output layout of asset id with MediaConvert's frame naming.
func LayoutFor(id string) Layout { return LayoutWith(id, MediaConvertFrames) }

// LayoutWith returns the output layout of asset id for a transcoder that names captured images
// with naming.
func LayoutWith(id string, naming FrameNaming) Layout {
	p := AssetPrefix(id)
	return Layout{
		Prefix:        p,
		Base:          p + "index",
		HLS:           p + "index.m3u8",
		DASH:          p + "index.mpd",
		PosterBase:    p + "poster",
		ThumbnailBase: p + "thumbs/thumb",
		Naming:        naming,
	}
}

// ThumbnailKey is the key of the n-th thumbnail (0-based), named as the transcoder names its
// captures (MediaConvert: base.NNNNNNN.jpg).
func (l Layout) ThumbnailKey(n int) string { return l.Naming.key(l.ThumbnailBase, n) }

// PosterKey is the key of the poster for a source of the given duration: the second capture
// when the source lasts PosterSecond's 2 seconds or more (first frames are often black or a
// fade), else the first. With Naming.PosterFromThumbnails the captures are the thumbnails,
// so that no output is encoded for the poster alone (the job spaces a short title's
// thumbnails so that the second exists); otherwise they are the poster's own, under
// PosterBase, taken PosterSecond in.
func (l Layout) PosterKey(duration time.Duration) string {
	base := l.PosterBase
	if l.Naming.PosterFromThumbnails {
		base = l.ThumbnailBase
	}
	if PosterSecond(duration) == 0 {
		return l.Naming.key(base, 0)
	}
	return l.Naming.key(base, 1)
}

// ThumbnailIndex reports whether key is one of the layout's thumbnails, ThumbnailKey(n), and
// which n.
func (l Layout) ThumbnailIndex(key string) (int, bool) { return l.Naming.index(l.ThumbnailBase, key) }

// CaptureInterval is the number of seconds between thumbnail captures for a source of the
// given duration when the stack asks for one every interval seconds: a title shorter than two
// intervals is captured more often, so that its second capture, the poster
// (Layout.PosterKey), exists. Every transcoder spaces its captures by it.
func CaptureInterval(interval int, duration time.Duration) int {
	if secs := int(duration / time.Second); secs >= 2 {
		interval = min(interval, secs/2)
	}
	return max(interval, 1)
}

// PosterSecond is the whole second the poster frame is taken at: a tenth of the way in,
// between 1 and 10 seconds, because first frames are often black or a fade. It is 0 for
// videos shorter than 2 seconds (and of unknown duration), whose first frame is used.
func PosterSecond(duration time.Duration) int {
	if duration < 2*time.Second {
		return 0
	}
	return min(max(int(duration/time.Second)/10, 1), 10)
}
