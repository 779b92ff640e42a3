package asm_test

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// impls returns every implementation to test. SIEVE_REQUIRE_KERNELS (a
// comma-separated list such as "avx2") turns a missing implementation into a
// failure instead of silently testing less.
func impls(t testing.TB) []*asm.Impl {
	t.Helper()
	for name := range strings.SplitSeq(os.Getenv("SIEVE_REQUIRE_KERNELS"), ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if _, err := asm.Lookup(name); err != nil {
			t.Fatalf("SIEVE_REQUIRE_KERNELS: %v", err)
		}
	}
	return asm.Impls()
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// Sentinels written around outputs (a NaN payload no kernel produces) and
// the number of guard elements on each side.
var sentinel = math.Float32frombits(0x7fc0dead)

const guardLen = 9

// guardedF32 returns a slice of n values starting off elements into a buffer
// whose remaining elements are sentinels, with cap == len.
func guardedF32(n, off int) (s, buf []float32) {
	buf = make([]float32, off+n+guardLen)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf[off : off+n : off+n], buf
}

func checkGuards(t testing.TB, name string, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && math.Float32bits(v) != math.Float32bits(sentinel) {
			t.Fatalf("%s: guard element %d (output is [%d,%d)) overwritten with %v", name, i, off, off+n, v)
		}
	}
}

// sizes sweeps every tail up to 4 vectors of 8 plus 3, then powers of two ±1.
func sizes(maxPow int) []int {
	var s []int
	for i := 0; i <= 4*8+3; i++ {
		s = append(s, i)
	}
	for p := 64; p <= 1<<maxPow; p *= 2 {
		s = append(s, p-1, p, p+1)
	}
	return s
}

func randF32(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func randF16(r *rand.Rand, n int) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		w[i] = asm.F32ToF16(float32(r.NormFloat64() * 0.5))
	}
	return w
}

// within reports whether got matches the float64 oracle want of a sum whose
// terms have absolute sum abs: |got−want| ≤ c·(k+4)·2⁻²⁴·abs + tiny floor.
func within(got float32, want, abs float64, k int) bool {
	const c = 2
	tol := c*float64(k+4)*0x1p-24*abs + 1e-30
	return math.Abs(float64(got)-want) <= tol
}

func checkUnchanged[T comparable](t testing.TB, name string, got, orig []T) {
	t.Helper()
	if !slices.Equal(got, orig) {
		t.Fatalf("%s: input modified", name)
	}
}
