//go:build race

package sparse_test

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// the SpMM scratch is sometimes allocated anew.
const raceEnabled = true
