package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/cost"
	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

func init() { register(newProbeCmd) }

type probeFlags struct {
	stack      string
	projectDir string
	json       bool
	views      int
}

func newProbeCmd() *cobra.Command {
	var f probeFlags
	cmd := &cobra.Command{
		Use:   "probe FILE...",
		Short: "Judge video files as ingest would, and plan their ladder and cost",
		Long: `probe reads each file as the ingest function does (a few bounded reads, never the
media itself) and prints the verdict and its reason, the container, the codecs, the coded and
display size, pixel aspect, rotation, frame rate, duration, audio and caption tracks, HDR, the
bytes read, the ladder the stack would plan and what the title would cost to transcode, store
for a year and deliver to --views viewers.

The stack's limits, ladder and lifecycle come from --stack (stacks/Pulumi.NAME.yaml), else
from the defaults every stack starts from. With --json it prints an array of reports. It
exits 1 when any file would be rejected.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runProbe(ctxOf(cmd), cmd.OutOrStdout(), f, files)
		},
	}
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack whose limits, ladder and lifecycle apply (default: the configuration defaults)")
	cmd.Flags().StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON instead of a report")
	cmd.Flags().IntVar(&f.views, "views", 1000, "views the cost estimate delivers")
	return cmd
}

// probeReport is one file's report; its JSON form is what --json prints.
type probeReport struct {
	File         string               `json:"file"`
	Accepted     bool                 `json:"accepted"`
	Reason       string               `json:"reason,omitempty"`
	Detail       string               `json:"detail,omitempty"`
	Container    string               `json:"container,omitempty"`
	MIME         string               `json:"mime,omitempty"`
	Duration     float64              `json:"durationSeconds"`
	DurationFrom string               `json:"durationFrom,omitempty"`
	Video        *probeVideo          `json:"video,omitempty"`
	Audio        []probe.AudioTrack   `json:"audio"`
	Captions     []probe.CaptionTrack `json:"captions"`
	BytesRead    int64                `json:"bytesRead"`
	ProbeTime    string               `json:"probeTime"`
	Ladder       *pipeline.Plan       `json:"ladder,omitempty"`
	Cost         *cost.TitleCost      `json:"cost,omitempty"`
}

type probeVideo struct {
	Codec         string  `json:"codec"`
	CodedWidth    int     `json:"codedWidth"`
	CodedHeight   int     `json:"codedHeight"`
	Width         int     `json:"width"`
	Height        int     `json:"height"`
	DisplayWidth  int     `json:"displayWidth"`
	DisplayHeight int     `json:"displayHeight"`
	PixelAspect   string  `json:"pixelAspect"`
	Rotation      int     `json:"rotation"`
	Transform     string  `json:"transform,omitempty"`
	FrameRate     float64 `json:"frameRate"`
	BitDepth      int     `json:"bitDepth,omitempty"`
	HDR           string  `json:"hdr,omitempty"`
	Interlaced    bool    `json:"interlaced,omitempty"`
}

func runProbe(ctx context.Context, w io.Writer, f probeFlags, files []string) error {
	if f.views < 0 {
		return fmt.Errorf("probe: --views %d is negative", f.views)
	}
	settings, err := loadMediaSettings(f.stack, f.projectDir)
	if err != nil {
		return err
	}
	var reports []probeReport
	rejected := 0
	for _, file := range files {
		r, err := probeFile(ctx, file, settings, f.views)
		if err != nil {
			return err
		}
		if !r.Accepted {
			rejected++
		}
		reports = append(reports, r)
	}
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	} else {
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			printProbe(w, r, settings)
		}
	}
	if rejected > 0 {
		return &verdictError{msg: fmt.Sprintf("%d of %d files would be rejected", rejected, len(files))}
	}
	return nil
}

// probeFile probes, judges, plans and prices one file. Only a file it cannot open or read is
// an error; anything wrong with the content is the report's verdict.
func probeFile(ctx context.Context, file string, s mediaSettings, views int) (probeReport, error) {
	fh, err := os.Open(file)
	if err != nil {
		return probeReport{}, fmt.Errorf("probe: %w", err)
	}
	defer fh.Close()
	src, err := probe.FileSource(fh)
	if err != nil {
		return probeReport{}, err
	}
	start := time.Now()
	info, perr := probe.Probe(ctx, src, probe.Limits{})
	elapsed := time.Since(start)
	if perr != nil && !pipeline.IsContentError(perr) {
		return probeReport{}, fmt.Errorf("probe: %s: %w", file, perr)
	}
	v := pipeline.Judge(info, perr, src.Size(), s.rules)
	r := probeReport{File: file, Accepted: v.Accepted, Reason: string(v.Reason), Detail: v.Detail, ProbeTime: elapsed.Round(time.Microsecond).String(),
		Audio: []probe.AudioTrack{}, Captions: []probe.CaptionTrack{}}
	if info == nil {
		return r, nil
	}
	r.Container, r.MIME, r.Duration, r.DurationFrom, r.BytesRead = string(info.Container), info.MIME, info.Duration.Seconds(), info.DurationFrom, info.BytesRead
	r.Audio = append(r.Audio, info.Audio...)
	r.Captions = append(r.Captions, info.Captions...)
	if vt := info.Video; vt != nil {
		dw, dh := vt.DisplaySize()
		r.Video = &probeVideo{Codec: vt.Codec, CodedWidth: vt.CodedWidth, CodedHeight: vt.CodedHeight, Width: vt.Width, Height: vt.Height,
			DisplayWidth: dw, DisplayHeight: dh, PixelAspect: fmt.Sprintf("%d:%d", vt.PixelAspect[0], vt.PixelAspect[1]),
			Rotation: vt.Rotation, Transform: vt.Transform, FrameRate: vt.FrameRate, BitDepth: vt.BitDepth, HDR: vt.HDR, Interlaced: vt.Interlaced}
	}
	if !v.Accepted {
		return r, nil
	}
	plan, err := pipeline.PlanLadder(pipeline.SourceOf(pipeline.Summarize(info)), s.ladder)
	if err != nil {
		return probeReport{}, fmt.Errorf("probe: %s: plan: %w", file, err)
	}
	r.Ladder = &plan
	c, err := s.priceTitle(cost.Title{Plan: plan, Duration: info.Duration, SourceBytes: src.Size(), Views: views})
	if err != nil {
		return probeReport{}, fmt.Errorf("probe: %s: %w", file, err)
	}
	r.Cost = &c
	return r, nil
}

func printProbe(w io.Writer, r probeReport, s mediaSettings) {
	verdict := "accepted"
	if !r.Accepted {
		verdict = fmt.Sprintf("rejected (%s): %s", r.Reason, r.Detail)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	line := func(k, format string, a ...any) { fmt.Fprintf(tw, "  %s\t"+format+"\n", append([]any{k}, a...)...) }
	fmt.Fprintf(tw, "%s: %s\n", r.File, verdict)
	if r.Container != "" {
		line("container", "%s (%s)", r.Container, r.MIME)
	}
	if r.Duration > 0 || r.Container != "" {
		line("duration", "%v (from %s)", time.Duration(r.Duration*float64(time.Second)).Round(time.Millisecond), orNone(r.DurationFrom))
	}
	if v := r.Video; v != nil {
		line("video", "%s, coded %dx%d, picture %dx%d, pixel aspect %s, display %dx%d", v.Codec, v.CodedWidth, v.CodedHeight, v.Width, v.Height, v.PixelAspect, v.DisplayWidth, v.DisplayHeight)
		line("rotation", "%d°%s", v.Rotation, map[bool]string{true: ", " + v.Transform, false: ""}[v.Transform != ""])
		scan := "progressive"
		if v.Interlaced {
			scan = "interlaced (deinterlaced by the job)"
		}
		line("frame rate", "%g fps, %s", v.FrameRate, scan)
		hdr := "SDR"
		if v.HDR != "" {
			hdr = v.HDR
		}
		if v.BitDepth > 0 {
			line("dynamic range", "%s, %d-bit", hdr, v.BitDepth)
		} else {
			line("dynamic range", "%s, bit depth not stated", hdr) // MXF and ProRes headers the probe does not parse
		}
	}
	var audio []string
	for _, a := range r.Audio {
		audio = append(audio, fmt.Sprintf("%s %dch %s", orNone(a.Codec), a.Channels, a.Language))
	}
	line("audio", "%d track(s) %s", len(r.Audio), strings.Join(audio, ", "))
	var capt []string
	for _, c := range r.Captions {
		capt = append(capt, c.Codec+" "+c.Language)
	}
	line("captions", "%d track(s) %s", len(r.Captions), strings.Join(capt, ", "))
	line("read", "%d bytes in %s", r.BytesRead, r.ProbeTime)
	if r.Ladder != nil {
		line("ladder", "%s (%s)", r.Ladder.String(), s.name())
	}
	if c := r.Cost; c != nil {
		m := c.Minutes
		line("transcode", "%s tier: %.1f SD, %.1f HD, %.1f UHD, %.1f audio minutes = $%.3f (%s)", m.Tier, m.SD, m.HD, m.UHD, m.Audio, c.TranscodeUSD, s.prices())
		line("storage", "%.3f GB of outputs; $%.3f over %d months", c.OutputGB, c.StorageUSD, len(c.Storage))
		line("delivery", "%.1f GB = $%.2f; total $%.2f", c.EgressGB, c.EgressUSD, c.TotalUSD)
	}
	tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
