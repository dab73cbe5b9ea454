package gcptest

import (
	"context"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// PubSub is Pub/Sub's pstest fake with a client of it.
type PubSub struct {
	Fake    *pstest.Server
	Client  *pubsub.Client
	Project string
}

// NewPubSub starts pstest with the named topics in project, and a client; both stop when
// the test ends. Extra gRPC dial options (a recording interceptor) apply to the client.
func NewPubSub(t testing.TB, project string, topics []string, dial ...grpc.DialOption) *PubSub {
	t.Helper()
	fake := pstest.NewServer()
	t.Cleanup(func() { fake.Close() })
	ctx := context.Background()
	opts := []option.ClientOption{
		option.WithEndpoint(fake.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
	for _, d := range dial {
		opts = append(opts, option.WithGRPCDialOption(d))
	}
	client, err := pubsub.NewClient(ctx, project, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	for _, topic := range topics {
		if _, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: TopicName(project, topic)}); err != nil {
			t.Fatal(err)
		}
	}
	return &PubSub{Fake: fake, Client: client, Project: project}
}

// TopicName is projects/<project>/topics/<topic>.
func TopicName(project, topic string) string { return "projects/" + project + "/topics/" + topic }
