package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/cost"
)

func init() { register(newCostCmd) }

type costFlags struct {
	stack      string
	projectDir string
	json       bool
	compare    bool
	idle       bool
	duration   time.Duration
	width      int
	height     int
	hevc       bool
	sourceGB   float64
	views      int
	watched    float64
	months     int
}

func newCostCmd() *cobra.Command {
	var f costFlags
	cmd := &cobra.Command{
		Use:   "cost [--stack NAME] [--compare | --idle]",
		Short: "Price a title, compare ottkit with AWS's Video on Demand solution, or price an idle stack",
		Long: `cost prices, from ottkit's dated price tables (AWS ` + cost.Default.Date + `, ` + cost.Default.Region + `; GCP ` + cost.GCPDefault.Date + `, by region), the table
of the stack's ottkit:cloud:

  a title (default): the ladder the stack plans for a --width x --height source of --duration,
    its transcode minutes (MediaConvert by tier and resolution class; on GCP the Transcoder API
    job the stack submits, by its video classes), its storage month by month under the
    stack's lifecycle for --months (AWS: masters to Glacier Instant Retrieval and Deep
    Archive, outputs in Intelligent-Tiering; GCP: masters rewritten to the archive class,
    then Coldline and Archive, outputs in Autoclass), and its CDN egress for --views viewers
    watching --watched of it (CloudFront, or Cloud CDN with its cache fill);
  --compare: ottkit's job beside the anchor's (AWS's Video on Demand on AWS job templates) for
    the common source classes, with the stack's ladder (AWS stacks: the anchor is a
    MediaConvert solution);
  --idle: the fixed monthly cost of what the stack deploys, from its resources planned offline
    (needs --stack).

The stack's ladder, codec and lifecycle come from --stack (stacks/Pulumi.NAME.yaml), else from
the defaults every stack starts from. Every report names the table it used. --json prints the
result as JSON.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCost(ctxOf(cmd), cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stack, "stack", "", "stack whose ladder and lifecycle apply")
	fl.StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	fl.BoolVar(&f.json, "json", false, "print JSON instead of a report")
	fl.BoolVar(&f.compare, "compare", false, "compare with the Video on Demand on AWS templates for the common source classes")
	fl.BoolVar(&f.idle, "idle", false, "price the stack at idle (needs --stack)")
	fl.DurationVar(&f.duration, "duration", 10*time.Minute, "title duration")
	fl.IntVar(&f.width, "width", 1920, "source display width")
	fl.IntVar(&f.height, "height", 1080, "source display height")
	fl.Float64Var(&f.sourceGB, "source-gb", 0, "master size in GB (default: the duration at 10 Mb/s)")
	fl.IntVar(&f.views, "views", 1000, "views in the first month")
	fl.Float64Var(&f.watched, "watched", 0.5, "fraction of the title a view plays")
	fl.IntVar(&f.months, "months", 12, "storage horizon in months")
	return cmd
}

func runCost(ctx context.Context, w io.Writer, f costFlags) error {
	if f.compare && f.idle {
		return fmt.Errorf("cost: give --compare or --idle, not both")
	}
	switch {
	case f.duration <= 0:
		return fmt.Errorf("cost: --duration %v is not positive", f.duration)
	case f.width < 2 || f.height < 2:
		return fmt.Errorf("cost: --width and --height %dx%d are too small", f.width, f.height)
	case f.views < 0:
		return fmt.Errorf("cost: --views %d is negative", f.views)
	case f.watched <= 0 || f.watched > 1:
		return fmt.Errorf("cost: --watched %v is not in (0, 1]", f.watched)
	case f.months < 1 || f.months > 120:
		return fmt.Errorf("cost: --months %d is not between 1 and 120", f.months)
	case f.sourceGB < 0:
		return fmt.Errorf("cost: --source-gb %v is negative", f.sourceGB)
	}
	if f.idle {
		return runIdleCost(ctx, w, f)
	}
	s, err := loadMediaSettings(f.stack, f.projectDir)
	if err != nil {
		return err
	}
	if f.compare {
		if s.cloud != platform.CloudAWS {
			return fmt.Errorf("cost: --compare prices the Video on Demand on AWS templates, which run on MediaConvert; stack %s deploys to %s: price its titles without --compare", f.stack, s.cloud)
		}
		cmps, err := cost.Default.Compare(cost.CommonClasses, s.ladder)
		if err != nil {
			return err
		}
		if f.json {
			return writeJSON(w, cmps)
		}
		fmt.Fprintf(w, "ottkit (%s, %s) beside Video on Demand on AWS, %v titles, prices of %s:\n", s.name(), s.ladder.Codec, cost.CommonClasses[0].Duration, cost.Default.Date)
		cost.WriteComparison(w, cmps)
		return nil
	}
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: f.width, Height: f.height, Audio: true,
		AudioTracks: []pipeline.AudioTrack{{Codec: "aac", Channels: 2, Language: "und"}}}, s.ladder)
	if err != nil {
		return fmt.Errorf("cost: %w", err)
	}
	src := int64(f.sourceGB * (1 << 30))
	if f.sourceGB == 0 {
		src = int64(f.duration.Seconds() * 10e6 / 8)
	}
	c, err := s.priceTitle(cost.Title{Plan: plan, Duration: f.duration, SourceBytes: src, Views: f.views, WatchedFraction: f.watched, Months: f.months})
	if err != nil {
		return err
	}
	if f.json {
		return writeJSON(w, struct {
			Plan pipeline.Plan  `json:"plan"`
			Cost cost.TitleCost `json:"cost"`
		}{plan, c})
	}
	m := c.Minutes
	fmt.Fprintf(w, "A %v %dx%d title on %s (%s):\n", f.duration, f.width, f.height, s.name(), s.prices())
	fmt.Fprintf(w, "  ladder     %s\n", plan)
	if c.Cloud == platform.CloudGCP {
		fmt.Fprintf(w, "  transcode  Transcoder API: %.1f SD + %.1f HD + %.1f UHD video minutes, %.1f audio-only minutes = $%.3f\n", m.SD, m.HD, m.UHD, m.Audio, c.TranscodeUSD)
	} else {
		fmt.Fprintf(w, "  transcode  MediaConvert %s tier: %.1f SD + %.1f HD + %.1f UHD video minutes, %.1f audio minutes = $%.3f\n", m.Tier, m.SD, m.HD, m.UHD, m.Audio, c.TranscodeUSD)
	}
	fmt.Fprintf(w, "  storage    master %.2f GB, outputs %.2f GB:\n", float64(src)/(1<<30), c.OutputGB)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, ms := range c.Storage {
		fmt.Fprintf(tw, "    month %d\tmaster %s\toutputs %s\t$%.4f\n", ms.Month, ms.MasterClass, ms.OutputsClass, ms.USD)
	}
	tw.Flush()
	fmt.Fprintf(w, "    %d months $%.3f\n", len(c.Storage), c.StorageUSD)
	if c.Cloud == platform.CloudGCP {
		fmt.Fprintf(w, "  delivery   %d views × %.0f %% = %.1f GB cache egress, %.2f GB cache fill = $%.2f\n", f.views, f.watched*100, c.EgressGB, c.FillGB, c.EgressUSD)
	} else {
		fmt.Fprintf(w, "  delivery   %d views × %.0f %% = %.1f GB = $%.2f\n", f.views, f.watched*100, c.EgressGB, c.EgressUSD)
	}
	fmt.Fprintf(w, "  total      $%.2f\n", c.TotalUSD)
	return nil
}

// runIdleCost plans the stack offline and prices the resources that cost money at idle.
func runIdleCost(ctx context.Context, w io.Writer, f costFlags) error {
	if f.stack == "" {
		return fmt.Errorf("cost: --idle needs --stack")
	}
	project, err := findProject(f.projectDir)
	if err != nil {
		return err
	}
	cfg, err := planSource.readConfig(project.dir, f.stack)
	if err != nil {
		return err
	}
	spec, err := platform.ParseSpec(cfg)
	if err != nil {
		return fmt.Errorf("stack %s: %w", f.stack, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res, err := offline.Run(planSource.program, offline.Options{Project: project.Name, Stack: f.stack, Config: cfg})
	if err != nil {
		return fmt.Errorf("stack %s: the program failed: %w", f.stack, err)
	}
	var (
		total  float64
		lines  []cost.IdleLine
		prices string
	)
	if spec.Cloud == platform.CloudGCP {
		var idle []cost.IdleResource
		for _, r := range res.Resources {
			idle = append(idle, cost.IdleResource{Type: r.Type, Inputs: r.Inputs})
		}
		total, lines = cost.GCPDefault.IdleMonthly(idle)
		prices = "GCP prices of " + cost.GCPDefault.Date
	} else {
		var types []string
		wafRules := 0
		for _, r := range res.Resources {
			types = append(types, r.Type)
			if r.Type == "aws:wafv2/webAcl:WebAcl" {
				if rules, ok := r.Inputs["rules"].([]any); ok {
					wafRules += len(rules)
				}
			}
		}
		total, lines = cost.Default.IdleMonthly(types, wafRules)
		prices = "AWS prices of " + cost.Default.Date + ", " + cost.Default.Region
	}
	if f.json {
		return writeJSON(w, struct {
			Stack     string          `json:"stack"`
			Cloud     string          `json:"cloud"`
			Prices    string          `json:"prices"`
			Resources int             `json:"resources"`
			Lines     []cost.IdleLine `json:"lines"`
			TotalUSD  float64         `json:"totalUsd"`
		}{f.stack, spec.Cloud, prices, len(res.Resources), lines, total})
	}
	fmt.Fprintf(w, "Stack %s at idle: %d resources, these cost money every month (%s):\n", f.stack, len(res.Resources), prices)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range lines {
		fmt.Fprintf(tw, "  %s\t× %d\t$%.2f\n", l.Type, l.Count, l.USD)
	}
	tw.Flush()
	if spec.Cloud == platform.CloudGCP {
		fmt.Fprintf(w, "  total $%.2f a month; everything else (functions, topics, the task queue, Firestore, the API gateway, Cloud CDN, empty buckets, logs) bills by use, and the stack key adds a $%.2f version every rotation\n", total, cost.GCPDefault.Fixed["gcp:kms/cryptoKey:CryptoKey"])
		return nil
	}
	fmt.Fprintf(w, "  total $%.2f a month; everything else (functions, queues, topics, the catalog table, the API, the CDN, empty buckets) bills by use\n", total)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
