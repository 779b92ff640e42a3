package asm_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// BenchmarkQuantDRAM is BenchmarkSparseDRAM for the dense Q4_0 and Q8_0
// GEMVs: copies of a packed 5632×2048 matrix (random quants, halves below
// 1 as scales) totalling 600 MB, each thread multiplying every other copy
// by one vector, so the kernels stream from DRAM as in decode.
//
//	go test -run='^$' -bench='QuantDRAM|SparseDRAM/impl=avx512/format=f16' -count=3 ./asm
func BenchmarkQuantDRAM(b *testing.B) {
	const rows, cols, total = 5632, 2048, 600 << 20
	x := randActs(newRand(3), 1, cols)
	a := quantize(asm.Best(), x)
	for _, q4 := range []bool{true, false} {
		size := asm.PackedQ8Size(rows, cols)
		if q4 {
			size = asm.PackedQ4Size(rows, cols)
		}
		var copies [][]byte
		for range total / size {
			w := make([]byte, size)
			r := rand.New(rand.NewPCG(1, uint64(len(copies))))
			for i := range w {
				w[i] = byte(r.Uint32() & 0x3f3f)
			}
			copies = append(copies, w)
		}
		im := asm.Best()
		name := "q8_0"
		if q4 {
			name = "q4_0"
		}
		b.Run("format="+name, func(b *testing.B) {
			dst := [2][]float32{make([]float32, rows), make([]float32, rows)}
			for b.Loop() {
				var wg sync.WaitGroup
				for g := range 2 {
					wg.Go(func() {
						for i := g; i < len(copies); i += 2 {
							if q4 {
								im.GemmQ4(dst[g], rows, copies[i], rows, cols, a.q, a.d, a.s, 1)
							} else {
								im.GemmQ8(dst[g], rows, copies[i], rows, cols, a.q, a.d, a.s, 1)
							}
						}
					})
				}
				wg.Wait()
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(size*len(copies))/sec/1e9, "GB/s")
		})
	}
}
