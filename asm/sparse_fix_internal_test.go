package asm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBitmaskF16Fix builds row blocks at the edges of what fits 16 bits
// and checks which ones Fix converts, that the values stay exact, and that
// every implementation's GEMV (MulBitmaskF16 and the fixed kernel called
// directly) matches a float64 oracle on the int16 activations.
func TestBitmaskF16Fix(t *testing.T) {
	const rows, cols = 27, 96 // 7 row blocks, the last partial
	r := rand.New(rand.NewPCG(6, 7))
	w := make([]float32, rows*cols)
	set := func(row, col int, h uint16) { w[row*cols+col] = F16ToF32(h) }
	// Row block 0: magnitudes in [1/4, 1) at density 0.3 (fits).
	for i := range 4 * cols {
		if r.Float64() < 0.3 {
			w[i] = F16ToF32(F32ToF16(float32((0.25 + 0.75*r.Float64()) * float64(1-2*r.IntN(2)))))
		}
	}
	// Row block 1: 2047·2^-10 and 2^-14 in one row, 15 bits apart (fits:
	// q = 32752); row block 2 the same with 2^-15 (16 bits: does not).
	set(4, 0, 0x3fff)
	set(4, 70, 0x0400)
	set(9, 1, 0xbfff)
	set(9, 95, 0x0200)
	// Row block 3: subnormals, and a non-zero that is ±0 as a half (fits).
	set(12, 3, 0x0001)
	set(13, 40, 0x83ff)
	w[14*cols+5] = 1e-30 // mask bit set, value 0
	// Row block 4: two rows that fit on their own, with different scales.
	set(16, 2, 0x7bff) // 65504
	set(16, 3, 0x7000)
	set(17, 64, 0x0003)
	// Row block 5: empty. Row block 6 (rows 24..26): one wide row.
	set(25, 7, 0x7bff)
	set(25, 8, 0x0400)
	m := PackBitmaskF16(w, rows, cols)
	if m.kindOf(3) != bmSubnormal {
		t.Fatalf("row block 3 kind %d before Fix", m.kindOf(3))
	}
	if n := m.Fix(); n != 5 || m.FixedRowBlocks() != 5 {
		t.Fatalf("Fix converted %d (FixedRowBlocks %d) row blocks, want 5", n, m.FixedRowBlocks())
	}
	var fixed []int
	for rb := range 7 {
		if m.kindOf(rb) == bmFixed {
			fixed = append(fixed, rb)
		}
	}
	if !slices.Equal(fixed, []int{0, 1, 3, 4, 5}) || !m.HasHalves() {
		t.Fatalf("fixed row blocks %v (HasHalves %v), want [0 1 3 4 5] and true", fixed, m.HasHalves())
	}
	if got := int16(m.Vals[m.Offs[1]]); got != 32752 {
		t.Errorf("row block 1: q = %d, want 32752", got)
	}
	// Row 16 spans 3 binades, so its k is the smallest exponent's ulp (2^3);
	// row 1's rows span 14, measured exactly from the odd parts.
	if m.sc[16] != 0x1p3 || m.sc[17] != 0x1p-24 {
		t.Errorf("row block 4 scales %v, %v; want 2^3, 2^-24", m.sc[16], m.sc[17])
	}
	if m.Fix() != 0 {
		t.Error("second Fix converted row blocks")
	}
	if mf := PackBitmaskF16Fixed(w, rows, cols); !slices.Equal(mf.Vals, m.Vals) || !slices.Equal(mf.kind, m.kind) ||
		!slices.Equal(mf.sc, m.sc) || mf.nfix != m.nfix || !slices.Equal(mf.Masks, m.Masks) {
		t.Error("PackBitmaskF16Fixed differs from PackBitmaskF16 + Fix")
	}
	deq := m.Dense()
	for i, v := range w {
		if want := F16ToF32(F32ToF16(v)); deq[i] != want {
			t.Fatalf("Dense()[%d] = %v, want %v", i, deq[i], want)
		}
	}

	const n = 3
	x := make([]float32, n*cols)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
	}
	xq, xd := make([]int16, len(x)), make([]float32, len(x)/32)
	QuantizeI16(xq, xd, x)
	xs := make([]float32, len(x))
	SplitF16Act(xs, x)
	check := func(name string, got []float32, t0, row int) {
		t.Helper()
		var want, abs float64
		for c := range cols {
			xv := float64(x[t0*cols+c])
			if m.RowFixed(row) {
				xv = float64(xq[t0*cols+c]) * float64(xd[t0*cols/32+c/32])
			}
			p := float64(deq[row*cols+c]) * xv
			want += p
			abs += math.Abs(p)
		}
		if math.Abs(float64(got[row])-want) > 1e-5*abs+1e-30 {
			t.Errorf("%s: token %d row %d = %v, want %v", name, t0, row, got[row], want)
		}
	}
	for _, im := range Impls() {
		for _, xa := range []F16Act{{}, {Split: xs}, {Split: xs, Q: xq, D: xd}} {
			dst := make([]float32, n*rows)
			im.MulBitmaskF16(dst, rows, &m, 0, rows, x, xa, n, nil)
			for t0 := range n {
				for row := range rows {
					check(im.Name+"/MulBitmaskF16", dst[t0*rows:], t0, row)
				}
			}
		}
		if im.bmGemvI16 == nil {
			continue
		}
		// The fixed kernel itself, on row blocks 3..5.
		ncb := cols / 32
		dst := make([]float32, 24)
		im.bmGemvI16(dst[12:], m.Masks[3*ncb*4:6*ncb*4], m.Vals[m.Offs[3]:m.Offs[6]+SparsePad], m.sc[12:24], xq[:cols], xd[:ncb])
		for row := 12; row < 24; row++ {
			check(im.Name+"/bmGemvI16", dst, 0, row)
		}
	}
}

// TestQuantizeI16 checks known blocks: the largest magnitude maps to
// ±32767, halves round to even, and empty, tiny, infinite and NaN blocks.
func TestQuantizeI16(t *testing.T) {
	x := make([]float32, 5*32)
	x[0], x[1], x[2], x[3], x[4] = -32767, 0.5, 1.5, 2.5, -3.5
	x[32], x[33] = 1e-39, -1e-39 // 1/d overflows
	x[96], x[97] = float32(math.Inf(-1)), 2
	x[128], x[129] = float32(math.NaN()), 2
	q, d := make([]int16, len(x)), make([]float32, 5)
	QuantizeI16(q, d, x)
	if d[0] != 1 || !slices.Equal(q[:5], []int16{-32767, 0, 2, 2, -4}) {
		t.Errorf("block 0: d %v q %v", d[0], q[:5])
	}
	if d[1] != 0 || q[32] != 0 || q[33] != 0 || d[2] != 0 {
		t.Errorf("tiny and empty blocks: d %v %v, q %v %v", d[1], d[2], q[32], q[33])
	}
	if d[3] == d[3] || d[4] == d[4] {
		t.Errorf("infinite and NaN blocks: d %v %v, want NaN", d[3], d[4])
	}
	r := rand.New(rand.NewPCG(8, 9))
	for i := range x {
		x[i] = float32(r.NormFloat64() * math.Exp2(float64(r.IntN(40)-20)))
	}
	QuantizeI16(q, d, x)
	for i, v := range x {
		b := i / 32
		var amax float64
		for _, u := range x[b*32 : b*32+32] {
			amax = max(amax, math.Abs(float64(u)))
		}
		if e := math.Abs(float64(q[i])*float64(d[b]) - float64(v)); e > amax/32767*0.5001 || q[i] == -32768 {
			t.Fatalf("x[%d] = %v: q %d d %v, error %g", i, v, q[i], d[b], e)
		}
	}
	for name, fn := range map[string]func(){
		"len":   func() { QuantizeI16(q, d, x[:40]) },
		"short": func() { QuantizeI16(q[:32], d, x[:64]) },
		"d":     func() { QuantizeI16(q, d[:1], x[:64]) },
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
