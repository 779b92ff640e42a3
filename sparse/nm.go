package sparse

import (
	"fmt"

	"github.com/sieve-llm/sieve/asm"
)

// 2:4 formats: at most 2 non-zeros in every aligned group of 4 columns along
// a row. Each group of each row stores exactly two values (0 in unused
// slots) and a 2-bit in-group column index per value, in row blocks of 8
// rows whose lanes are the rows (see asm/sparse_pack.go):
//
//	nm24-f16  2 half-precision values + 4 index bits per 4 weights: 1.125
//	          bytes per weight
//	nm24-i8   2 int8 values + 4 index bits per 4 weights, one f16 scale per
//	          row and 32 columns (as bitmask-i8): 0.6875 bytes per weight
//
// The kernels select the activations each value multiplies (VPERMILPS /
// PSHUFB on the indices), so no weight is expanded and the multiply–adds
// are those of the stored values.

// NM24F16 is the nm24-f16 format.
type NM24F16 struct {
	m    asm.NM24F16
	impl *asm.Impl
}

func checkNM24(format string, w []float32, rows, cols int) error {
	if asm.IsNM24(w, rows, cols) {
		return nil
	}
	for r := range rows {
		for g := 0; g < cols; g += 4 {
			nz := 0
			for _, v := range w[r*cols+g : r*cols+g+4] {
				if v != 0 {
					nz++
				}
			}
			if nz > 2 {
				return fmt.Errorf("sparse: %s: row %d, columns %d..%d hold %d non-zeros (2:4 allows 2)", format, r, g, g+3, nz)
			}
		}
	}
	return nil
}

// NewNM24F16 packs a 2:4 matrix w (rows×cols, row-major, cols a multiple of
// 32) with half-precision values; w is only read.
func NewNM24F16(w []float32, rows, cols int, impl *asm.Impl) (Matrix, error) {
	if err := checkSparse("nm24-f16", w, rows, cols, maxF16); err != nil {
		return nil, err
	}
	if err := checkNM24("nm24-f16", w, rows, cols); err != nil {
		return nil, err
	}
	return &NM24F16{asm.PackNM24F16(w, rows, cols), implOrBest(impl)}, nil
}

func (m *NM24F16) Rows() int           { return m.m.Rows }
func (m *NM24F16) Cols() int           { return m.m.Cols }
func (m *NM24F16) Format() string      { return "nm24-f16" }
func (m *NM24F16) StorageBytes() int64 { return m.m.Bytes() }
func (m *NM24F16) RowBlock() int       { return m.m.RowBlock() }
func (m *NM24F16) ActKinds() ActKind   { return ActF32 | ActTiles }

// Dense returns the matrix as rows×cols float32 (values rounded to half
// precision, exact for halves).
func (m *NM24F16) Dense() []float32 { return m.m.Dense() }

func (m *NM24F16) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActF32)
	s := batchScratch(a)
	defer putScratch(s)
	m.impl.MulNM24F16(dst, ldd, &m.m, r0, r1, a.F32, a.N, s)
}

// NM24I8 is the nm24-i8 format.
type NM24I8 struct {
	m    asm.NM24I8
	impl *asm.Impl
}

// NewNM24I8 packs a 2:4 matrix w with int8 values and a half-precision
// scale per row and 32 columns, with the error bound of NewBitmaskI8.
func NewNM24I8(w []float32, rows, cols int, impl *asm.Impl) (Matrix, error) {
	if err := checkSparse("nm24-i8", w, rows, cols, maxI8); err != nil {
		return nil, err
	}
	if err := checkNM24("nm24-i8", w, rows, cols); err != nil {
		return nil, err
	}
	return &NM24I8{asm.PackNM24I8(w, rows, cols), implOrBest(impl)}, nil
}

func (m *NM24I8) Rows() int           { return m.m.Rows }
func (m *NM24I8) Cols() int           { return m.m.Cols }
func (m *NM24I8) Format() string      { return "nm24-i8" }
func (m *NM24I8) StorageBytes() int64 { return m.m.Bytes() }
func (m *NM24I8) RowBlock() int       { return m.m.RowBlock() }
func (m *NM24I8) ActKinds() ActKind   { return ActQ8 | ActTiles }

// Dense returns the dequantized matrix as rows×cols float32.
func (m *NM24I8) Dense() []float32 { return m.m.Dense() }

func (m *NM24I8) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActQ8)
	s := batchScratch(a)
	defer putScratch(s)
	m.impl.MulNM24I8(dst, ldd, &m.m, r0, r1, a.F32, a.Q, a.D, a.S, a.N, s)
}
