package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Source is what the probe reads from: a random-access object of known size. The S3 adapter
// implements it with ranged GETs, so every ReadAt is a network round trip and the probe keeps
// their number small.
type Source interface {
	io.ReaderAt
	Size() int64
}

// FileSource returns a Source reading f. It stats f once; f must not grow or shrink while the
// probe runs.
func FileSource(f *os.File) (Source, error) {
	if f == nil {
		return nil, errors.New("probe: file source: nil file")
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("probe: file source %s: %w", f.Name(), err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("probe: file source %s: not a regular file", f.Name())
	}
	return fileSource{f: f, size: st.Size()}, nil
}

type fileSource struct {
	f    *os.File
	size int64
}

func (s fileSource) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }
func (s fileSource) Size() int64                             { return s.size }

// BytesSource returns a Source reading b. The probe never modifies b.
func BytesSource(b []byte) Source { return bytesSource(b) }

type bytesSource []byte

func (s bytesSource) Size() int64 { return int64(len(s)) }

func (s bytesSource) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("probe: bytes source: negative offset")
	}
	if off >= int64(len(s)) {
		return 0, io.EOF
	}
	n := copy(p, s[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readAhead is the smallest read the probe issues against the Source. Box and element headers
// are a few bytes each and usually sit close together, so one 64 KiB read answers many of them.
const readAhead = 64 << 10

// region is a byte range already fetched from the Source.
type region struct {
	off int64
	b   []byte
}

// reader fetches byte ranges from a Source through a cache, counts what it reads and refuses
// to read more than its budget. Everything it caches was counted against the budget, and a
// range stitched from a cached start and a fresh rest is at most copied once more, so the
// cache holds at most a small multiple of Limits.MaxBytes.
type reader struct {
	ctx     context.Context
	src     Source
	size    int64
	budget  int64
	read    int64
	regions []region
	boxes   int
	maxBox  int
}

// at returns n bytes at off. The slice aliases the cache and must not be modified. It returns
// ErrTruncated when the range extends past the end of the source.
func (r *reader) at(off int64, n int64) ([]byte, error) {
	if n < 0 || off < 0 {
		return nil, fmt.Errorf("%w: read of %d bytes at offset %d", ErrCorrupt, n, off)
	}
	if off > r.size || n > r.size-off {
		return nil, fmt.Errorf("%w: %d bytes at offset %d run past the end of the %d-byte object", ErrTruncated, n, off, r.size)
	}
	for _, rg := range r.regions {
		if off >= rg.off && off+n <= rg.off+int64(len(rg.b)) {
			return rg.b[off-rg.off : off-rg.off+n], nil
		}
	}
	for _, rg := range r.regions {
		if end := rg.off + int64(len(rg.b)); off >= rg.off && off < end {
			// The start is cached: fetch only the rest, as a tail read over a small object
			// or a head read grown past the first 64 KiB does.
			rest, err := r.at(end, off+n-end)
			if err != nil {
				return nil, err
			}
			b := make([]byte, 0, n)
			b = append(append(b, rg.b[off-rg.off:]...), rest...)
			r.regions = append(r.regions, region{off: off, b: b})
			return b, nil
		}
	}
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	want := n
	if want < readAhead {
		want = readAhead
	}
	if left := r.budget - r.read; want > left {
		want = left
	}
	if want > r.size-off {
		want = r.size - off
	}
	if want < n {
		return nil, fmt.Errorf("%w: reading %d bytes at offset %d would exceed the %d-byte read budget", ErrLimitExceeded, n, off, r.budget)
	}
	b := make([]byte, want)
	got, err := r.src.ReadAt(b, off)
	r.read += int64(got)
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: source returned %d of %d bytes at offset %d", ErrTruncated, got, n, off)
		}
		return nil, fmt.Errorf("read %d bytes at offset %d: %w", n, off, err)
	}
	b = b[:got]
	r.regions = append(r.regions, region{off: off, b: b})
	return b[:n], nil
}

// upTo returns at most n bytes at off, fewer when the source ends first.
func (r *reader) upTo(off, n int64) ([]byte, error) {
	if off >= r.size {
		return nil, nil
	}
	if n > r.size-off {
		n = r.size - off
	}
	return r.at(off, n)
}

// countBox charges one box or element against Limits.MaxBoxes.
func (r *reader) countBox(what string, off int64) error {
	r.boxes++
	if r.boxes > r.maxBox {
		return fmt.Errorf("%w: more than %d boxes or elements (at %s, offset %d)", ErrLimitExceeded, r.maxBox, what, off)
	}
	return nil
}
