package sparse

import "math"

// RowStats accumulates sparsity statistics of a matrix row by row.
type RowStats struct {
	Elements int64
	Zeros    int64
	// NM24 stays true while every aligned group of 4 along every row seen has
	// at least 2 exact zeros (at most 2 non-zeros), the 2:4 pattern.
	NM24 bool
	rows int
	// maxBits is the largest sign-cleared bit pattern seen: the largest
	// magnitude, or a NaN's bits (above +Inf's).
	maxBits uint32
}

// MaxAbs is the largest magnitude seen (NaN if a NaN was).
func (s *RowStats) MaxAbs() float32 { return math.Float32frombits(s.maxBits) }

// NewRowStats returns empty statistics.
func NewRowStats() RowStats { return RowStats{NM24: true} }

// Add counts one row. Rows whose length is not a multiple of 4 cannot be 2:4.
func (s *RowStats) Add(row []float32) {
	s.rows++
	s.Elements += int64(len(row))
	if len(row)%4 != 0 {
		s.NM24 = false
	}
	// One branch-free pass (zeros in pruned rows are a coin flip). With b
	// a value's bits shifted left by one (the sign dropped), b ≠ 0 marks a
	// non-zero and the largest b is twice the largest magnitude's bits.
	var zeros int64
	over, mx := uint32(0), s.maxBits<<1
	for g := 0; g+4 <= len(row); g += 4 {
		q := row[g : g+4 : g+4]
		b0, b1 := math.Float32bits(q[0])<<1, math.Float32bits(q[1])<<1
		b2, b3 := math.Float32bits(q[2])<<1, math.Float32bits(q[3])<<1
		n := (b0|-b0)>>31 + (b1|-b1)>>31 + (b2|-b2)>>31 + (b3|-b3)>>31
		zeros += int64(4 - n)
		over |= (n + 1) >> 2 // 3 or 4 non-zeros: not 2:4
		mx = max(mx, b0, b1, b2, b3)
	}
	for _, v := range row[len(row)&^3:] {
		b := math.Float32bits(v) << 1
		zeros += int64(1 - (b|-b)>>31)
		mx = max(mx, b)
	}
	s.Zeros += zeros
	s.maxBits = mx >> 1
	if over != 0 {
		s.NM24 = false
	}
}

// Sparsity is the fraction of exact zeros.
func (s *RowStats) Sparsity() float64 {
	if s.Elements == 0 {
		return 0
	}
	return float64(s.Zeros) / float64(s.Elements)
}
