package asm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// TestExpSum checks every implementation against math.Exp (relative error
// of each value, and of the sum) over every tail length and offset.
func TestExpSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, im := range asm.Impls() {
		for n := 0; n <= 70; n++ {
			for off := 0; off < 3; off++ {
				buf := make([]float32, n+off+8)
				for i := range buf {
					buf[i] = 777
				}
				x := buf[off : off+n]
				want := make([]float64, n)
				m := float32(r.NormFloat64() * 3)
				sc := []float32{1, 0.125, 0.37}[n%3]
				var wantSum float64
				for i := range x {
					x[i] = m - float32(r.ExpFloat64()*10/float64(sc)) // ≤ m, as in a softmax
					if i%11 == 3 {
						x[i] = m - 2000 // clamped far below
					}
					if i%13 == 5 {
						x[i] = m // the maximum itself
					}
					want[i] = math.Exp(float64(sc) * float64(x[i]-m))
					wantSum += want[i]
				}
				// The exponent is rounded to float32 first, which costs
				// about |exponent| × 2^-24 of relative error.
				arg := make([]float64, n)
				for i := range x {
					arg[i] = float64(sc) * float64(x[i]-m)
				}
				s := im.ExpSum(x, m, sc)
				for i, v := range x {
					got, w := float64(v), want[i]
					if math.Abs(got-w) > (4e-7+math.Abs(arg[i])*1.2e-7)*w+1e-37 {
						t.Fatalf("%s n=%d off=%d: e^%g = %g, want %g", im.Name, n, off, arg[i], got, w)
					}
				}
				if math.Abs(float64(s)-wantSum) > 1e-6*wantSum+1e-37 {
					t.Fatalf("%s n=%d: sum %g, want %g", im.Name, n, s, wantSum)
				}
				for i := off + n; i < len(buf); i++ {
					if buf[i] != 777 {
						t.Fatalf("%s n=%d: wrote past the end", im.Name, n)
					}
				}
				for i := 0; i < off; i++ {
					if buf[i] != 777 {
						t.Fatalf("%s n=%d: wrote before the start", im.Name, n)
					}
				}
			}
		}
	}
}

func FuzzExpSum(f *testing.F) {
	f.Add(float32(0.5), float32(-3), float32(-90), uint8(9))
	f.Fuzz(func(t *testing.T, a, b, c float32, n uint8) {
		if math.IsNaN(float64(a+b+c)) || math.IsInf(float64(a+b+c), 0) {
			return
		}
		x := make([]float32, int(n)%40)
		for i := range x {
			x[i] = []float32{a, b, c}[i%3]
		}
		m := max(a, b, c)
		if len(x) == 0 {
			return
		}
		var want []float32
		for _, im := range asm.Impls() {
			y := append([]float32(nil), x...)
			im.ExpSum(y, m, 0.5)
			if want == nil {
				want = y
				continue
			}
			for i := range y {
				e := math.Abs(float64(x[i]-m) * 0.5)
				if d := math.Abs(float64(y[i] - want[i])); d > (4e-7+e*1.2e-7)*float64(want[i])+1e-37 {
					t.Fatalf("%s: e^%g = %g, ref %g", im.Name, x[i]-m, y[i], want[i])
				}
			}
		}
	})
}
