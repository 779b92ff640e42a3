package asm

import "fmt"

// SiluMul sets g[i] = silu(g[i])·u[i] = g[i]/(1+e^(−g[i]))·u[i] for i <
// len(g), the gate of a SwiGLU feed-forward. e^(−g) is ExpSum's Cephes
// polynomial with its argument clamped to [−86, 88] (beyond it silu is g,
// or 0, to float precision). Implementations agree to a few ulps.
func (im *Impl) SiluMul(g, u []float32) {
	if len(u) < len(g) {
		panic(fmt.Sprintf("asm: SiluMul: len(u) = %d < len(g) = %d", len(u), len(g)))
	}
	n8 := len(g) &^ 7
	for i := 0; i < n8; i += maxWork {
		e := min(i+maxWork, n8)
		raceWrite(g[i:e])
		raceRead(u[i:e])
		im.siluMul(g[i:e], u[i:e])
	}
	if n8 < len(g) {
		siluMulRef(g[n8:], u[n8:len(g)])
	}
}

// siluHi is the largest argument of e^x SiluMul evaluates (e^88 ≈ 1.7e38).
const siluHi = 88

// siluMulRef is SiluMul for any length.
func siluMulRef(g, u []float32) {
	for i, v := range g {
		g[i] = v / (1 + expRef(min(-v, siluHi))) * u[i]
	}
}
