//go:build unix

package asm_test

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"unsafe"

	"github.com/sieve-llm/sieve/asm"
)

// FuzzSparseMul diffs every implementation of every sparse format against
// the float64 oracle on random shapes, densities and batch sizes (n < 4
// runs the GEMV kernels, larger n the SpMM path with 8- and 32-token tiles).
//
//	go test -run='^$' -fuzz=FuzzSparseMul -fuzztime=60s ./asm
func FuzzSparseMul(f *testing.F) {
	f.Add(uint64(1), uint8(0), uint8(9), uint8(3), uint8(0), uint8(128))
	f.Add(uint64(2), uint8(1), uint8(17), uint8(2), uint8(1), uint8(255))
	f.Add(uint64(3), uint8(2), uint8(8), uint8(5), uint8(2), uint8(40))
	f.Add(uint64(4), uint8(3), uint8(23), uint8(1), uint8(4), uint8(200))
	f.Fuzz(func(t *testing.T, seed uint64, format, rows, cblocks, n, density uint8) {
		fs := spFormats()
		fm := fs[int(format)%len(fs)]
		r, c, nn := int(rows%41), 32*int(cblocks%13), 1+int(n%40)
		for _, im := range impls(t) {
			checkSparse(t, im, fm, seed, r, c, nn, float64(density)/255, int(seed%4))
		}
	})
}

// guardedEnd returns a copy of src whose last element ends right before a
// PROT_NONE page, so a kernel reading past the slice faults.
func guardedEnd[T any](t *testing.T, src []T) []T {
	t.Helper()
	sz := int(unsafe.Sizeof(*new(T)))
	ps := os.Getpagesize()
	nb := len(src) * sz
	total := (nb+ps-1)/ps*ps + ps
	mem, err := syscall.Mmap(-1, 0, total, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[total-ps:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	s := unsafe.Slice((*T)(unsafe.Pointer(&mem[total-ps-nb])), len(src))
	copy(s, src)
	return s
}

// TestSparseGuardPages runs the GEMV path of every format with each packed
// slice, the activations and the output ending at an inaccessible page:
// the kernels must not read past the slices they are given (the bitmask
// formats' values include SparsePad, the 2:4 ones have no padding).
func TestSparseGuardPages(t *testing.T) {
	for _, im := range impls(t) {
		for _, f := range spFormats() {
			for _, sh := range [][2]int{{16, 64}, {13, 96}, {8, 32}, {24, 256}} {
				for _, dens := range []float64{1, 0.5, 0.1, 0} {
					rows, cols := sh[0], sh[1]
					r := newRand(uint64(rows*cols) + uint64(dens*100))
					w := spWeights(r, rows, cols, dens, f.nm24)
					p := f.pack(w, rows, cols)
					deq := p.Dense()
					switch m := p.(type) {
					case *asm.BitmaskF16:
						m.Masks, m.Vals, m.Offs = guardedEnd(t, m.Masks), guardedEnd(t, m.Vals), guardedEnd(t, m.Offs)
					case *asm.BitmaskI8:
						m.Masks, m.Vals, m.Scales, m.Offs = guardedEnd(t, m.Masks), guardedEnd(t, m.Vals), guardedEnd(t, m.Scales), guardedEnd(t, m.Offs)
					case *asm.NM24F16:
						m.Vals, m.Idx = guardedEnd(t, m.Vals), guardedEnd(t, m.Idx)
					case *asm.NM24I8:
						m.Vals, m.Idx, m.Scales = guardedEnd(t, m.Vals), guardedEnd(t, m.Idx), guardedEnd(t, m.Scales)
					}
					x := guardedEnd(t, randActs(r, 1, cols))
					a0 := quantize(asm.Ref(), x)
					a := qact{guardedEnd(t, a0.q), guardedEnd(t, a0.d), guardedEnd(t, a0.s), guardedEnd(t, a0.xs), guardedEnd(t, a0.q16), guardedEnd(t, a0.d16)}
					dst := guardedEnd(t, make([]float32, rows))
					spMul(im, p, dst, rows, 0, rows, x, a, 1, nil)
					name := fmt.Sprintf("%s/%s %d×%d density=%.1f", im.Name, f.name, rows, cols, dens)
					for row := range rows {
						want, abs := spOracle(deq, cols, row, x, a, 0, f.i8)
						if f.fix && p.(*asm.BitmaskF16).RowFixed(row) {
							want, abs = spOracle16(deq, cols, row, a, 0)
						}
						if !within(dst[row], want, abs, cols) {
							t.Fatalf("%s: dst[%d] = %v, want %v", name, row, dst[row], want)
						}
					}
				}
			}
		}
	}
}
