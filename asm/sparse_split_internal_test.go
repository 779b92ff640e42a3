package asm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSplitF16Act checks the split form: per 32 values the even then the
// odd positions, times 2^64 (its panics are in TestSparsePanics).
func TestSplitF16Act(t *testing.T) {
	x := make([]float32, 64)
	for i := range x {
		x[i] = float32(i) - 20.5
	}
	dst := make([]float32, 64)
	SplitF16Act(dst, x)
	for b := 0; b < 64; b += 32 {
		for i := range 16 {
			if dst[b+i] != x[b+2*i]*0x1p64 || dst[b+16+i] != x[b+2*i+1]*0x1p64 {
				t.Fatalf("block %d lane %d: %v, %v from %v, %v", b/32, i, dst[b+i], dst[b+16+i], x[b+2*i], x[b+2*i+1])
			}
		}
	}
}

// TestBitmaskF16Split runs the bitmask-f16 GEMV with split activations on a
// matrix whose row blocks 2 and 5 hold a subnormal half: the packer must
// flag exactly those, MulBitmaskF16 must give them to the plain kernel and
// the rest to the split one, and every path (each implementation's split
// kernel called directly, too) must match a float64 oracle.
func TestBitmaskF16Split(t *testing.T) {
	const rows, cols = 23, 160 // 6 row blocks, the last partial
	r := rand.New(rand.NewPCG(4, 5))
	w := make([]float32, rows*cols)
	for i := range w {
		if r.Float64() < 0.35 {
			w[i] = F16ToF32(F32ToF16(float32(r.NormFloat64())))
		}
	}
	for i := range w {
		if w[i] != 0 && math.Abs(float64(w[i])) < 0x1p-14 {
			w[i] = 0.5 // keep subnormals to the two planted below
		}
	}
	w[9*cols+77] = F16ToF32(0x0123)   // row block 2
	w[21*cols+150] = F16ToF32(0x8007) // row block 5
	w[22*cols+3] = -F16ToF32(0x0001)  // row block 5 (the partial one)
	m := PackBitmaskF16(w, rows, cols)
	var sub []int
	for rb := range (rows + 3) / 4 {
		if m.kindOf(rb) == bmSubnormal {
			sub = append(sub, rb)
		}
	}
	if !slices.Equal(sub, []int{2, 5}) {
		t.Fatalf("row blocks flagged subnormal: %v, want [2 5]", sub)
	}

	const n = 3
	x := make([]float32, n*cols)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 4)
	}
	xs := make([]float32, len(x))
	SplitF16Act(xs, x)
	check := func(name string, got []float32, t0, row int) {
		t.Helper()
		var want, abs float64
		for c := range cols {
			p := float64(w[row*cols+c]) * float64(x[t0*cols+c])
			want += p
			abs += math.Abs(p)
		}
		if math.Abs(float64(got[row])-want) > 1e-5*abs+1e-30 {
			t.Errorf("%s: token %d row %d = %v, want %v", name, t0, row, got[row], want)
		}
	}
	for _, im := range Impls() {
		for _, split := range []bool{false, true} {
			dst := make([]float32, n*rows)
			var in []float32
			if split {
				in = xs
			}
			im.MulBitmaskF16(dst, rows, &m, 0, rows, x, F16Act{Split: in}, n, nil)
			for t0 := range n {
				for row := range rows {
					check(im.Name+"/MulBitmaskF16", dst[t0*rows:], t0, row)
				}
			}
		}
		if im.bmGemvF16s == nil {
			continue
		}
		// The split kernel itself, on the first two row blocks.
		ncb := cols / 32
		dst := make([]float32, 8)
		im.bmGemvF16s(dst, m.Masks[:2*ncb*4], m.Vals[:m.Offs[2]+SparsePad], xs[:cols])
		for row := range 8 {
			check(im.Name+"/bmGemvF16s", dst, 0, row)
		}
	}
}
