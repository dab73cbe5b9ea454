package notify_test

import (
	"log/slog"
	"sync"
	"testing"

	"io"

	"github.com/ottkit/ottkit/functions/local/notify"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func TestNotifierContract(t *testing.T) {
	stagetest.NotifierContract(t, func(t *testing.T) stagetest.NotifierFixture {
		topic := notify.New(slog.New(slog.NewTextHandler(io.Discard, nil)))
		var mu sync.Mutex
		var got []pipeline.Notification
		topic.Subscribe(func(n pipeline.Notification) { mu.Lock(); got = append(got, n); mu.Unlock() })
		return stagetest.NotifierFixture{Notifier: topic, Receive: func(t *testing.T) []pipeline.Notification {
			mu.Lock()
			defer mu.Unlock()
			out := got
			got = nil
			return out
		}}
	})
}
