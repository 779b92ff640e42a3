package asm

import "math"

// Coefficients of Cephes' expf: e^x = 2^n · e^r with n = round(x·log₂e)
// and r = x − n·ln2 (ln2 split in two so n·expC1 is exact), e^r ≈ 1 + r +
// r²·P(r) on |r| ≤ ln2/2.
const (
	expLog2e = 1.44269504088896341
	expC1    = 0.693359375
	expC2    = -2.12194440e-4
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
	expLo    = -86
)

// expSumRef is ExpSum for any length: x[i] = e^(s·(x[i]−m)), returning
// the sum.
func expSumRef(x []float32, m, s float32) float32 {
	var sum float32
	for i, v := range x {
		e := expRef((v - m) * s)
		x[i] = e
		sum += e
	}
	return sum
}

// expRef is e^x for expLo ≤ x ≤ 88 (x below expLo counts as expLo).
func expRef(x float32) float32 {
	x = max(x, expLo)
	n := float32(math.RoundToEven(float64(x * expLog2e)))
	r := x - n*expC1
	r -= n * expC2
	p := float32(expP0)
	p = p*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	y := p*r*r + r + 1
	return math.Float32frombits(math.Float32bits(y) + uint32(int32(n))<<23)
}
