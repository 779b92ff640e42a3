package sparse

import (
	"fmt"

	"github.com/sieve-llm/sieve/asm"
)

// Act holds N activation vectors of Cols floats and the representations of
// them that matrix kernels read. Reset points it at new activations; Prepare
// derives the representations a Matrix asks for (ActKinds) once, before any
// MulRows call. Buffers grow and are reused: in steady state neither
// allocates. An Act is not safe for concurrent Reset/Prepare, but once
// prepared any number of MulRows calls may read it concurrently.
type Act struct {
	N, Cols int
	// F32 is the activations, row t at t*Cols. It aliases the slice given to
	// Reset, which must not change until the multiplications are done.
	F32 []float32

	// The ActQ8 form: Q holds the int8 quants (row t at t*Cols), D the scale
	// and S the sum of the quants of each block of 32 (row t at t*Cols/32);
	// see [asm.Impl.QuantizeQ8].
	Q []int8
	D []float32
	S []int32

	// T is the ActTiles form (see asm.TransposeTiles).
	T []float32

	// XS is the ActSplitF16 form (see asm.SplitF16Act).
	XS []float32

	// The ActI16 form (see asm.QuantizeI16): Q16 the int16 quants (row t at
	// t*Cols), D16 the scale of each block of 32 (row t at t*Cols/32).
	Q16 []int16
	D16 []float32

	ready ActKind
}

// Reset makes a hold the n vectors of cols values in x[:n*cols] and drops
// every prepared representation.
func (a *Act) Reset(x []float32, n, cols int) {
	if n < 0 || cols < 0 || len(x) < n*cols {
		panic(fmt.Sprintf("sparse: Act.Reset: len(x) = %d < n*cols = %d*%d", len(x), n, cols))
	}
	a.N, a.Cols = n, cols
	a.F32 = x[:n*cols]
	a.ready = ActF32
}

// Ready reports the representations already prepared.
func (a *Act) Ready() ActKind { return a.ready }

// Prepare computes the representations in kinds that are not ready yet,
// using impl's kernels (nil means asm.Best()). ActQ8 needs Cols to be a
// multiple of 32.
func (a *Act) Prepare(kinds ActKind, impl *asm.Impl) {
	if kinds&ActQ8 != 0 && a.ready&ActQ8 == 0 {
		if a.Cols%asm.QK != 0 {
			panic(fmt.Sprintf("sparse: Act.Prepare(ActQ8): Cols = %d is not a multiple of 32", a.Cols))
		}
		if impl == nil {
			impl = asm.Best()
		}
		n := a.N * a.Cols
		a.Q = grow(a.Q, n)
		a.D = grow(a.D, n/asm.QK)
		a.S = grow(a.S, n/asm.QK)
		impl.QuantizeQ8(a.Q, a.D, a.S, a.F32)
		a.ready |= ActQ8
	}
	if kinds&ActSplitF16 != 0 && a.ready&ActSplitF16 == 0 && a.N < asm.SpGemmMinN && a.Cols%32 == 0 {
		a.XS = grow(a.XS, len(a.F32))
		asm.SplitF16Act(a.XS, a.F32)
		a.ready |= ActSplitF16
	}
	if kinds&ActI16 != 0 && a.ready&ActI16 == 0 && a.N < asm.SpGemmMinN && a.Cols%32 == 0 {
		a.Q16 = grow(a.Q16, len(a.F32))
		a.D16 = grow(a.D16, len(a.F32)/32)
		asm.QuantizeI16(a.Q16, a.D16, a.F32)
		a.ready |= ActI16
	}
	if kinds&ActTiles != 0 && a.ready&ActTiles == 0 && a.N >= asm.SpGemmMinN {
		a.T = grow(a.T, asm.TileLen(a.N, a.Cols))
		asm.TransposeTiles(a.T, a.F32, a.N, a.Cols)
		a.ready |= ActTiles
	}
}

// batchScratch returns SpMM scratch for a batch (nil for a single vector)
// reading a's tiles when they are prepared; putScratch returns it.
func batchScratch(a *Act) *asm.SparseScratch {
	if a.N <= 1 {
		return nil
	}
	s := scratchPool.Get().(*asm.SparseScratch)
	if a.ready&ActTiles != 0 {
		s.UseTiles(a.T)
	}
	return s
}

func putScratch(s *asm.SparseScratch) {
	if s != nil {
		s.UseTiles(nil)
		scratchPool.Put(s)
	}
}

// grow returns s resized to n, reusing its storage when large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
