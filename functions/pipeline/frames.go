package pipeline

// ThumbnailShortSide is the thumbnails' shorter side in pixels (or the source's, if smaller).
// Every transcoder sizes thumbnails with ThumbnailSize, so a title's thumbnails look the same
// whichever home encoded it.
const ThumbnailShortSide = 180

// ThumbnailSize is the size of a thumbnail of a source shown at width x height: the source's
// aspect ratio with a shorter side of ThumbnailShortSide, never upscaled, both sides even.
func ThumbnailSize(width, height int) (int, int) {
	short, long := min(width, height), max(width, height)
	ts := min(ThumbnailShortSide, short&^1)
	tl := min(2*int(float64(ts)*float64(long)/float64(short)/2+0.5), long&^1)
	if width >= height {
		return tl, ts
	}
	return ts, tl
}
