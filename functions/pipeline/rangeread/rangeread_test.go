package rangeread

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// store serves ranges of data, counting them; short cuts every body to that many bytes.
type store struct {
	data  []byte
	calls int
	short int
}

func (s *store) fetch(start, length int64) (io.ReadCloser, error) {
	s.calls++
	b := s.data[start : start+length]
	if s.short > 0 {
		b = b[:s.short]
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func TestReadAtCachesBlocks(t *testing.T) {
	data := make([]byte, 3*DefaultBlockSize+10)
	for i := range data {
		data[i] = byte(i)
	}
	s := &store{data: data}
	r := New("test: ranged read", int64(len(data)), s.fetch)
	p := make([]byte, 100)
	for range 3 { // the same head read three times: one request
		if n, err := r.ReadAt(p, 10); n != 100 || err != nil || !bytes.Equal(p, data[10:110]) {
			t.Fatalf("ReadAt = %d, %v", n, err)
		}
	}
	if s.calls != 1 || r.Stats().Requests != 1 || r.Stats().BytesRead != DefaultBlockSize {
		t.Errorf("%d calls, stats %+v; want one block read once", s.calls, r.Stats())
	}
	// A read past the end returns what there is and io.EOF.
	n, err := r.ReadAt(p, int64(len(data))-4)
	if n != 4 || !errors.Is(err, io.EOF) || !bytes.Equal(p[:4], data[len(data)-4:]) {
		t.Errorf("tail ReadAt = %d, %v", n, err)
	}
	if _, err := r.ReadAt(p, -1); err == nil {
		t.Error("a negative offset was read")
	}
}

func TestShortBodyIsAnError(t *testing.T) {
	s := &store{data: make([]byte, 1000), short: 10}
	r := New("test: ranged read", 1000, s.fetch)
	if _, err := r.ReadAt(make([]byte, 100), 0); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short body: %v, want io.ErrUnexpectedEOF", err)
	}
	if !errors.Is(r.Err(), io.ErrUnexpectedEOF) {
		t.Errorf("Err() = %v, want the read's error kept", r.Err())
	}
	if _, err := r.ReadAt(make([]byte, 1), 500); err == nil || s.calls != 1 {
		t.Errorf("a read after a failed one: %v after %d calls; want the kept error, no new request", err, s.calls)
	}
}
