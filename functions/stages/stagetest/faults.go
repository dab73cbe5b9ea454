package stagetest

import (
	"errors"
	"sync"
)

// ErrInjected is the error a fake returns for a call a test made fail with Faults.Fail.
var ErrInjected = errors.New("stagetest: injected failure")

// Faults makes the next calls of named methods fail. The zero value injects nothing.
type Faults struct {
	mu      sync.Mutex
	pending map[string]int
}

// Fail makes the next n calls of method (for example "Copy" or "Send") return ErrInjected.
func (f *Faults) Fail(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending == nil {
		f.pending = map[string]int{}
	}
	f.pending[method] += n
}

// take reports the injected error for this call of method, if one is pending.
func (f *Faults) take(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending[method] > 0 {
		f.pending[method]--
		return ErrInjected
	}
	return nil
}
