package pipeline

import (
	"slices"
	"testing"
	"time"
)

func TestCanMoveToEveryPair(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusUploaded, StatusRejected}:    true,
		{StatusUploaded, StatusQueued}:      true,
		{StatusQueued, StatusTranscoding}:   true,
		{StatusQueued, StatusFailed}:        true,
		{StatusTranscoding, StatusReady}:    true,
		{StatusTranscoding, StatusFailed}:   true,
		{StatusTranscoding, StatusRetrying}: true,
		{StatusRetrying, StatusTranscoding}: true,
		{StatusRetrying, StatusFailed}:      true,
	}
	all := slices.Concat(Statuses, []Status{"", "deleted"})
	for _, from := range all {
		for _, to := range all {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				want := allowed[[2]Status{from, to}]
				if got := from.CanMoveTo(to); got != want {
					t.Errorf("%q.CanMoveTo(%q) = %v, want %v", from, to, got, want)
				}
			})
		}
	}
}

func TestRankNeverFallsExceptRetry(t *testing.T) {
	for _, from := range Statuses {
		for _, to := range Statuses {
			if !from.CanMoveTo(to) {
				continue
			}
			if from == StatusTranscoding && to == StatusRetrying {
				if to.Rank() >= from.Rank() {
					t.Errorf("retry move rank %d -> %d; the doc says it is the one backward move", from.Rank(), to.Rank())
				}
				continue
			}
			if to.Rank() <= from.Rank() {
				t.Errorf("%s (rank %d) -> %s (rank %d) does not raise the rank", from, from.Rank(), to, to.Rank())
			}
		}
	}
}

func TestFinalStatuses(t *testing.T) {
	for _, s := range Statuses {
		final := s == StatusRejected || s == StatusReady || s == StatusFailed
		if got := s.Final(); got != final {
			t.Errorf("%s.Final() = %v, want %v", s, got, final)
		}
		for _, next := range Statuses {
			if s.Final() && s.CanMoveTo(next) {
				t.Errorf("final %s can move to %s", s, next)
			}
		}
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range Statuses {
		got, err := ParseStatus(string(s))
		if err != nil || got != s {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q, nil", s, got, err, s)
		}
	}
	for _, bad := range []string{"", "READY", "done"} {
		if _, err := ParseStatus(bad); err == nil {
			t.Errorf("ParseStatus(%q) succeeded, want error", bad)
		}
	}
}

// TestJobEventSequences replays job event streams, including duplicates, reordering and a
// previous attempt's late events, and checks where the asset ends up.
func TestJobEventSequences(t *testing.T) {
	type event struct {
		job  string
		next Status
	}
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		events       []event
		wantStatus   Status
		wantChanges  int
		wantAttempts int
	}{
		{"in order", []event{{"j1", StatusTranscoding}, {"j1", StatusReady}}, StatusReady, 1, 1},
		{"duplicate complete", []event{{"j1", StatusReady}, {"j1", StatusReady}}, StatusReady, 1, 1},
		{"progress after complete", []event{{"j1", StatusReady}, {"j1", StatusTranscoding}}, StatusReady, 1, 1},
		{"error after complete", []event{{"j1", StatusReady}, {"j1", StatusFailed}}, StatusReady, 1, 1},
		{"complete after error", []event{{"j1", StatusFailed}, {"j1", StatusReady}}, StatusFailed, 1, 1},
		{"other job", []event{{"j9", StatusReady}}, StatusTranscoding, 0, 1},
		{"empty job id", []event{{"", StatusReady}}, StatusTranscoding, 0, 1},
		{"retryable error", []event{{"j1", StatusRetrying}, {"j1", StatusRetrying}}, StatusRetrying, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Asset{ID: "a", Status: StatusQueued}
			if !a.StartJob("j1", t0) {
				t.Fatal("StartJob from queued refused")
			}
			changes := 0
			for i, ev := range tt.events {
				if a.ApplyJobEvent(ev.job, ev.next, t0.Add(time.Duration(i+1)*time.Minute)) {
					changes++
				}
			}
			if a.Status != tt.wantStatus || changes != tt.wantChanges || a.Attempts != tt.wantAttempts {
				t.Errorf("status %s, %d changes, %d attempts; want %s, %d, %d",
					a.Status, changes, a.Attempts, tt.wantStatus, tt.wantChanges, tt.wantAttempts)
			}
		})
	}
}

func TestRetryIgnoresPreviousAttempt(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	a := &Asset{ID: "a", Status: StatusQueued, FailureCode: "old"}
	a.StartJob("j1", now)
	if a.FailureCode != "" {
		t.Errorf("StartJob kept failure code %q", a.FailureCode)
	}
	a.ApplyJobEvent("j1", StatusRetrying, now)
	a.FailureCode = "1517"
	if !a.StartJob("j2", now.Add(time.Minute)) {
		t.Fatal("StartJob from retrying refused")
	}
	if a.Attempts != 2 || a.JobID != "j2" || a.FailureCode != "" {
		t.Fatalf("after resubmission: attempts %d, job %q, failure %q; want 2, j2, empty", a.Attempts, a.JobID, a.FailureCode)
	}
	// The first job's late error must not send the second attempt back to retrying.
	if a.ApplyJobEvent("j1", StatusRetrying, now.Add(2*time.Minute)) || a.Status != StatusTranscoding {
		t.Errorf("stale event changed the asset to %s", a.Status)
	}
	if a.StartJob("j3", now) {
		t.Error("StartJob while transcoding succeeded; want a duplicate submission refused")
	}
	if !a.ApplyJobEvent("j2", StatusReady, now.Add(3*time.Minute)) || a.Status != StatusReady {
		t.Errorf("current job's completion gave %s, want ready", a.Status)
	}
	if want := now.Add(3 * time.Minute); !a.UpdatedAt.Equal(want) {
		t.Errorf("UpdatedAt %v, want %v", a.UpdatedAt, want)
	}
}

func TestAdvanceRefusalLeavesAssetUnchanged(t *testing.T) {
	then := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := Asset{Status: StatusReady, UpdatedAt: then, Attempts: 1}
	before := a
	if a.Advance(StatusTranscoding, then.Add(time.Hour)) {
		t.Fatal("ready -> transcoding allowed")
	}
	if a.Status != before.Status || !a.UpdatedAt.Equal(before.UpdatedAt) || a.Attempts != before.Attempts {
		t.Errorf("refused Advance changed the asset: %+v, want %+v", a, before)
	}
}
