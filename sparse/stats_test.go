package sparse_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/sparse"
)

// TestRowStats checks the zero count and the 2:4 verdict against direct
// counting, over rows with ±0, NaN, 0–4 non-zeros per group and lengths
// that are not multiples of 4.
func TestRowStats(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	vals := []float32{float32(math.Copysign(0, -1)), float32(math.NaN()), 1e-40, -3}
	for trial := range 2000 {
		cols := 1 + r.IntN(40)
		rows := 1 + r.IntN(3)
		w := make([]float32, rows*cols)
		maxNZ := 1 + r.IntN(4) // per group of 4
		for i := range w {
			if r.IntN(4) < maxNZ {
				w[i] = vals[r.IntN(len(vals))]
			}
		}
		st := sparse.NewRowStats()
		var zeros int64
		for row := range rows {
			st.Add(w[row*cols : (row+1)*cols])
		}
		for _, v := range w {
			if v == 0 {
				zeros++
			}
		}
		nm24 := asm.IsNM24(w, rows, cols)
		var maxAbs float32
		nan := false
		for _, v := range w {
			nan = nan || v != v
			maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
		}
		if got := st.MaxAbs(); nan != (got != got) || !nan && got != maxAbs {
			t.Fatalf("trial %d (%v): MaxAbs = %v, want %v (NaN %v)", trial, w, got, maxAbs, nan)
		}
		if st.Elements != int64(len(w)) || st.Zeros != zeros || st.NM24 != nm24 {
			t.Fatalf("trial %d (%d×%d %v): got %d elements, %d zeros, NM24 %v; want %d, %d, %v",
				trial, rows, cols, w, st.Elements, st.Zeros, st.NM24, len(w), zeros, nm24)
		}
	}
}
