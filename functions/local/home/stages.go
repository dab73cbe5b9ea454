package home

import (
	"github.com/ottkit/ottkit/functions/stages/api"
	"github.com/ottkit/ottkit/functions/stages/complete"
	"github.com/ottkit/ottkit/functions/stages/ingest"
	"github.com/ottkit/ottkit/functions/stages/transcode"
)

// DefaultStages builds the four cloud-neutral stages over the platform's ports, with the
// stack's settings: the same decisions the Lambda functions make.
func DefaultStages(p Ports) (Stages, error) {
	s := p.Settings
	in := ingest.New(ingest.Config{IngestBucket: IngestBucket, MastersBucket: MastersBucket,
		MaxDuration: s.MaxDuration, MaxUploadBytes: s.MaxUploadBytes}, p.Store, p.Catalog, p.Transcode, p.Log)
	tr := transcode.New(transcode.Config{Ladder: s.Ladder}, p.Catalog, p.Transcoder, p.Notifier, p.Log)
	co := complete.New(complete.Config{DeliveryBucket: DeliveryBucket, MastersBucket: MastersBucket,
		ArchiveStorageClass: s.ArchiveClass, MaxRetries: s.MaxRetries}, p.Catalog, p.Store, p.Retry, p.Notifier, p.Log)
	ap := api.New(api.Config{IngestBucket: IngestBucket, PlaybackDomain: p.PlaybackDomain,
		PlaybackTTL: s.PlaybackTTL, UploadTTL: s.UploadTTL, MaxUploadBytes: s.MaxUploadBytes}, p.Uploads, p.Catalog, p.Playback, p.Log)
	return Stages{Ingest: in.Handle, Transcode: tr.HandleMessage, Complete: co.Handle, API: serveAPI(ap)}, nil
}
