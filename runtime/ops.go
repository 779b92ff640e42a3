package runtime

import (
	"math"

	"github.com/sieve-llm/sieve/asm"
)

// rmsNorm sets dst = x / sqrt(mean(x²) + eps) · w, accumulating in float64
// as ggml does.
func rmsNorm(dst, x, w []float32, eps float32) {
	var sum float64
	for _, v := range x {
		sum += float64(v * v)
	}
	scale := float32(1 / math.Sqrt(float64(float32(sum/float64(len(x)))+eps)))
	for i, v := range x {
		dst[i] = v * scale * w[i]
	}
}

// ropeTable fills cos/sin for one position: pair i rotates by
// pos·scale·base^(-2i/dims) / freqs[i], computed iteratively in float32 as
// ggml does so angles match llama.cpp's.
func ropeTable(cos, sin []float32, pos int, dims int, base, scale float32, freqs []float32) {
	thetaScale := float32(math.Pow(float64(base), -2.0/float64(dims)))
	theta := float32(pos) * scale
	for i := range cos {
		t := theta
		if freqs != nil {
			t /= freqs[i]
		}
		cos[i] = float32(math.Cos(float64(t)))
		sin[i] = float32(math.Sin(float64(t)))
		theta *= thetaScale
	}
}

// rope rotates the first 2·len(cos) dimensions of one head vector.
func rope(x, cos, sin []float32, mode RopeMode) {
	half := len(cos)
	if mode == RopeNeox {
		for i := 0; i < half; i++ {
			a, b := x[i], x[i+half]
			x[i] = a*cos[i] - b*sin[i]
			x[i+half] = a*sin[i] + b*cos[i]
		}
		return
	}
	for i := 0; i < half; i++ {
		a, b := x[2*i], x[2*i+1]
		x[2*i] = a*cos[i] - b*sin[i]
		x[2*i+1] = a*sin[i] + b*cos[i]
	}
}

// softmax sets x to the softmax of s·x, the exponentials by im's kernels.
func softmax(im *asm.Impl, x []float32, s float32) {
	inv := 1 / im.ExpSum(x, maxf(x), s)
	for i := range x {
		x[i] *= inv
	}
}

// maxf is the largest value of x (−Inf for none). A plain comparison, not
// the max builtin, whose NaN and signed-zero rules cost a branch per value.
func maxf(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

func add(dst, x []float32) {
	for i, v := range x {
		dst[i] += v
	}
}
