package asm

// ExpSum sets x[i] = e^(s·(x[i]−m)) for every i and returns Σ x[i] after:
// the exponentials of a softmax of s·x, with m the maximum of x and s > 0
// (attention's 1/√d). The exponent must be ≤ 88 (a softmax's are ≤ 0);
// below −86 it counts as −86 (e^−86 ≈ 4e−38, which adds nothing next to the
// maximum's 1) so every result is a normal float.
// NaN inputs give unspecified results. Agreement between implementations
// is to a few ulps (the polynomial is evaluated with or without FMA), and
// the sum's order is the kernel's own.
func (im *Impl) ExpSum(x []float32, m, s float32) float32 {
	n8 := len(x) &^ 7
	var sum float32
	for i := 0; i < n8; i += maxWork {
		c := x[i:min(i+maxWork, n8)]
		raceWrite(c)
		sum += im.expSum(c, m, s)
	}
	if n8 < len(x) {
		sum += expSumRef(x[n8:], m, s)
	}
	return sum
}
