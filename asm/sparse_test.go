package asm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// spFormat is one sparse format under test: a packer from float32 and the
// Mul entry point.
type spFormat struct {
	name string
	rb   int
	nm24 bool // needs the 2:4 pattern
	i8   bool // int8 values (Q8 activations for n < 4, and prefill where QuantizedI8Prefill)
	fix  bool // bitmask-f16 with fixed row blocks (int16 activations for n < 4 on those)
	pack func(w []float32, rows, cols int) spPacked
}

type spPacked interface {
	Dense() []float32
	Bytes() int64
	RowBlock() int
}

// spMul calls the format's entry point.
func spMul(im *asm.Impl, p spPacked, dst []float32, ldd, r0, r1 int, x []float32, a qact, n int, s *asm.SparseScratch) {
	switch m := p.(type) {
	case *asm.BitmaskF16:
		var xa asm.F16Act
		if n < 4 && a.xs != nil {
			xa = asm.F16Act{Split: a.xs[:n*m.Cols], Q: a.q16[:n*m.Cols], D: a.d16[:n*m.Cols/32]}
		}
		im.MulBitmaskF16(dst, ldd, m, r0, r1, x, xa, n, s)
	case *asm.BitmaskI8:
		im.MulBitmaskI8(dst, ldd, m, r0, r1, x, a.q, a.d, a.s, n, s)
	case *asm.NM24F16:
		im.MulNM24F16(dst, ldd, m, r0, r1, x, n, s)
	case *asm.NM24I8:
		im.MulNM24I8(dst, ldd, m, r0, r1, x, a.q, a.d, a.s, n, s)
	}
}

func spFormats() []spFormat {
	return []spFormat{
		{"bitmask-f16", 4, false, false, false, func(w []float32, r, c int) spPacked { m := asm.PackBitmaskF16(w, r, c); return &m }},
		{"bitmask-i8", 8, false, true, false, func(w []float32, r, c int) spPacked { m := asm.PackBitmaskI8(w, r, c); return &m }},
		{"nm24-f16", 8, true, false, false, func(w []float32, r, c int) spPacked { m := asm.PackNM24F16(w, r, c); return &m }},
		{"nm24-i8", 8, true, true, false, func(w []float32, r, c int) spPacked { m := asm.PackNM24I8(w, r, c); return &m }},
		{"bitmask-f16-fix", 4, false, false, true, func(w []float32, r, c int) spPacked {
			m := asm.PackBitmaskF16Fixed(fixable(w, r, c), r, c)
			return &m
		}},
	}
}

// fixable returns a copy of w whose row blocks (of 4 rows), except every
// third, have their magnitudes scaled by powers of two into [1/8, 1), so
// BitmaskF16.Fix converts them (halves stay halves; idempotent); the others
// keep spWeights' spread, mostly too wide for 16 bits.
func fixable(w []float32, rows, cols int) []float32 {
	w = slices.Clone(w)
	for r := range rows {
		if r/4%3 == 2 {
			continue
		}
		for c, v := range w[r*cols : (r+1)*cols] {
			if v != 0 && !math.IsInf(float64(v), 0) {
				m, e := math.Frexp(float64(v))
				w[r*cols+c] = float32(math.Ldexp(m, -((-e%3 + 3) % 3)))
			}
		}
	}
	return w
}

// spWeights returns rows×cols weights with exact zeros: a fraction density
// of non-zeros (for nm24, at most 2 of every 4, picking among the six 2-of-4
// patterns and fewer non-zeros at random), values exactly representable in
// half precision. Some rows are all zero, and the last column of row 0 is
// non-zero.
func spWeights(r *rand.Rand, rows, cols int, density float64, nm24 bool) []float32 {
	w := make([]float32, rows*cols)
	val := func() float32 { return asm.F16ToF32(asm.F32ToF16(float32(r.NormFloat64() * 0.5))) }
	for row := range rows {
		if r.IntN(7) == 0 {
			continue // all-zero row
		}
		for c := 0; c < cols; c++ {
			if nm24 {
				if c%4 != 0 {
					continue
				}
				// Two non-zeros with probability 2·density (one of the six
				// 2-of-4 patterns), else one or none.
				var pick []int
				switch u := r.Float64(); {
				case u < 2*density:
					a := r.IntN(4)
					pick = []int{a, (a + 1 + r.IntN(3)) % 4}
				case u < 0.5+density:
					pick = []int{r.IntN(4)}
				}
				for _, k := range pick {
					w[row*cols+c+k] = val()
				}
				continue
			}
			if r.Float64() < density {
				w[row*cols+c] = val()
			}
		}
	}
	if rows > 0 && cols > 0 && !nm24 {
		w[cols-1] = val()
	}
	return w
}

// spOracle computes Σ_c ŵ[r][c]·x̂_t[c] in float64 with its absolute sum,
// x̂ the dequantized Q8 activations for int8 formats on the GEMV path.
func spOracle(deq []float32, cols, row int, xt []float32, a qact, t int, useQ bool) (want, abs float64) {
	for c := range cols {
		xv := float64(xt[c])
		if useQ {
			xv = float64(a.q[t*cols+c]) * float64(a.d[t*cols/32+c/32])
		}
		p := float64(deq[row*cols+c]) * xv
		want += p
		abs += math.Abs(p)
	}
	return want, abs
}

// spOracle16 is spOracle with the int16 activations of fixed rows.
func spOracle16(deq []float32, cols, row int, a qact, t int) (want, abs float64) {
	for c := range cols {
		p := float64(deq[row*cols+c]) * float64(a.q16[t*cols+c]) * float64(a.d16[t*cols/32+c/32])
		want += p
		abs += math.Abs(p)
	}
	return want, abs
}

// checkSparse runs one format on one shape for every row split and compares
// every implementation with the float64 oracle, with guard bands around
// each output row and activations offset by off elements.
func checkSparse(t *testing.T, im *asm.Impl, f spFormat, seed uint64, rows, cols, n int, density float64, off int) {
	t.Helper()
	r := newRand(seed)
	w := spWeights(r, rows, cols, density, f.nm24)
	p := f.pack(w, rows, cols)
	deq := p.Dense()
	xs := randActs(r, n, cols)
	xb := make([]float32, off+len(xs))
	x := xb[off:]
	copy(x, xs)
	a := quantize(asm.Ref(), x)
	name := fmt.Sprintf("%s/%s %d×%d n=%d density=%.2f off=%d seed=%d", im.Name, f.name, rows, cols, n, density, off, seed)
	// Row ranges: the whole matrix, and two halves split at a row block.
	split := rows / 2 / f.rb * f.rb
	ldd := rows + 3
	if n == 1 && seed%2 == 0 {
		ldd = 0
	}
	for _, rr := range [][2]int{{0, rows}, {0, split}, {split, rows}} {
		r0, r1 := rr[0], rr[1]
		buf := make([]float32, off+max(0, (n-1)*ldd+rows)+guardLen)
		for i := range buf {
			buf[i] = sentinel
		}
		dst := buf[off : len(buf)-guardLen]
		var s asm.SparseScratch
		spMul(im, p, dst, ldd, r0, r1, x, a, n, &s)
		checkUnchanged(t, name, x, xs)
		for i, v := range buf {
			inRange := i >= off && (i-off)%max(1, ldd) >= r0 && (i-off)%max(1, ldd) < r1 && (i-off)/max(1, ldd) < n
			if ldd == 0 {
				inRange = i >= off+r0 && i < off+r1
			}
			if !inRange && math.Float32bits(v) != math.Float32bits(sentinel) {
				t.Fatalf("%s rows [%d,%d): element %d outside the output overwritten with %v", name, r0, r1, i, v)
			}
		}
		for tk := range n {
			useQ := f.i8 && (n < 4 || im.QuantizedI8Prefill())
			for row := r0; row < r1; row++ {
				var want, abs float64
				if f.fix && n < 4 && p.(*asm.BitmaskF16).RowFixed(row) {
					want, abs = spOracle16(deq, cols, row, a, tk)
				} else {
					want, abs = spOracle(deq, cols, row, x[tk*cols:], a, tk, useQ)
				}
				got := dst[tk*ldd+row]
				if !within(got, want, abs, cols) {
					t.Fatalf("%s rows [%d,%d): dst[%d][%d] = %v, want %v (Σ|wx| %g)", name, r0, r1, tk, row, got, want, abs)
				}
			}
		}
	}
}

func TestSparseMul(t *testing.T) {
	densities := []float64{1, 0.9, 0.5, 0.3, 0.1, 0}
	for _, im := range impls(t) {
		for _, f := range spFormats() {
			t.Run(im.Name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				seed := uint64(1)
				// Every row tail up to 2 blocks of 8 + 3, several widths.
				for rows := 0; rows <= 19; rows++ {
					for _, cols := range []int{32, 64, 96, 160} {
						seed++
						checkSparse(t, im, f, seed, rows, cols, 1, densities[int(seed)%len(densities)], int(seed%4))
					}
				}
				for _, d := range densities {
					for _, n := range []int{1, 2, 3, 4, 5, 9, 33, 41} {
						seed++
						checkSparse(t, im, f, seed, 21, 256, n, d, int(seed%4))
					}
				}
				// More rows than one SpMM chunk, ending in a partial row block.
				seed++
				checkSparse(t, im, f, seed, 1034, 64, 9, 0.3, 3)
				if !testing.Short() {
					for _, d := range []float64{0.5, 0.3, 0.1} {
						seed++
						checkSparse(t, im, f, seed, 72, 2048, 1, d, 1)
						checkSparse(t, im, f, seed, 40, 1024, 35, d, 2)
					}
				}
			})
		}
	}
}

// TestNM24Patterns runs every 2-of-4 pattern (and the 1- and 0-non-zero
// groups) at every in-group position for every row of a row block.
func TestNM24Patterns(t *testing.T) {
	var pats [][]int
	for a := range 4 {
		for b := a + 1; b < 4; b++ {
			pats = append(pats, []int{a, b})
		}
		pats = append(pats, []int{a})
	}
	pats = append(pats, nil)
	if len(pats) != 11 {
		t.Fatalf("%d patterns", len(pats))
	}
	const rows, cols = 11, 32 * 11
	w := make([]float32, rows*cols)
	r := newRand(7)
	for row := range rows {
		for g := range cols / 4 {
			for _, k := range pats[(g+row)%len(pats)] {
				w[row*cols+4*g+k] = float32(1 + r.IntN(100))
			}
		}
	}
	x := randActs(r, 4, cols)
	a := quantize(asm.Ref(), x)
	for _, im := range impls(t) {
		for _, f := range spFormats()[2:] {
			p := f.pack(w, rows, cols)
			deq := p.Dense()
			for i, v := range w {
				if f.name == "nm24-f16" && deq[i] != v {
					t.Fatalf("%s: Dense()[%d] = %v, want %v", f.name, i, deq[i], v)
				}
			}
			for _, n := range []int{1, 4} {
				dst := make([]float32, n*rows)
				var s asm.SparseScratch
				spMul(im, p, dst, rows, 0, rows, x, a, n, &s)
				for tk := range n {
					for row := range rows {
						want, abs := spOracle(deq, cols, row, x[tk*cols:], a, tk, f.i8 && (n < 4 || im.QuantizedI8Prefill()))
						if got := dst[tk*rows+row]; !within(got, want, abs, cols) {
							t.Fatalf("%s/%s n=%d: dst[%d][%d] = %v, want %v", im.Name, f.name, n, tk, row, got, want)
						}
					}
				}
			}
		}
	}
}

// TestSparseRoundTrip checks Dense() against the packed input: exact for
// the half-precision formats, |ŵ − w| ≤ d/2 for int8 with d the f16 scale
// of the row's 32-column block (d ≥ absmax/127).
func TestSparseRoundTrip(t *testing.T) {
	r := newRand(11)
	const rows, cols = 13, 128
	for _, f := range spFormats() {
		for _, d := range []float64{1, 0.5, 0.3, 0.1} {
			w := spWeights(r, rows, cols, d, f.nm24)
			// Magnitudes over many binades, plus tiny and f16-subnormal ones.
			for i := range w {
				if w[i] != 0 {
					w[i] *= float32(math.Exp2(float64(r.IntN(30) - 20)))
					w[i] = asm.F16ToF32(asm.F32ToF16(w[i]))
				}
			}
			if f.fix {
				w = fixable(w, rows, cols)
			}
			deq := f.pack(w, rows, cols).Dense()
			for i, v := range w {
				if !f.i8 {
					if deq[i] != v {
						t.Fatalf("%s: Dense()[%d] = %v, want %v", f.name, i, deq[i], v)
					}
					continue
				}
				row, cb := i/cols, i%cols/32
				var amax float32
				for _, u := range w[row*cols+cb*32 : row*cols+cb*32+32] {
					amax = max(amax, float32(math.Abs(float64(u))))
				}
				scale := asm.F16ToF32(asm.F32ToF16(amax / 127))
				if scale < amax/127 {
					scale = asm.F16ToF32(asm.F32ToF16(amax/127) + 1)
				}
				if e := math.Abs(float64(deq[i]) - float64(v)); e > float64(scale)/2*(1+1e-6) || (v == 0 && deq[i] != 0) {
					t.Fatalf("%s: |ŵ−w| at %d = %g > d/2 = %g (w %g, ŵ %g)", f.name, i, e, scale/2, v, deq[i])
				}
			}
		}
	}
}

func TestSparseNoAllocs(t *testing.T) {
	r := newRand(5)
	const rows, cols = 21, 256
	for _, im := range impls(t) {
		for _, f := range spFormats() {
			p := f.pack(spWeights(r, rows, cols, 0.3, f.nm24), rows, cols)
			x := randActs(r, 40, cols)
			a := quantize(asm.Ref(), x)
			dst := make([]float32, 40*rows)
			var s asm.SparseScratch
			for _, n := range []int{1, 3, 40} {
				spMul(im, p, dst, rows, 0, rows, x, a, n, &s) // grow the scratch
				allocs := testing.AllocsPerRun(10, func() {
					spMul(im, p, dst, rows, 0, rows, x, a, n, &s)
					spMul(im, p, dst, rows, 16, 21, x, a, n, &s)
				})
				if allocs != 0 {
					t.Errorf("%s/%s n=%d: %v allocations", im.Name, f.name, n, allocs)
				}
			}
		}
	}
}

func TestSparsePanics(t *testing.T) {
	w := make([]float32, 8*64)
	w[5] = 1
	m := asm.PackBitmaskF16(w, 8, 64)
	mf := asm.PackBitmaskF16(w, 8, 64)
	if mf.Fix() != 2 {
		t.Fatal("Fix did not convert both row blocks")
	}
	x := make([]float32, 64)
	for name, fn := range map[string]func(){
		"short q16": func() {
			asm.Ref().MulBitmaskF16(make([]float32, 8), 8, &mf, 0, 8, x, asm.F16Act{Q: make([]int16, 32), D: make([]float32, 2)}, 1, nil)
		},
		"misaligned r0": func() { asm.Ref().MulBitmaskF16(make([]float32, 8), 8, &m, 2, 8, x, asm.F16Act{}, 1, nil) },
		"short x":       func() { asm.Ref().MulBitmaskF16(make([]float32, 8), 8, &m, 0, 8, x[:32], asm.F16Act{}, 1, nil) },
		"short dst":     func() { asm.Ref().MulBitmaskF16(make([]float32, 7), 8, &m, 0, 8, x, asm.F16Act{}, 1, nil) },
		"bad cols":      func() { asm.PackBitmaskF16(w, 16, 48) },
		"not 2:4":       func() { w[6], w[7] = 1, 1; asm.PackNM24F16(w, 8, 64) },
		"short xs":      func() { asm.Ref().MulBitmaskF16(make([]float32, 8), 8, &m, 0, 8, x, asm.F16Act{Split: x[:32]}, 1, nil) },
		"split len":     func() { asm.SplitF16Act(make([]float32, 64), x[:40]) },
		"split dst":     func() { asm.SplitF16Act(make([]float32, 32), x) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}
