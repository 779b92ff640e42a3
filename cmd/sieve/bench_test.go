package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchLowMemoryMeasuresInGroups: when another copy of the weights
// would not fit (faked here), bench measures the variants loaded so far
// before loading the next, and still reports per test the variants in order
// with speedups against the first.
// A dense model in low memory: dense is measured in a group of its own and
// auto, which changes nothing, is skipped, leaving no second group (this
// used to index an empty group and panic).
func TestBenchLowMemorySkippedVariant(t *testing.T) {
	defer func(f func() (uint64, bool)) { availableMemory = f }(availableMemory)
	availableMemory = func() (uint64, bool) { return 1 << 20, true }
	out := filepath.Join(t.TempDir(), "d.gguf")
	if _, _, err := sieve(t, "synth", "-o", out, "--dim", "64", "--ffn", "128", "--layers", "1", "--heads", "2", "--vocab", "300", "--type", "F16"); err != nil {
		t.Fatal(err)
	}
	js, _, err := sieve(t, "bench", out, "-p", "8", "-n", "4", "-r", "1", "-o", "json", "--load", "read")
	if err != nil {
		t.Fatal(err)
	}
	var rows []benchRow
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Sparse != "dense" || rows[1].Sparse != "dense" || rows[0].Test != "pp8" || rows[1].Test != "tg4" {
		t.Errorf("rows %+v", rows)
	}
}

func TestBenchLowMemoryMeasuresInGroups(t *testing.T) {
	defer func(f func() (uint64, bool)) { availableMemory = f }(availableMemory)
	availableMemory = func() (uint64, bool) { return 1 << 20, true }
	out := filepath.Join(t.TempDir(), "s.gguf")
	if _, _, err := sieve(t, "synth", "-o", out, "--dim", "64", "--ffn", "128", "--layers", "1", "--heads", "2", "--vocab", "300", "--type", "F16", "--sparsity", "0.7"); err != nil {
		t.Fatal(err)
	}
	for _, load := range []string{"read", "mmap"} {
		js, stderr, err := sieve(t, "bench", out, "-p", "8", "-n", "4", "-r", "1", "-o", "json", "--load", load)
		if err != nil {
			t.Fatal(err)
		}
		var rows []benchRow
		if err := json.Unmarshal([]byte(js), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0].Sparse != "dense" || rows[1].Sparse != "auto" || rows[2].Sparse != "dense" || rows[3].Sparse != "auto" ||
			rows[0].Test != "pp8" || rows[1].Test != "pp8" || rows[2].Test != "tg4" || rows[0].Speedup != 1 || rows[2].Speedup != 1 || rows[1].Speedup <= 0 || rows[3].Speedup <= 0 {
			t.Errorf("--load %s: rows %+v", load, rows)
		}
		grouped := strings.Contains(stderr, "not enough free memory")
		if grouped != (load == "read") {
			t.Errorf("--load %s: grouped = %v\n%s", load, grouped, stderr)
		}
	}
}
