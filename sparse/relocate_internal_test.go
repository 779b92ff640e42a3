package sparse

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/sieve-llm/sieve/asm"
)

// TestRelocate moves every sparse format's arrays (plus a dense matrix,
// which stays) and checks that each array now starts 64-byte aligned in
// new memory with the same contents, and that the products are unchanged.
func TestRelocate(t *testing.T) {
	const rows, cols = 40, 256
	r := rand.New(rand.NewPCG(3, 4))
	w := make([]float32, rows*cols)
	for g := 0; g < len(w); g += 4 {
		a := r.IntN(4)
		w[g+a] = asm.F16ToF32(asm.F32ToF16(float32(r.NormFloat64())))
	}
	ctors := []func([]float32, int, int, *asm.Impl) (Matrix, error){NewBitmaskF16, NewBitmaskI8, NewNM24F16, NewNM24I8, NewF32}
	var ms []Matrix
	for _, c := range ctors {
		m, err := c(w, rows, cols, nil)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	x := make([]float32, 2*cols)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	mul := func() [][]float32 {
		var out [][]float32
		for _, m := range ms {
			var a Act
			a.Reset(x, 2, cols)
			a.Prepare(m.ActKinds(), nil)
			dst := make([]float32, 2*rows)
			m.MulRows(dst, rows, &a, 0, rows)
			out = append(out, dst)
		}
		return out
	}
	before := mul()
	bf, bi, nf, ni := ms[0].(*BitmaskF16), ms[1].(*BitmaskI8), ms[2].(*NM24F16), ms[3].(*NM24I8)
	arrs := []struct {
		name string
		get  func() (unsafe.Pointer, []byte)
	}{
		{"bitmask-f16 masks", func() (unsafe.Pointer, []byte) { return raw(bf.m.Masks) }},
		{"bitmask-f16 vals", func() (unsafe.Pointer, []byte) { return raw(bf.m.Vals) }},
		{"bitmask-i8 masks", func() (unsafe.Pointer, []byte) { return raw(bi.m.Masks) }},
		{"bitmask-i8 vals", func() (unsafe.Pointer, []byte) { return raw(bi.m.Vals) }},
		{"bitmask-i8 scales", func() (unsafe.Pointer, []byte) { return raw(bi.m.Scales) }},
		{"nm24-f16 vals", func() (unsafe.Pointer, []byte) { return raw(nf.m.Vals) }},
		{"nm24-f16 idx", func() (unsafe.Pointer, []byte) { return raw(nf.m.Idx) }},
		{"nm24-i8 vals", func() (unsafe.Pointer, []byte) { return raw(ni.m.Vals) }},
		{"nm24-i8 idx", func() (unsafe.Pointer, []byte) { return raw(ni.m.Idx) }},
		{"nm24-i8 scales", func() (unsafe.Pointer, []byte) { return raw(ni.m.Scales) }},
	}
	var ptrs []unsafe.Pointer
	var data [][]byte
	for _, a := range arrs {
		p, d := a.get()
		ptrs, data = append(ptrs, p), append(data, d)
	}
	Relocate(ms)
	for i, a := range arrs {
		p, d := a.get()
		if p == ptrs[i] || uintptr(p)%64 != 0 || !slices.Equal(d, data[i]) {
			t.Errorf("%s: at %p (was %p), same contents %v", a.name, p, ptrs[i], slices.Equal(d, data[i]))
		}
	}
	for i, got := range mul() {
		for j, v := range got {
			if math.Float32bits(v) != math.Float32bits(before[i][j]) {
				t.Fatalf("%s: output %d = %v after Relocate, %v before", ms[i].Format(), j, v, before[i][j])
			}
		}
	}
}

// raw returns where s starts and a copy of its bytes.
func raw[T any](s []T) (unsafe.Pointer, []byte) {
	var z T
	p := unsafe.Pointer(unsafe.SliceData(s))
	return p, slices.Clone(unsafe.Slice((*byte)(p), len(s)*int(unsafe.Sizeof(z))))
}
