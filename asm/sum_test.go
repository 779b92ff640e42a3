package asm_test

import (
	"math"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

func TestSumF32(t *testing.T) {
	for _, im := range asm.Impls() {
		t.Run(im.Name, func(t *testing.T) {
			for _, n := range []int{0, 1, 7, 31, 32, 33, 63, 64, 65, 127, 1000, 4096 + 17, 1<<20 + 5, 1<<21 + 64} {
				for off := 0; off < 4; off++ {
					buf := make([]float32, n+off+8)
					for i := range buf {
						buf[i] = float32(math.NaN()) // guard band: must not be read
					}
					x := buf[off : off+n]
					var want, abs float64
					for i := range x {
						x[i] = float32(i%97) - 48.25
						want += float64(x[i])
						abs += math.Abs(float64(x[i]))
					}
					got := float64(im.SumF32(x))
					if math.Abs(got-want) > 1e-6*abs+1e-6 || math.IsNaN(got) {
						t.Fatalf("n=%d off=%d: %v, want %v", n, off, got, want)
					}
				}
			}
			x := make([]float32, 64)
			if allocs := testing.AllocsPerRun(10, func() { im.SumF32(x) }); allocs != 0 {
				t.Fatalf("%v allocations", allocs)
			}
		})
	}
}
