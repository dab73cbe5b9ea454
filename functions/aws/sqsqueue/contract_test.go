package sqsqueue_test

import (
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func fixture(t *testing.T) stagetest.QueueFixture {
	env := awstest.NewEnv(t, nil)
	url := env.Queue(t, manifest.TranscodeQueue)
	return stagetest.QueueFixture{
		Queue: sqsqueue.New(env.SQS, url),
		Receive: func(t *testing.T) []string {
			var out []string
			for _, m := range env.Receive(t, url, 10) {
				out = append(out, *m.Body)
			}
			return out
		},
	}
}

// TestContract runs the suites every pipeline.Queue and pipeline.DelayedQueue pass against SQS
// on moto.
func TestContract(t *testing.T) {
	t.Run("Queue", func(t *testing.T) { stagetest.QueueContract(t, fixture) })
	t.Run("DelayedQueue", func(t *testing.T) { stagetest.DelayedQueueContract(t, fixture) })
}
