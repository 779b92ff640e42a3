package asm

import (
	"fmt"
	"strings"
	"sync"
)

// Impl is one implementation of every kernel of the package: a name plus a
// table of raw kernel functions. The exported methods (GemvF32, GemmQ4, ...)
// validate their arguments and call the table, so two Impls can be used side
// by side (tests iterate [Impls]; an engine holds the one it was configured
// with). An Impl is immutable and safe for concurrent use.
type Impl struct {
	// Name is "ref", "avx2" or "neon".
	Name string

	// gemvF32 sets dst[r] = Σ_{c<len(x)} w[r*ldw+c]·x[c] for r < len(dst).
	// len(x) is a multiple of 8.
	gemvF32 func(dst []float32, w []float32, ldw int, x []float32)
	// gemvF16 is gemvF32 with IEEE half-precision weights.
	gemvF16 func(dst []float32, w []uint16, ldw int, x []float32)
	// gemmF32 is the 4-row × 3-token micro-kernel: for j < ntrip, t < 3,
	// r < 4: dst[(3j+t)*ldd+r] = Σ_{c<k} w[r*ldw+c]·x[(3j+t)*ldx+c], or
	// += when add != 0 (column chunks after the first). k is a multiple of 8.
	gemmF32 func(dst []float32, ldd int, w []float32, ldw int, x []float32, ldx, k, ntrip, add int)
	// gemmF16 is gemmF32 with half-precision weights.
	gemmF16 func(dst []float32, ldd int, w []uint16, ldw int, x []float32, ldx, k, ntrip, add int)

	// quantQ8 quantizes len(d) blocks of 32 values of x (see quantQ8Ref).
	quantQ8 func(q []int8, d []float32, s []int32, x []float32)
	// gemvQ8/gemvQ4 compute len(dst)/8 whole row blocks of a packed
	// matrix with nb column blocks against one quantized vector.
	gemvQ8 func(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
	gemvQ4 func(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
	// gemmQ8/gemmQ4 compute one packed 8-row block against nquad groups of
	// 4 quantized vectors: token t's outputs go to dst[t*ldd : t*ldd+8].
	gemmQ8 func(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
	gemmQ4 func(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
	// gemmQ8x2/gemmQ4x2, when set, do the same for two consecutive row
	// blocks (w holds both; token t's 16 outputs at dst[t*ldd:]).
	gemmQ8x2 func(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
	gemmQ4x2 func(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)

	// sumF32 returns Σ x[i] over len(x) values, a multiple of 32.
	sumF32 func(x []float32) float32
	// expSum is ExpSum for len(x) a multiple of 8.
	expSum func(x []float32, m, s float32) float32
	// siluMul is SiluMul for len(g) a multiple of 8.
	siluMul func(g, u []float32)

	// Sparse kernels (sparse*.go, layouts in sparse_pack.go). The GEMV
	// kernels compute len(dst)/RB whole row blocks of a packed matrix whose
	// slices start at the first of them (see bmGemvF16Ref and the others);
	// spmmF32 is the SpMM tile kernel of the prefill path (spmmF32Ref).
	bmGemvF16 func(dst []float32, masks []uint32, vals []uint16, x []float32)
	// bmGemvF16s, when set, is bmGemvF16 reading the split activations of
	// SplitF16Act (bmGemvF16sRef); used for row blocks without subnormal
	// values (see SplitsF16).
	bmGemvF16s func(dst []float32, masks []uint32, vals []uint16, xs []float32)
	// bmGemvI16, when set, is bmGemvI16Ref, for fixed row blocks (see
	// FixesF16).
	bmGemvI16 func(dst []float32, masks []uint32, vals []uint16, sc []float32, xq []int16, xd []float32)
	bmGemvI8  func(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, s []int32)
	nmGemvF16 func(dst []float32, vals []uint16, idx []uint32, x []float32)
	nmGemvI8  func(dst []float32, vals []int8, idx []uint8, scales []uint16, q []int8, d []float32)
	spmmF32   func(out []float32, ptr, idx []int32, val []float32, xt []float32, tw int)
	// bmI8Expand, when set, makes bitmask-i8 prefill expand rows to packed
	// Q8_0 and use gemmQ8 (see sparse_i8q8.go).
	bmI8Expand func(dst []byte, masks []uint32, vals []int8)
}

// String returns the implementation name.
func (im *Impl) String() string { return im.Name }

var refImpl = &Impl{
	Name:    "ref",
	gemvF32: gemvF32Ref,
	gemvF16: gemvF16Ref,
	gemmF32: gemmF32Ref,
	gemmF16: gemmF16Ref,
	quantQ8: quantQ8Ref,
	gemvQ8:  gemvQ8Ref,
	gemvQ4:  gemvQ4Ref,
	gemmQ8:  gemmQ8Ref,
	gemmQ4:  gemmQ4Ref,
	sumF32:  sumF32Ref,
	expSum:  expSumRef,
	siluMul: siluMulRef,

	bmGemvF16:  bmGemvF16Ref,
	bmGemvF16s: bmGemvF16sRef,
	bmGemvI8:   bmGemvI8Ref,
	nmGemvF16:  nmGemvF16Ref,
	nmGemvI8:   nmGemvI8Ref,
	spmmF32:    spmmF32Ref,
}

// Ref returns the pure-Go reference implementation, available everywhere.
func Ref() *Impl { return refImpl }

var impls = sync.OnceValue(func() []*Impl {
	// archImpls lists the SIMD implementations this CPU supports, best first.
	return append(archImpls(), refImpl)
})

// Impls returns every implementation usable on this CPU, best first; the
// reference is always last. The slice must not be modified.
func Impls() []*Impl { return impls() }

// Best returns the fastest implementation usable on this CPU: "avx2" on amd64
// with AVX2+FMA+F16C, "neon" on arm64 with ASIMD, else the reference.
func Best() *Impl { return impls()[0] }

// Lookup returns the implementation with the given name; "auto" (or "")
// means [Best]. Names this CPU cannot run give an error listing the
// available ones.
func Lookup(name string) (*Impl, error) {
	if name == "" || name == "auto" {
		return Best(), nil
	}
	var names []string
	for _, im := range Impls() {
		if im.Name == name {
			return im, nil
		}
		names = append(names, im.Name)
	}
	known := map[string]bool{"ref": true, "avx2": true, "avx512": true, "neon": true}
	why := "unknown kernel implementation"
	if known[name] {
		why = "kernel implementation not supported on this CPU or build"
	}
	return nil, fmt.Errorf("asm: %s %q (available: %s, auto)", why, name, strings.Join(names, ", "))
}
