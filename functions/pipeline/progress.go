package pipeline

// Progress orders an asset's states along its life: Attempts*10 plus the status's phase,
// where the phase is Rank with retrying placed after transcoding (its attempt has ended) and
// the final statuses after both. Every move CanMoveTo allows increases it, including
// transcoding → retrying (same attempt, later phase) and retrying → transcoding (next
// attempt), which Rank alone does not order. A catalog refuses an update whose Progress is
// below the stored one, so a caller holding a stale copy cannot move an asset backwards.
func Progress(a *Asset) int {
	phase := a.Status.Rank()
	switch {
	case a.Status == StatusRetrying:
		phase = 3
	case a.Status.Final():
		phase = 4
	}
	return a.Attempts*10 + phase
}
