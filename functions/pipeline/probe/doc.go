// Package probe identifies an uploaded media object's container from its first bytes and
// reads the metadata ingest needs — duration, video codec, size, rotation, frame rate, audio
// and caption tracks — with a few bounded, ranged reads. It never downloads the object: it
// seeks over media data and reads only headers, so a 10 GiB MP4 whose moov sits at the end
// costs two reads of about 64 KiB each.
//
// It reads MP4 and QuickTime (ISO BMFF), Matroska and WebM, MPEG transport streams, and the
// header metadata of MXF, with its own small box, EBML and KLV readers. Every reader is
// bounded: a limit on bytes read (Limits.MaxBytes, 4 MiB by default), on boxes visited
// (Limits.MaxBoxes) and on nesting depth, and no allocation follows a size taken from the
// object without a cap. Hostile input yields an error, never a panic.
//
// Errors are sentinels to test with errors.Is: ErrEmpty, ErrNotVideo (Info.MIME then names
// what the object is, e.g. image/png), ErrTruncated, ErrCorrupt, ErrNoVideoTrack,
// ErrUnsupportedContainer and ErrLimitExceeded.
package probe
