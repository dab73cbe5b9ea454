package pipeline

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"testing"
	"time"
)

// TestAssetIDGolden pins AssetID: changing it would orphan every stored asset and break
// viewers' links, so these values must never change.
func TestAssetIDGolden(t *testing.T) {
	tests := []struct {
		bucket, key, version, want string
	}{
		{"ingest", "uploads/acme/u1/movie.mp4", "3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "wk7mu42i56ftier4jgm2w2xyewpato3d"},
		{"ingest", "uploads/acme/u1/movie.mp4", "", "7jbyqbksf5nuhbcqlvytcxvhgchnuddm"},
		{"", "", "", "twii5t5wwjln56futj6fattmrcoewdsb"},
		{"a", "bc", "", "otzn76imc26xlz2ovcvzhyhwqn2uwsxf"},
		{"ab", "c", "", "kkhjgfdfxnilk7ztl6hupn4kjy5c52fr"},
	}
	for _, tt := range tests {
		t.Run(tt.bucket+"/"+tt.key+"@"+tt.version, func(t *testing.T) {
			if got := AssetID(tt.bucket, tt.key, tt.version); got != tt.want {
				t.Errorf("AssetID(%q, %q, %q) = %q, want %q", tt.bucket, tt.key, tt.version, got, tt.want)
			}
		})
	}
}

func TestAssetIDShape(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z2-7]{32}$`)
	seen := map[string]string{}
	for _, in := range [][3]string{{"a", "bc", ""}, {"ab", "c", ""}, {"a", "b", "c"}, {"a", "", "bc"}, {"b", "k", "v1"}, {"b", "k", "v2"}} {
		id := AssetID(in[0], in[1], in[2])
		if !shape.MatchString(id) {
			t.Errorf("AssetID%q = %q, not 32 lower base32 characters", in, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("AssetID%q = AssetID%s = %q; fields must not run into each other", in, prev, id)
		}
		seen[id] = "(" + in[0] + "," + in[1] + "," + in[2] + ")"
	}
}

func TestIndexKeySortsByTime(t *testing.T) {
	base := time.Date(2026, 11, 21, 9, 0, 5, 0, time.UTC)
	times := []time.Time{base.Add(500 * time.Millisecond), base, base.Add(-time.Second), base.Add(time.Millisecond)}
	var keys []string
	for _, tm := range times {
		a := Asset{Status: StatusReady, CreatedAt: tm.In(time.FixedZone("x", 3600))}
		keys = append(keys, a.IndexKey())
	}
	sort.Strings(keys)
	want := []string{
		"ready#2026-11-21T09:00:04.000Z",
		"ready#2026-11-21T09:00:05.000Z",
		"ready#2026-11-21T09:00:05.001Z",
		"ready#2026-11-21T09:00:05.500Z",
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("sorted index keys %q, want %q", keys, want)
	}
}

func TestAssetJSONRoundTrip(t *testing.T) {
	a := Asset{
		ID: AssetID("b", "k", "v"), Tenant: "acme",
		Source: Object{Bucket: "b", Key: "k", VersionID: "v", Size: 42, ETag: `"e"`},
		Status: StatusReady,
		Probe: &ProbeSummary{Container: "mp4", Duration: 90 * time.Second, DurationSeconds: 90, Width: 1920, Height: 1080,
			Codec: "h264", FrameRate: 25, AudioTracks: 1, Captions: []Caption{{Codec: "c608", Language: "eng", Track: 2}}},
		Renditions: []Rendition{{Width: 1280, Height: 720, MaxBitrate: 3_500_000}},
		HLS:        "assets/x/index.m3u8", DASH: "assets/x/index.mpd",
		JobID: "j", Attempts: 1,
		CreatedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 21, 9, 5, 0, 0, time.UTC),
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Asset
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, a) {
		t.Errorf("round trip gave %+v, want %+v", back, a)
	}
	var fields map[string]any
	json.Unmarshal(data, &fields)
	for _, k := range []string{"assetId", "tenant", "status", "source", "createdAt", "updatedAt", "jobId"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, data)
		}
	}
	for _, k := range []string{"poster", "thumbnails", "failureCode"} {
		if _, ok := fields[k]; ok {
			t.Errorf("JSON has empty %q; optional fields must be omitted: %s", k, data)
		}
	}
}

// TestTagsAgree keeps the JSON and DynamoDB attribute names identical, so the API and the
// table never disagree about a field's name.
func TestTagsAgree(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[Asset](), reflect.TypeFor[Object](), reflect.TypeFor[ProbeSummary](), reflect.TypeFor[Caption](), reflect.TypeFor[Rendition]()} {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if j, d := f.Tag.Get("json"), f.Tag.Get("dynamodbav"); j != d {
				t.Errorf("%s.%s: json %q, dynamodbav %q", typ.Name(), f.Name, j, d)
			}
		}
	}
}

func TestNotificationFor(t *testing.T) {
	a := &Asset{ID: "i", Tenant: "t", Status: StatusFailed, FailureCode: "1010", FailureMessage: "bad input", HLS: "h"}
	got := NotificationFor(a)
	want := Notification{AssetID: "i", Tenant: "t", Status: StatusFailed, HLS: "h", FailureCode: "1010", FailureMessage: "bad input"}
	if got != want {
		t.Errorf("NotificationFor = %+v, want %+v", got, want)
	}
}
