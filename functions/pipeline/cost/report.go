package cost

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteComparison prints comparisons as a table: per class, ottkit's renditions, billed
// minutes and price beside the anchor's.
func WriteComparison(w io.Writer, cmps []Comparison) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\trenditions\tottkit min (SD/HD/UHD/audio)\tottkit $\tanchor min (SD/HD/UHD/audio)\tanchor $\tupscaled\tpadded\t")
	var om, am, ou, au float64
	for _, c := range cmps {
		o, a := c.Ottkit, c.Anchor.Minutes
		fmt.Fprintf(tw, "%s\t%d\t%.0f (%.0f/%.0f/%.0f/%.0f) %s\t%.3f\t%.0f (%.0f/%.0f/%.0f/%.0f) %s\t%.3f\t%d\t%d\t\n",
			c.Class.Name, c.Renditions, o.Video()+o.Audio, o.SD, o.HD, o.UHD, o.Audio, o.Tier, c.OttkitUSD,
			a.Video()+a.Audio, a.SD, a.HD, a.UHD, a.Audio, a.Tier, c.AnchorUSD, c.Upscaled, c.Padded)
		om += o.Video() + o.Audio
		am += a.Video() + a.Audio
		ou += c.OttkitUSD
		au += c.AnchorUSD
	}
	fmt.Fprintf(tw, "total\t\t%.0f\t%.3f\t%.0f\t%.3f\t\t\t\n", om, ou, am, au)
	tw.Flush()
}
