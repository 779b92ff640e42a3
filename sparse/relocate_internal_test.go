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
	type arr struct {
		name string
		get  func() (unsafe.Pointer, []byte)
	}
	bytesOf := func(p unsafe.Pointer, n int) []byte { return slices.Clone(unsafe.Slice((*byte)(p), n)) }
	view := func(name string, p *[]uint32, q *[]uint16, b *[]int8, u *[]uint8) arr {
		return arr{name, func() (unsafe.Pointer, []byte) {
			switch {
			case p != nil:
				return unsafe.Pointer(unsafe.SliceData(*p)), bytesOf(unsafe.Pointer(unsafe.SliceData(*p)), 4*len(*p))
			case q != nil:
				return unsafe.Pointer(unsafe.SliceData(*q)), bytesOf(unsafe.Pointer(unsafe.SliceData(*q)), 2*len(*q))
			case b != nil:
				return unsafe.Pointer(unsafe.SliceData(*b)), bytesOf(unsafe.Pointer(unsafe.SliceData(*b)), len(*b))
			}
			return unsafe.Pointer(unsafe.SliceData(*u)), bytesOf(unsafe.Pointer(unsafe.SliceData(*u)), len(*u))
		}}
	}
	bf, bi, nf, ni := ms[0].(*BitmaskF16), ms[1].(*BitmaskI8), ms[2].(*NM24F16), ms[3].(*NM24I8)
	arrs := []arr{
		view("bitmask-f16 masks", &bf.m.Masks, nil, nil, nil), view("bitmask-f16 vals", nil, &bf.m.Vals, nil, nil),
		view("bitmask-i8 masks", &bi.m.Masks, nil, nil, nil), view("bitmask-i8 vals", nil, nil, &bi.m.Vals, nil),
		view("bitmask-i8 scales", nil, &bi.m.Scales, nil, nil), view("nm24-f16 vals", nil, &nf.m.Vals, nil, nil),
		view("nm24-f16 idx", &nf.m.Idx, nil, nil, nil), view("nm24-i8 vals", nil, nil, &ni.m.Vals, nil),
		view("nm24-i8 idx", nil, nil, nil, &ni.m.Idx), view("nm24-i8 scales", nil, &ni.m.Scales, nil, nil),
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
