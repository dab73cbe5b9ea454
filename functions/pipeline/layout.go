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
	// PosterBase is the poster's file name base; frame captures append ".NNNNNNN.jpg".
	PosterBase string
	// ThumbnailBase is the thumbnails' file name base; the n-th is ThumbnailKey(n).
	ThumbnailBase string
	// Naming is how the transcoder numbers the images it captures.
	Naming FrameNaming
}

// FrameNaming is how a transcoder names the n-th image it captures from a base: base, Sep, n
// in Digits decimal digits, Ext.
type FrameNaming struct {
	Sep    string
	Digits int
	Ext    string
}

// The frame namings of the transcoders ottkit drives.
var (
	// MediaConvertFrames is MediaConvert's frame capture naming: base.0000003.jpg.
	MediaConvertFrames = FrameNaming{Sep: ".", Digits: 7, Ext: ".jpg"}
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

// PosterKey is the key of the poster for a source of the given duration: the capture taken
// PosterSecond(duration) in, which is the second capture when that is not 0.
func (l Layout) PosterKey(duration time.Duration) string {
	if PosterSecond(duration) == 0 {
		return l.Naming.key(l.PosterBase, 0)
	}
	return l.Naming.key(l.PosterBase, 1)
}

// ThumbnailIndex reports whether key is one of the layout's thumbnails, ThumbnailKey(n), and
// which n.
func (l Layout) ThumbnailIndex(key string) (int, bool) { return l.Naming.index(l.ThumbnailBase, key) }

// PosterSecond is the whole second the poster frame is taken at: a tenth of the way in,
// between 1 and 10 seconds, because first frames are often black or a fade. It is 0 for
// videos shorter than 2 seconds (and of unknown duration), whose first frame is used.
func PosterSecond(duration time.Duration) int {
	if duration < 2*time.Second {
		return 0
	}
	return min(max(int(duration/time.Second)/10, 1), 10)
}
