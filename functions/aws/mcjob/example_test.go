package mcjob_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ottkit/ottkit/functions/aws/mcjob"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func ExampleBuild() {
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1280, Height: 720, Audio: true}, pipeline.LadderConfig{
		Rungs: []pipeline.Rung{{Height: 1080, MaxBitrate: 6_000_000}, {Height: 720, MaxBitrate: 3_500_000}, {Height: 360, MaxBitrate: 900_000}},
		Codec: pipeline.CodecH264,
	})
	if err != nil {
		panic(err)
	}
	job, err := mcjob.Build(mcjob.Input{
		AssetID: "k5m2", Tenant: "acme", Attempt: 1,
		SourceURI: "s3://masters/acme/k5m2/source.mp4", DeliveryBucket: "delivery",
		Plan: plan, Duration: 42 * time.Second,
		Queue:             "arn:aws:mediaconvert:eu-west-1:111122223333:queues/ottkit",
		Role:              "arn:aws:iam::111122223333:role/ottkit-mediaconvert",
		ThumbnailInterval: 10,
	})
	if err != nil {
		panic(err)
	}
	for _, g := range job.Settings.OutputGroups {
		fmt.Printf("%s: %d outputs\n", aws.ToString(g.Name), len(g.Outputs))
	}
	fmt.Println(aws.ToString(job.Settings.OutputGroups[0].OutputGroupSettings.CmafGroupSettings.Destination))
	fmt.Println(aws.ToString(job.ClientRequestToken))
	// Output:
	// HLS and DASH: 3 outputs
	// Thumbnails and poster: 1 outputs
	// s3://delivery/assets/k5m2/index
	// k5m2-1
}
