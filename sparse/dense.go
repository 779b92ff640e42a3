package sparse

import (
	"fmt"

	"github.com/sieve-llm/sieve/asm"
)

// Dense matrices: F32 and F16 weights are used in place (row-major, no
// repacking; the slice may be a read-only mmap and is never written), Q8_0
// and Q4_0 are repacked once at construction into the 8-row interleaved
// layout of asm.PackQ8/PackQ4. MulRows runs GEMV for one activation vector
// (decode) and the register-blocked GEMM kernels for several (prefill).

func checkShape(format string, rows, cols, have, need int) error {
	if rows < 0 || cols < 0 {
		return fmt.Errorf("sparse: %s: negative shape %d×%d", format, rows, cols)
	}
	if have < need {
		return fmt.Errorf("sparse: %s: %d×%d needs %d weight elements, have %d", format, rows, cols, need, have)
	}
	return nil
}

func implOrBest(impl *asm.Impl) *asm.Impl {
	if impl == nil {
		return asm.Best()
	}
	return impl
}

// checkMul validates a MulRows call.
func checkMul(m Matrix, dst []float32, ldd int, a *Act, r0, r1 int, need ActKind) {
	rows, rb := m.Rows(), m.RowBlock()
	switch {
	case a.Cols != m.Cols():
		panic(fmt.Sprintf("sparse: %s MulRows: activations have %d columns, matrix %d", m.Format(), a.Cols, m.Cols()))
	case a.ready&need != need:
		panic(fmt.Sprintf("sparse: %s MulRows: activations not prepared (call Act.Prepare(m.ActKinds(), impl))", m.Format()))
	case r0 < 0 || r1 > rows || r0 > r1 || r0%rb != 0 || (r1%rb != 0 && r1 != rows):
		panic(fmt.Sprintf("sparse: %s MulRows: bad row range [%d,%d) for %d rows, row block %d", m.Format(), r0, r1, rows, rb))
	case a.N > 1 && ldd < r1:
		panic(fmt.Sprintf("sparse: %s MulRows: ldd = %d < r1 = %d", m.Format(), ldd, r1))
	case a.N > 0 && r1 > r0 && len(dst) < (a.N-1)*ldd+r1:
		panic(fmt.Sprintf("sparse: %s MulRows: len(dst) = %d < (N-1)*ldd+r1 = %d", m.Format(), len(dst), (a.N-1)*ldd+r1))
	}
}

// F32 is a dense row-major float32 matrix.
type F32 struct {
	w          []float32
	rows, cols int
	impl       *asm.Impl
}

// NewF32 wraps w (rows×cols, row-major; aliased, never written). impl
// selects the kernels (nil: asm.Best()).
func NewF32(w []float32, rows, cols int, impl *asm.Impl) (Matrix, error) {
	if err := checkShape("f32", rows, cols, len(w), rows*cols); err != nil {
		return nil, err
	}
	return &F32{w[:rows*cols], rows, cols, implOrBest(impl)}, nil
}

func (m *F32) Rows() int           { return m.rows }
func (m *F32) Cols() int           { return m.cols }
func (m *F32) Format() string      { return "f32" }
func (m *F32) StorageBytes() int64 { return int64(m.rows) * int64(m.cols) * 4 }
func (m *F32) RowBlock() int       { return 4 }
func (m *F32) ActKinds() ActKind   { return ActF32 }

func (m *F32) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActF32)
	w := m.w[r0*m.cols : r1*m.cols]
	if a.N == 1 {
		m.impl.GemvF32(dst[r0:r1], w, a.F32)
		return
	}
	m.impl.GemmF32(dst[r0:], ldd, w, a.F32, r1-r0, m.cols, a.N)
}

// F16 is a dense row-major IEEE half-precision matrix.
type F16 struct {
	w          []uint16
	rows, cols int
	impl       *asm.Impl
}

// NewF16 wraps w (rows×cols half-precision bits, row-major; aliased, never
// written, so it may be a read-only mmap).
func NewF16(w []uint16, rows, cols int, impl *asm.Impl) (Matrix, error) {
	if err := checkShape("f16", rows, cols, len(w), rows*cols); err != nil {
		return nil, err
	}
	return &F16{w[:rows*cols], rows, cols, implOrBest(impl)}, nil
}

func (m *F16) Rows() int           { return m.rows }
func (m *F16) Cols() int           { return m.cols }
func (m *F16) Format() string      { return "f16" }
func (m *F16) StorageBytes() int64 { return int64(m.rows) * int64(m.cols) * 2 }
func (m *F16) RowBlock() int       { return 4 }
func (m *F16) ActKinds() ActKind   { return ActF32 }

func (m *F16) MulRows(dst []float32, ldd int, a *Act, r0, r1 int) {
	checkMul(m, dst, ldd, a, r0, r1, ActF32)
	w := m.w[r0*m.cols : r1*m.cols]
	if a.N == 1 {
		m.impl.GemvF16(dst[r0:r1], w, a.F32)
		return
	}
	m.impl.GemmF16(dst[r0:], ldd, w, a.F32, r1-r0, m.cols, a.N)
}
