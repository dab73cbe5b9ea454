package snstopic_test

import (
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// TestContract runs the suite every pipeline.Notifier passes against SNS on moto, through an
// SQS subscription.
func TestContract(t *testing.T) {
	stagetest.NotifierContract(t, func(t *testing.T) stagetest.NotifierFixture {
		env := awstest.NewEnv(t, nil)
		arn, sub := env.Topic(t)
		return stagetest.NotifierFixture{
			Notifier: snstopic.New(env.SNS, arn),
			Receive:  func(t *testing.T) []pipeline.Notification { return env.Notifications(t, sub) },
		}
	})
}
