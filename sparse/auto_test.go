package sparse_test

import (
	"math"
	"testing"

	"github.com/sieve-llm/sieve/sparse"
)

func stats(rows, cols int, zeros float64, nm24 bool) sparse.RowStats {
	st := sparse.NewRowStats()
	row := make([]float32, cols)
	for r := range rows {
		for c := range row {
			row[c] = 1
			if nm24 && c%4 < 2 {
				row[c] = 0
			} else if !nm24 && float64((c*7+r)%100) < zeros*100 {
				row[c] = 0
			}
		}
		st.Add(row)
	}
	return st
}

func TestChoose(t *testing.T) {
	cases := []struct {
		cols  int
		zeros float64
		nm24  bool
		v     sparse.Values
		want  string
	}{
		{64, 0.7, false, sparse.ValuesFloat, "bitmask-f16"},
		{64, 0.45, false, sparse.ValuesFloat, "bitmask-f16"},
		{64, 0.3, false, sparse.ValuesFloat, ""},
		{64, 0.7, false, sparse.ValuesInt8, "bitmask-i8"},
		{64, 0.5, false, sparse.ValuesInt4, ""},
		{64, 0.7, false, sparse.ValuesInt4, "bitmask-i8"},
		{64, 0, true, sparse.ValuesFloat, "nm24-f16"},
		{64, 0, true, sparse.ValuesInt8, "nm24-i8"},
		{64, 0, true, sparse.ValuesInt4, ""},
		{48, 0.7, false, sparse.ValuesFloat, ""}, // cols not a multiple of 32
	}
	for _, c := range cases {
		st := stats(8, c.cols, c.zeros, c.nm24)
		if got := sparse.Choose(st, c.cols, c.v); got != c.want {
			t.Errorf("%d cols, %.0f%% zeros (measured %.2f), 2:4 %v, values %d: Choose = %q, want %q", c.cols, 100*c.zeros, st.Sparsity(), c.nm24, c.v, got, c.want)
		}
	}
	// Forced formats apply wherever the matrix can take them.
	dense := stats(8, 64, 0, false)
	if got := sparse.Policy("bitmask-i8").Pick(dense, 64, sparse.ValuesFloat); got != "bitmask-i8" {
		t.Errorf("forced bitmask-i8 on a dense matrix: %q", got)
	}
	if got := sparse.Policy("nm24-f16").Pick(dense, 64, sparse.ValuesFloat); got != "" {
		t.Errorf("forced nm24-f16 without the pattern: %q", got)
	}
	if got := sparse.PolicyDense.Pick(stats(8, 64, 0.9, false), 64, sparse.ValuesFloat); got != "" {
		t.Errorf("dense policy picked %q", got)
	}
}

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]sparse.Policy{"": "auto", "AUTO": "auto", "dense": "dense", "bitmask-f16": "bitmask-f16", "2:4": "nm24-f16", "2:4-i8": "nm24-i8"} {
		if got, err := sparse.ParsePolicy(in); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := sparse.ParsePolicy("csr"); err == nil {
		t.Error("ParsePolicy accepted csr")
	}
}

// A weight beyond what a format's values hold (or a NaN) keeps the matrix
// dense under auto, for the formats it does not fit only.
func TestChooseRange(t *testing.T) {
	for _, c := range []struct {
		big  float32
		v    sparse.Values
		want string
	}{
		{65504, sparse.ValuesFloat, "bitmask-f16"},
		{-65505, sparse.ValuesFloat, ""},
		{1e6, sparse.ValuesInt8, "bitmask-i8"},
		{-1e7, sparse.ValuesInt8, ""},
		{float32(math.Inf(1)), sparse.ValuesInt8, ""},
		{float32(math.NaN()), sparse.ValuesFloat, ""},
	} {
		st := sparse.NewRowStats()
		row := make([]float32, 64)
		row[5], row[40] = 0.5, c.big
		st.Add(row)
		if got := sparse.Choose(st, 64, c.v); got != c.want {
			t.Errorf("largest weight %v, values %v: Choose = %q, want %q", c.big, c.v, got, c.want)
		}
	}
	// More weights than 32-bit value offsets address.
	st := stats(4, 64, 0.7, false)
	st.Elements, st.Zeros = 1<<32, 3<<30
	if got := sparse.Choose(st, 64, sparse.ValuesFloat); got != "" {
		t.Errorf("2³² weights: Choose = %q, want dense", got)
	}
}
