package asm_test

import (
	"fmt"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// TinyLlama-1.1B matrix shapes (rows×cols): q/o, k/v, gate/up, down, output.
var benchShapes = [][2]int{{2048, 2048}, {256, 2048}, {5632, 2048}, {2048, 5632}, {32000, 2048}}

// benchMatrix holds one weight matrix in every format plus activations.
type benchMatrix struct {
	rows, cols int
	f32        []float32
	f16        []uint16
	q8, q4     []byte // packed
}

func newBenchMatrix(rows, cols int, types []string) *benchMatrix {
	r := newRand(uint64(rows*cols) + 1)
	m := &benchMatrix{rows: rows, cols: cols}
	for _, typ := range types {
		switch typ {
		case "f32":
			m.f32 = randF32(r, rows*cols)
		case "f16":
			m.f16 = randF16(r, rows*cols)
		case "q8_0":
			qt := quantTypes()[0]
			m.q8 = make([]byte, asm.PackedQ8Size(rows, cols))
			asm.PackQ8(m.q8, randBlocks(r, qt, rows, cols), rows, cols)
		case "q4_0":
			qt := quantTypes()[1]
			m.q4 = make([]byte, asm.PackedQ4Size(rows, cols))
			asm.PackQ4(m.q4, randBlocks(r, qt, rows, cols), rows, cols)
		}
	}
	return m
}

// bytesPerWeight is the GGUF storage cost of each type.
var bytesPerWeight = map[string]float64{"f32": 4, "f16": 2, "q8_0": 34.0 / 32, "q4_0": 18.0 / 32}

// BenchmarkKernels measures one thread on each TinyLlama shape: decode (n=1,
// GEMV) and a prefill tile (n=64, GEMM). Single matrices of these shapes fit
// in a large L3, so the GB/s here are an upper bound of the DRAM-bound rates
// (see sparse's BenchmarkTinyLlama for whole-model working sets).
//
//	go test -run='^$' -bench=Kernels -count=5 ./asm
func BenchmarkKernels(b *testing.B) {
	types := []string{"f32", "f16", "q8_0", "q4_0"}
	for _, sh := range benchShapes {
		m := newBenchMatrix(sh[0], sh[1], types)
		for _, n := range []int{1, 64} {
			x := randActs(newRand(3), n, m.cols)
			dst := make([]float32, n*m.rows)
			for _, im := range asm.Impls() {
				for _, typ := range types {
					if im.Name == "ref" && (n > 1 || m.rows > 2048) {
						continue // too slow to be interesting
					}
					name := fmt.Sprintf("impl=%s/type=%s/shape=%dx%d/n=%d", im.Name, typ, m.rows, m.cols, n)
					b.Run(name, func(b *testing.B) {
						a := quantize(im, x)
						run := func() {
							switch typ {
							case "f32":
								im.GemmF32(dst, m.rows, m.f32, x, m.rows, m.cols, n)
							case "f16":
								im.GemmF16(dst, m.rows, m.f16, x, m.rows, m.cols, n)
							case "q8_0":
								im.QuantizeQ8(a.q, a.d, a.s, x)
								im.GemmQ8(dst, m.rows, m.q8, m.rows, m.cols, a.q, a.d, a.s, n)
							case "q4_0":
								im.QuantizeQ8(a.q, a.d, a.s, x)
								im.GemmQ4(dst, m.rows, m.q4, m.rows, m.cols, a.q, a.d, a.s, n)
							}
						}
						for b.Loop() {
							run()
						}
						sec := b.Elapsed().Seconds()
						weights := float64(m.rows*m.cols) * float64(b.N)
						b.ReportMetric(weights*float64(n)/sec/1e9, "Gmac/s")
						b.ReportMetric(weights/sec/1e9, "Gweights/s")
						b.ReportMetric(weights*bytesPerWeight[typ]/sec/1e9, "GB/s")
					})
				}
			}
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	for _, im := range impls(t) {
		m := newBenchMatrix(17, 64, []string{"f32", "f16", "q8_0", "q4_0"})
		x := randActs(newRand(3), 5, 64)
		a := quantize(im, x)
		dst := make([]float32, 5*17)
		for name, f := range map[string]func(){
			"GemvF32":    func() { im.GemvF32(dst[:17], m.f32, x[:64]) },
			"GemvF16":    func() { im.GemvF16(dst[:17], m.f16, x[:64]) },
			"GemmF32":    func() { im.GemmF32(dst, 17, m.f32, x, 17, 64, 5) },
			"GemmF16":    func() { im.GemmF16(dst, 17, m.f16, x, 17, 64, 5) },
			"QuantizeQ8": func() { im.QuantizeQ8(a.q, a.d, a.s, x) },
			"GemvQ8":     func() { im.GemvQ8(dst[:17], m.q8, 64, a.q, a.d, a.s) },
			"GemvQ4":     func() { im.GemvQ4(dst[:17], m.q4, 64, a.q, a.d, a.s) },
			"GemmQ8":     func() { im.GemmQ8(dst, 17, m.q8, 17, 64, a.q, a.d, a.s, 5) },
			"GemmQ4":     func() { im.GemmQ4(dst, 17, m.q4, 17, 64, a.q, a.d, a.s, 5) },
		} {
			if n := testing.AllocsPerRun(5, f); n != 0 {
				t.Errorf("%s/%s: %v allocations per call", im.Name, name, n)
			}
		}
	}
}
