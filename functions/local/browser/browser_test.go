// Package browser plays what the local platform makes in a real browser: Chromium, driven
// over the DevTools protocol by chromedp, uploads through the web page, waits for the asset to
// be ready, and plays it with hls.js and dash.js.
package browser

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/local/ffmpeg"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// chromium finds the browser, failing (not skipping) with what to install.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: the browser test needs it (Debian/Ubuntu: apt-get install chromium; .ci/deps installs it)")
	return ""
}

// browse starts a headless Chromium with a new, empty profile.
func browse(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			t.Logf("page exception: %s", e.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// waitFor evaluates expr every 200 ms until it is true, failing after timeout with what
// describe evaluates to.
func waitFor(t *testing.T, ctx context.Context, expr, describe string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](describe))
			t.Fatalf("%s not true after %s; page state: %s", expr, timeout, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// uploaded uploads file through the page and waits until the asset it became is ready.
func uploaded(t *testing.T, ctx context.Context, file string, n int) string {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.ID("send")),
	); err != nil {
		t.Fatalf("upload %s: %v", file, err)
	}
	u := fmt.Sprintf("window.ottkit.uploads[%d]", n)
	waitFor(t, ctx, fmt.Sprintf("!!%s && ['ready','failed','rejected'].includes(%s.status)", u, u),
		fmt.Sprintf("JSON.stringify({upload: %s, log: window.ottkit.log.slice(-8)})", u), 2*time.Minute)
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](u+".status"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](u+".assetId"))
	if err != nil {
		t.Fatal(err)
	}
	if status != "ready" {
		log, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("JSON.stringify(window.ottkit.assets)"))
		t.Fatalf("asset %s ended %s: %s", id, status, log)
	}
	return id
}

// plays starts kind on the page and waits until the video has played past 3 s; it returns
// the renditions the player saw.
func plays(t *testing.T, ctx context.Context, id, kind string) []string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("window.ottkit.play(%q, %q), true", id, kind))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "document.getElementById('video').currentTime > 3 && window.ottkit.player.renditions.length > 0",
		"JSON.stringify({time: document.getElementById('video').currentTime, player: window.ottkit.player, log: window.ottkit.log.slice(-6)})", time.Minute)
	errText, err := chromedp.Run(ctx, chromedp.Evaluate[string]("window.ottkit.player.error"))
	if err != nil {
		t.Fatal(err)
	}
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string]("window.ottkit.player.renditions.map(r => r.width + 'x' + r.height)"))
	if err != nil {
		t.Fatal(err)
	}
	if errText != "" {
		t.Errorf("%s player reported: %s", kind, errText)
	}
	return seen
}

// TestPlaysInChromium runs `ottkit dev`'s platform, uploads a 10 s 1080p file and a portrait
// one without audio through its web page, and plays each with hls.js and dash.js.
func TestPlaysInChromium(t *testing.T) {
	landscape := testmedia.Path(t, testmedia.Landscape1080p10s)
	portrait := testmedia.Path(t, testmedia.PortraitNoAudio)
	p := startPlatform(t)
	ctx := browse(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL+"/#token="+p.token(t))); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	id := uploaded(t, ctx, landscape, 0)
	a := p.asset(t, id)
	st, err := ffmpeg.JobStats(p.ffmpegWorkDir(), a.JobID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10 s 1080p source: upload to ready in %s; ffmpeg %s wall, %s CPU", time.Since(start).Round(100*time.Millisecond),
		st.Wall.Round(100*time.Millisecond), st.CPU.Round(100*time.Millisecond))
	want := planned(t, pipeline.Source{Width: 1920, Height: 1080, FrameRate: 24, Audio: true})
	if got := sizes(a.Renditions); !slices.Equal(got, want) {
		t.Errorf("catalog renditions %v, want the plan's %v", got, want)
	}
	for _, kind := range []string{"hls", "dash"} {
		if seen := plays(t, ctx, id, kind); !sameSet(seen, want) {
			t.Errorf("%s player sees renditions %v, want the plan's %v", kind, seen, want)
		}
	}

	// The media server refuses a segment request that carries no cookies, from Go and from
	// the page.
	seg := p.URL + "/assets/" + id + "/index_0_00001.m4s"
	resp, err := http.Get(seg)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET %s without cookies: %d, want 403", seg, resp.StatusCode)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("fetch(%q, {credentials: 'omit', cache: 'no-store'}).then(r => r.status)", seg), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusForbidden {
		t.Errorf("the page's fetch of a segment without cookies: %d, want 403", status)
	}

	pid := uploaded(t, ctx, portrait, 1)
	pwant := planned(t, pipeline.Source{Width: 540, Height: 960, FrameRate: 24})
	if got := sizes(p.asset(t, pid).Renditions); !slices.Equal(got, pwant) {
		t.Errorf("catalog renditions %v, want the plan's %v", got, pwant)
	}
	for _, kind := range []string{"hls", "dash"} {
		if seen := plays(t, ctx, pid, kind); !sameSet(seen, pwant) {
			t.Errorf("%s player sees renditions %v, want the plan's %v", kind, seen, pwant)
		}
	}
}

// planned is the sizes of the renditions the stack's ladder plans for src.
func planned(t *testing.T, src pipeline.Source) []string {
	t.Helper()
	plan, err := pipeline.PlanLadder(src, settings.Ladder)
	if err != nil {
		t.Fatal(err)
	}
	return sizes(plan.Renditions)
}

func sizes(rs []pipeline.Rendition) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%dx%d", r.Width, r.Height))
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// BenchmarkUploadToPlayable is upload to ready of the 10 s 1080p source through the platform's
// API (upload, ingest, plan, ffmpeg, complete), with ffmpeg's CPU time for it.
//
//	go test -run '^$' -bench UploadToPlayable -benchtime 1x ./functions/local/browser
func BenchmarkUploadToPlayable(b *testing.B) {
	src := testmedia.Path(b, testmedia.Landscape1080p10s)
	p := startPlatform(b)
	var cpu float64
	for b.Loop() {
		a, err := p.IngestFile(context.Background(), src, "acme")
		if err != nil {
			b.Fatal(err)
		}
		if a.Status != pipeline.StatusReady {
			b.Fatalf("asset %s ended %s: %s", a.ID, a.Status, a.FailureMessage)
		}
		b.StopTimer()
		st, err := ffmpeg.JobStats(p.ffmpegWorkDir(), a.JobID)
		if err != nil {
			b.Fatal(err)
		}
		cpu += st.CPU.Seconds()
		b.StartTimer()
	}
	b.ReportMetric(cpu/float64(b.N), "ffmpeg-cpu-s/op")
}
