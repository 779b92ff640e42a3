package asm_test

import (
	"fmt"
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
				x, buf := guardedF32(n, off)
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
				checkGuards(t, fmt.Sprintf("%s ExpSum n=%d off=%d", im.Name, n, off), buf, off, n)
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

// siluWant is g/(1+e^−g)·u in float64.
func siluWant(g, u float32) float64 {
	return float64(g) / (1 + math.Exp(-float64(g))) * float64(u)
}

// TestSiluMul checks every implementation against float64 over every tail
// length and offset, with arguments spanning the clamps, and that nothing
// outside g changes.
func TestSiluMul(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := []float32{0, -0.0, 1e-30, -1e-30, 86, -86, 88, -88, 89, -89, 100, -100, 1e30, -1e30}
	for _, im := range asm.Impls() {
		for n := 0; n <= 70; n++ {
			for off := 0; off < 3; off++ {
				g, buf := guardedF32(n, off)
				u := make([]float32, n+1)
				for i := range g {
					g[i] = float32(r.NormFloat64() * 4)
					if i%7 == 2 {
						g[i] = special[(i+n)%len(special)]
					}
					u[i] = float32(r.NormFloat64())
				}
				u[n] = float32(math.NaN()) // must not be read
				g0 := append([]float32(nil), g...)
				im.SiluMul(g, u)
				for i, v := range g {
					w := siluWant(g0[i], u[i])
					// A few ulps of the result, plus the rounding of e^−g
					// (its argument's magnitude × 2^-24, relative), plus
					// |g·u|·e^−88 for the clamp below g = −88.
					tol := (6e-7+math.Abs(float64(g0[i]))*1.2e-7)*math.Abs(w) + math.Abs(float64(g0[i])*float64(u[i]))*7e-39 + 1e-37
					if math.IsNaN(float64(v)) || math.Abs(float64(v)-w) > tol {
						t.Fatalf("%s n=%d off=%d: silu(%g)·%g = %g, want %g", im.Name, n, off, g0[i], u[i], v, w)
					}
				}
				checkGuards(t, fmt.Sprintf("%s SiluMul n=%d off=%d", im.Name, n, off), buf, off, n)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("short u: no panic")
		}
	}()
	asm.Ref().SiluMul(make([]float32, 4), make([]float32, 3))
}

func FuzzSiluMul(f *testing.F) {
	f.Add(float32(0.5), float32(-3), float32(-90), float32(1.5), uint8(9))
	f.Fuzz(func(t *testing.T, a, b, c, u0 float32, n uint8) {
		for _, v := range []float32{a, b, c, u0} {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return
			}
		}
		g := make([]float32, int(n)%40)
		u := make([]float32, len(g))
		for i := range g {
			g[i] = []float32{a, b, c}[i%3]
			u[i] = u0 * float32(1+i%2)
		}
		var want []float32
		for _, im := range asm.Impls() {
			y := append([]float32(nil), g...)
			im.SiluMul(y, u)
			if want == nil {
				want = y
				continue
			}
			for i := range y {
				tol := (6e-7+math.Abs(float64(g[i]))*1.2e-7)*math.Abs(float64(want[i])) + 1e-37
				if d := math.Abs(float64(y[i] - want[i])); !(d <= tol) {
					t.Fatalf("%s: silu(%g)·%g = %g, ref %g", im.Name, g[i], u[i], y[i], want[i])
				}
			}
		}
	})
}
