package asm

// sumF32Ref is Σ x[i] over len(x) (a multiple of 32) values, with four
// interleaved partial sums as the SIMD kernels keep.
func sumF32Ref(x []float32) float32 {
	var a, b, c, d float32
	for i := 0; i+4 <= len(x); i += 4 {
		a += x[i]
		b += x[i+1]
		c += x[i+2]
		d += x[i+3]
	}
	return (a + b) + (c + d)
}
