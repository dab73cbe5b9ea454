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

// TestPlaysInChromium uploads a 10 s 1080p file and a portrait one without audio through the
// web page, and plays each with hls.js and dash.js.
func TestPlaysInChromium(t *testing.T) {
	landscape := testmedia.Path(t, testmedia.Landscape1080p10s)
	portrait := testmedia.Path(t, testmedia.PortraitNoAudio)
	p := startPlatform(t)
	ctx := browse(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(p.url+"/#token=dev")); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	id := uploaded(t, ctx, landscape, 0)
	t.Logf("10 s 1080p source: upload to ready in %s (encode %s)", time.Since(start).Round(100*time.Millisecond), p.encodeTime(id).Round(100*time.Millisecond))
	want := sizes(p.plan(id).Renditions)
	if !slices.Equal(want, []string{"1920x1080", "1280x720", "854x480", "640x360"}) {
		t.Fatalf("plan for the 1080p source: %v", want)
	}
	for _, kind := range []string{"hls", "dash"} {
		seen := plays(t, ctx, id, kind)
		slices.Sort(seen)
		sorted := slices.Clone(want)
		slices.Sort(sorted)
		if !slices.Equal(seen, sorted) {
			t.Errorf("%s player sees renditions %v, want the plan's %v", kind, seen, want)
		}
	}

	// The media server refuses a segment request that carries no cookies.
	seg := p.url + "/assets/" + id + "/index_0_00001.m4s"
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
	pplan := p.plan(pid)
	pwant := sizes(pplan.Renditions)
	if pplan.Audio || len(pplan.Renditions) < 2 || pplan.Renditions[0].Width >= pplan.Renditions[0].Height {
		t.Fatalf("plan for the portrait source without audio: %s", pplan)
	}
	for _, kind := range []string{"hls", "dash"} {
		seen := plays(t, ctx, pid, kind)
		slices.Sort(seen)
		sorted := slices.Clone(pwant)
		slices.Sort(sorted)
		if !slices.Equal(seen, sorted) {
			t.Errorf("%s player sees renditions %v, want the plan's %v", kind, seen, pwant)
		}
	}
}
