// Package sparse holds weight-matrix storage formats (dense F32/F16/Q8_0/Q4_0,
// unstructured-sparse, 2:4) and the drivers that feed them to the asm kernels
// in bounded chunks. It owns representations, not threading: callers split a
// matrix into row ranges and run them on their own workers.
package sparse

// Matrix is a weight matrix W of Rows()×Cols() in some storage format.
//
// Multiplication is split by output rows so callers can parallelise: MulRows
// computes, for every activation vector t < a.N and row r in [r0, r1),
//
//	dst[t*ldd + r] = Σ_c W[r][c] · x_t[c]
//
// r0 must be a multiple of RowBlock(); r1 too, unless it equals Rows().
// Implementations do not allocate in MulRows and are safe for concurrent calls
// on disjoint row ranges.
type Matrix interface {
	Rows() int
	Cols() int
	// Format names the storage, e.g. "f16", "q8_0", "bitmask-f16".
	Format() string
	// StorageBytes is the bytes one full multiplication reads from the weights.
	StorageBytes() int64
	// RowBlock is the row granularity of MulRows ranges.
	RowBlock() int
	// ActKinds says which activation representations MulRows reads; the caller
	// prepares them with Act.Prepare before any MulRows call.
	ActKinds() ActKind
	MulRows(dst []float32, ldd int, a *Act, r0, r1 int)
}

// ActKind is a bit set of activation representations.
type ActKind uint8

const (
	// ActF32 is the plain float32 activations.
	ActF32 ActKind = 1 << iota
	// ActQ8 is the activations quantized to int8 in blocks of 32 with one
	// float32 scale per block (llama.cpp's Q8_0 activation form), plus the
	// per-block sums of the int8 values.
	ActQ8
	// ActTiles is the float32 activations transposed into the token tiles
	// of the sparse formats' batch path (asm.TransposeTiles), made once per
	// activation matrix instead of once per MulRows call; Prepare makes it
	// only for batches of at least asm.SpGemmMinN vectors.
	ActTiles
	// ActSplitF16 is the float32 activations rearranged and scaled for the
	// bitmask-f16 decode kernels of implementations that SplitsF16
	// (asm.SplitF16Act); Prepare makes it only for batches of fewer than
	// asm.SpGemmMinN vectors.
	ActSplitF16
	// ActI16 is the activations quantized to int16 in blocks of 32 with one
	// float32 scale per block (asm.QuantizeI16), which fixed bitmask-f16 row
	// blocks read for decode; Prepare makes it only for batches of fewer
	// than asm.SpGemmMinN vectors.
	ActI16
)
