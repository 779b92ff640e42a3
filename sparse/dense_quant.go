package sparse

import (
	"fmt"

	"github.com/sieve-llm/sieve/asm"
)

// Q8_0 is a GGUF Q8_0 matrix repacked into 8-row interleaved blocks.
type Q8_0 struct{ quant }

// Q4_0 is a GGUF Q4_0 matrix repacked into 8-row interleaved blocks.
type Q4_0 struct{ quant }

type quant struct {
	packed     []byte
	rows, cols int
	rbBytes    int // bytes of one packed 8-row block
	impl       *asm.Impl
}

func newQuant(format string, raw []byte, rows, cols, blockBytes int, impl *asm.Impl) (quant, error) {
	if cols%asm.QK != 0 {
		return quant{}, fmt.Errorf("sparse: %s: cols = %d is not a multiple of 32", format, cols)
	}
	if err := checkShape(format, rows, cols, len(raw), rows*cols/asm.QK*blockBytes); err != nil {
		return quant{}, err
	}
	return quant{rows: rows, cols: cols, impl: implOrBest(impl)}, nil
}

// NewQ8_0 repacks raw GGUF Q8_0 blocks (rows consecutive rows of cols/32
// blocks of 34 bytes: f16 d, 32 int8) for the kernels; raw is only read.
func NewQ8_0(raw []byte, rows, cols int, impl *asm.Impl) (Matrix, error) {
	q, err := newQuant("q8_0", raw, rows, cols, asm.Q8BlockBytes, impl)
	if err != nil {
		return nil, err
	}
	q.packed = make([]byte, asm.PackedQ8Size(rows, cols))
	asm.PackQ8(q.packed, raw, rows, cols)
	q.rbBytes = asm.PackedRowBlockQ8(cols)
	return &Q8_0{q}, nil
}

// NewQ4_0 repacks raw GGUF Q4_0 blocks (cols/32 blocks of 18 bytes per
// row: f16 d, 16 bytes of nibbles) for the kernels; raw is only read.
func NewQ4_0(raw []byte, rows, cols int, impl *asm.Impl) (Matrix, error) {
	q, err := newQuant("q4_0", raw, rows, cols, asm.Q4BlockBytes, impl)
	if err != nil {
		return nil, err
	}
	q.packed = make([]byte, asm.PackedQ4Size(rows, cols))
	asm.PackQ4(q.packed, raw, rows, cols)
	q.rbBytes = asm.PackedRowBlockQ4(cols)
	return &Q4_0{q}, nil
}

func (m *quant) Rows() int         { return m.rows }
func (m *quant) Cols() int         { return m.cols }
func (m *quant) RowBlock() int     { return 8 }
func (m *quant) ActKinds() ActKind { return ActQ8 }

func (m *Q8_0) Format() string { return "q8_0" }
func (m *Q4_0) Format() string { return "q4_0" }

func (m *Q8_0) StorageBytes() int64 {
	return int64(m.rows) * int64(m.cols/asm.QK) * asm.Q8BlockBytes
}

func (m *Q4_0) StorageBytes() int64 {
	return int64(m.rows) * int64(m.cols/asm.QK) * asm.Q4BlockBytes
}

func (m *Q8_0) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActQ8)
	w := m.packed[r0/8*m.rbBytes:]
	if a.N == 1 {
		m.impl.GemvQ8(dst[r0:r1], w, m.cols, a.Q, a.D, a.S)
		return
	}
	m.impl.GemmQ8(dst[r0:], ldd, w, r1-r0, m.cols, a.Q, a.D, a.S, a.N)
}

func (m *Q4_0) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActQ8)
	w := m.packed[r0/8*m.rbBytes:]
	if a.N == 1 {
		m.impl.GemvQ4(dst[r0:r1], w, m.cols, a.Q, a.D, a.S)
		return
	}
	m.impl.GemmQ4(dst[r0:], ldd, w, r1-r0, m.cols, a.Q, a.D, a.S, a.N)
}
