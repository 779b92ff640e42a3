package sparse

import (
	"fmt"
	"math"
	"sync"

	"github.com/sieve-llm/sieve/asm"
)

// Unstructured-sparse formats: a bitmask of the non-zeros plus the packed
// non-zero values, repacked once at construction into the blocked layouts
// of package asm (see asm/sparse_pack.go):
//
//	bitmask-f16  row blocks of 4 rows; per row and 32 columns a 32-bit mask,
//	             the values as IEEE half precision in one stream per row
//	             block; 2·(1−s) + 1/8 bytes per weight at sparsity s
//	             (0.725 at 70 %)
//	bitmask-i8   row blocks of 8 rows interleaved 4 columns at a time (row i
//	             in 32-bit lane i of the integer dot products); int8 values
//	             with one f16 scale per row and 32 columns; (1−s) + 1/8 +
//	             1/16 bytes per weight (0.4875 at 70 %)
//
// Every sparse format needs cols to be a multiple of 32 and finite values;
// half-precision formats also need |w| ≤ 65504 (the largest half).
//
// MulRows runs the GEMV kernels for fewer than 4 activation vectors and the
// SpMM path (rows decoded to lists, tokens in tiles of 32) from 4 on; the
// int8 formats multiply the Q8 activations on the GEMV path and the float32
// ones on the SpMM path.

// scratchPool holds asm.SparseScratch buffers for the SpMM path.
var scratchPool = sync.Pool{New: func() any { return new(asm.SparseScratch) }}

// tooManyWeights reports whether a matrix of n weights overflows the sparse
// formats' 32-bit value offsets.
func tooManyWeights(n int64) bool { return n >= 1<<32-asm.SparsePad }

func checkSparse(format string, w []float32, rows, cols int, maxAbs float64) error {
	if err := checkShape(format, rows, cols, len(w), rows*cols); err != nil {
		return err
	}
	if cols%asm.SparseColAlign != 0 {
		return fmt.Errorf("sparse: %s: cols = %d is not a multiple of %d", format, cols, asm.SparseColAlign)
	}
	if tooManyWeights(int64(rows) * int64(cols)) {
		return fmt.Errorf("sparse: %s: %d×%d has too many weights", format, rows, cols)
	}
	// maxAbs is a float32 value, so |v| > maxAbs (or NaN) ⇔ the sign-cleared
	// bits of v exceed its bits; one pass with no float64 conversions.
	lim := math.Float32bits(float32(maxAbs))
	for i, v := range w[:rows*cols] {
		if math.Float32bits(v)&^(1<<31) > lim {
			return fmt.Errorf("sparse: %s: weight [%d][%d] = %v is not finite or exceeds %g", format, i/cols, i%cols, v, maxAbs)
		}
	}
	return nil
}

const (
	maxF16 = 65504
	// maxI8 keeps absmax/127 representable as a half-precision scale.
	maxI8 = 65504 * 127
)

// BitmaskF16 is the bitmask-f16 format.
type BitmaskF16 struct {
	m    asm.BitmaskF16
	impl *asm.Impl
}

// NewBitmaskF16 packs the non-zeros of w (rows×cols, row-major, pruned
// weights exactly 0; cols a multiple of 32) with a bitmask and half-precision
// values rounded to nearest even; w is only read. impl selects the kernels
// (nil: asm.Best()).
func NewBitmaskF16(w []float32, rows, cols int, impl *asm.Impl) (Matrix, error) {
	if err := checkSparse("bitmask-f16", w, rows, cols, maxF16); err != nil {
		return nil, err
	}
	impl = implOrBest(impl)
	if impl.FixesF16() {
		return &BitmaskF16{asm.PackBitmaskF16Fixed(w, rows, cols), impl}, nil
	}
	return &BitmaskF16{asm.PackBitmaskF16(w, rows, cols), impl}, nil
}

func (m *BitmaskF16) Rows() int           { return m.m.Rows }
func (m *BitmaskF16) Cols() int           { return m.m.Cols }
func (m *BitmaskF16) Format() string      { return "bitmask-f16" }
func (m *BitmaskF16) StorageBytes() int64 { return m.m.Bytes() }
func (m *BitmaskF16) RowBlock() int       { return m.m.RowBlock() }
func (m *BitmaskF16) ActKinds() ActKind {
	k := ActF32 | ActTiles
	if m.m.FixedRowBlocks() > 0 {
		k |= ActI16
	}
	if m.impl.SplitsF16() && m.m.HasHalves() {
		k |= ActSplitF16
	}
	return k
}

// NNZ returns the number of stored non-zeros.
func (m *BitmaskF16) NNZ() int { return m.m.NNZ() }

// FixedRowBlocks returns how many of the matrix's row blocks hold their
// values as exact 16-bit integers times a power of two per row (see
// asm.BitmaskF16.Fix), which decode multiplies by int16 activations.
func (m *BitmaskF16) FixedRowBlocks() (fixed, total int) {
	return m.m.FixedRowBlocks(), (m.m.Rows + m.m.RowBlock() - 1) / m.m.RowBlock()
}

// Detail says how many row blocks are fixed, for `sieve inspect --verbose`.
func (m *BitmaskF16) Detail() string {
	f, t := m.FixedRowBlocks()
	return fmt.Sprintf("%d/%d row blocks int16", f, t)
}

// Dense returns the matrix as rows×cols float32: the input of NewBitmaskF16
// with every value rounded to half precision (exact for values that are
// halves already).
func (m *BitmaskF16) Dense() []float32 { return m.m.Dense() }

func (m *BitmaskF16) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActF32)
	s := batchScratch(a)
	defer putScratch(s)
	var xa asm.F16Act
	if a.ready&ActSplitF16 != 0 {
		xa.Split = a.XS
	}
	if a.ready&ActI16 != 0 {
		xa.Q, xa.D = a.Q16, a.D16
	}
	m.impl.MulBitmaskF16(dst, ldd, &m.m, r0, r1, a.F32, xa, a.N, s)
}

// BitmaskI8 is the bitmask-i8 format.
type BitmaskI8 struct {
	m    asm.BitmaskI8
	impl *asm.Impl
}

// NewBitmaskI8 packs the non-zeros of w (as NewBitmaskF16) as int8 values
// with one half-precision scale d per row and 32 columns: d is the smallest
// half ≥ absmax/127 of those 32 weights and q = round(w/d), so every weight
// is reproduced within |d·q − w| ≤ d/2 (zeros exactly).
func NewBitmaskI8(w []float32, rows, cols int, impl *asm.Impl) (Matrix, error) {
	if err := checkSparse("bitmask-i8", w, rows, cols, maxI8); err != nil {
		return nil, err
	}
	return &BitmaskI8{asm.PackBitmaskI8(w, rows, cols), implOrBest(impl)}, nil
}

func (m *BitmaskI8) Rows() int           { return m.m.Rows }
func (m *BitmaskI8) Cols() int           { return m.m.Cols }
func (m *BitmaskI8) Format() string      { return "bitmask-i8" }
func (m *BitmaskI8) StorageBytes() int64 { return m.m.Bytes() }
func (m *BitmaskI8) RowBlock() int       { return m.m.RowBlock() }
func (m *BitmaskI8) ActKinds() ActKind   { return ActQ8 | ActTiles }

// NNZ returns the number of stored non-zeros.
func (m *BitmaskI8) NNZ() int { return m.m.NNZ() }

// Dense returns the dequantized matrix (d·q) as rows×cols float32.
func (m *BitmaskI8) Dense() []float32 { return m.m.Dense() }

func (m *BitmaskI8) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActQ8)
	s := batchScratch(a)
	defer putScratch(s)
	m.impl.MulBitmaskI8(dst, ldd, &m.m, r0, r1, a.F32, a.Q, a.D, a.S, a.N, s)
}
