package policies

import (
	"context"
	"reflect"
	"sync"
	"testing"
)

// TestEvaluateConcurrently shares one Evaluator between goroutines, as `ottkit plan --all`
// could, and expects each to get the sequential result.
func TestEvaluateConcurrently(t *testing.T) {
	e, err := mustPack(t).Prepare(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := resourcesOf(t, fixture(t, "stack_deny_s3_encryption_kms", "fail"))
	want, err := e.Evaluate(context.Background(), "", rs)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.Evaluate(context.Background(), "", rs)
			if err != nil {
				t.Error(err)
				return
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("concurrent evaluation: got %v, want %v", got, want)
			}
		}()
	}
	wg.Wait()
}
