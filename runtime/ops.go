package runtime

import "math"

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

// softmax normalizes x in place.
func softmax(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for i, v := range x {
		e := expf(v - m)
		x[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// siluMul sets g = silu(g) · u.
func siluMul(g, u []float32) {
	for i, v := range g {
		g[i] = v / (1 + float32(math.Exp(float64(-v)))) * u[i]
	}
}

func add(dst, x []float32) {
	for i, v := range x {
		dst[i] += v
	}
}

// expf is e^x in float32 to within about 2 ulp: x = n·ln2 + r with |r| ≤
// ln2/2, e^r by its degree-6 Taylor polynomial (error below r⁷/7! ≈ 1.3e-7),
// and 2^n put into the exponent bits. It is several times faster than
// math.Exp, which matters in attention's softmax.
func expf(x float32) float32 {
	const (
		log2e = 1.4426950408889634
		ln2hi = 0.693145751953125
		ln2lo = 1.428606765330187e-06
	)
	if x > 88.72 {
		return float32(math.Inf(1))
	}
	if x < -87.33 {
		return 0
	}
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	if n > 127 { // x just below ln(MaxFloat32): 2^128 itself is not a float32
		return p * math.Float32frombits(uint32(127+127)<<23) * 2
	}
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}
