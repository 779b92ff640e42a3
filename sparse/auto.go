package sparse

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sieve-llm/sieve/asm"
)

// SparseFormats are the names of the sparse storage formats, as Format()
// reports them and as a Policy names them.
var SparseFormats = []string{"bitmask-f16", "bitmask-i8", "nm24-f16", "nm24-i8"}

// Policy says which storage a weight matrix gets when a model loads:
//
//	auto   a sparse format when the matrix has enough exact zeros (or an
//	       exact 2:4 pattern) for it to be faster than its dense storage,
//	       chosen by [Choose]; dense otherwise
//	dense  the dense storage of the file's type, whatever the zeros
//	NAME   that sparse format for every matrix that can take it (cols a
//	       multiple of 32; for nm24-* an exact 2:4 pattern), dense for the
//	       others
type Policy string

const (
	PolicyAuto  Policy = "auto"
	PolicyDense Policy = "dense"
)

// ParsePolicy checks a policy name ("" means auto).
func ParsePolicy(s string) (Policy, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "" || s == string(PolicyAuto):
		return PolicyAuto, nil
	case s == string(PolicyDense) || slices.Contains(SparseFormats, s):
		return Policy(s), nil
	case s == "2:4-f16" || s == "2:4":
		return "nm24-f16", nil
	case s == "2:4-i8":
		return "nm24-i8", nil
	}
	return "", fmt.Errorf("unknown sparse format %q (want auto, dense, %s)", s, strings.Join(SparseFormats, ", "))
}

// Values classifies the precision of a matrix's dense storage, which bounds
// the precision its sparse values need.
type Values int

const (
	// ValuesFloat: F32, F16, BF16 weights; sparse values are half precision
	// (exact for F16 files).
	ValuesFloat Values = iota
	// ValuesInt8: 8-bit block-quantized weights (Q8_0 and the like); sparse
	// values are int8 with per-32 scales.
	ValuesInt8
	// ValuesInt4: weights of 4 bits or fewer per value; int8 sparse values
	// only pay once the zeros outweigh the wider values.
	ValuesInt4
)

// Auto thresholds. Decode streams every weight once per token, so a format
// pays when it reads fewer bytes and its kernel keeps up with memory. Bytes
// per weight at a fraction s of zeros: bitmask-f16 2(1−s)+1/8 against F16's
// 2; bitmask-i8 (1−s)+3/16 against Q8_0's 1.0625 and Q4_0's 0.5625; 2:4
// formats as bitmask at s = ½. The kernels spend more instructions per
// weight than the dense ones, so the byte ratio must leave a margin:
// minZerosFloat and minZerosInt8 are where the bitmask kernels measured
// (BenchmarkTinyLlamaSparse) clearly ahead of the dense ones; minZerosInt4
// is where bitmask-i8 reads 10 % fewer bytes than Q4_0.
const (
	minZerosFloat = 0.40
	minZerosInt8  = 0.40
	minZerosInt4  = 0.68
)

// Choose returns the sparse format auto picks for a matrix with the given
// statistics, row length and value class, or "" to keep it dense (also when
// the format cannot hold the matrix: its largest weight, or more weights
// than its 32-bit offsets address). An exact 2:4 pattern takes the 2:4
// format of its value class (Q4-class weights stay dense: 2:4
// int8 reads more bytes than Q4_0).
func Choose(st RowStats, cols int, v Values) string {
	f := choose(st, cols, v)
	if f != "" && !holds(f, st) {
		return ""
	}
	return f
}

// holds reports whether format can store weights as large as the matrix's
// (half-precision values up to 65504; int8 values with a half-precision
// scale up to 127 times that).
func holds(format string, st RowStats) bool {
	lim := float32(maxF16)
	if strings.HasSuffix(format, "-i8") {
		lim = maxI8
	}
	return st.maxBits <= math.Float32bits(lim)
}

func choose(st RowStats, cols int, v Values) string {
	if cols%asm.SparseColAlign != 0 || st.Elements == 0 || tooManyWeights(st.Elements) {
		return ""
	}
	s := st.Sparsity()
	if st.NM24 && s >= 0.5 && s < minZerosInt4 {
		switch v {
		case ValuesFloat:
			return "nm24-f16"
		case ValuesInt8:
			return "nm24-i8"
		}
		return ""
	}
	switch {
	case v == ValuesFloat && s >= minZerosFloat:
		return "bitmask-f16"
	case v == ValuesInt8 && s >= minZerosInt8, v == ValuesInt4 && s >= minZerosInt4:
		return "bitmask-i8"
	}
	return ""
}

// Eligible reports whether a matrix with these statistics can be stored in
// format: cols a multiple of 32, and for the 2:4 formats the exact pattern.
func Eligible(format string, st RowStats, cols int) bool {
	if cols%asm.SparseColAlign != 0 {
		return false
	}
	if strings.HasPrefix(format, "nm24") {
		return st.NM24
	}
	return true
}

// Pick applies a policy to one matrix: the sparse format it gets, or "" for
// dense.
func (p Policy) Pick(st RowStats, cols int, v Values) string {
	switch p {
	case PolicyDense:
		return ""
	case PolicyAuto, "":
		return Choose(st, cols, v)
	}
	if Eligible(string(p), st, cols) {
		return string(p)
	}
	return ""
}

// NewSparse builds the named sparse format from rows×cols float32 weights
// whose pruned entries are exact zeros.
func NewSparse(format string, w []float32, rows, cols int, impl *asm.Impl) (Matrix, error) {
	switch format {
	case "bitmask-f16":
		return NewBitmaskF16(w, rows, cols, impl)
	case "bitmask-i8":
		return NewBitmaskI8(w, rows, cols, impl)
	case "nm24-f16":
		return NewNM24F16(w, rows, cols, impl)
	case "nm24-i8":
		return NewNM24I8(w, rows, cols, impl)
	}
	return nil, fmt.Errorf("sparse: unknown format %q", format)
}
