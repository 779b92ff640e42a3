package asm_test

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// BenchmarkSparseKernels measures one thread on the 2048×5632 (down) and
// 5632×2048 (gate/up) shapes, each sparse format at 50 % and 70 % zeros
// next to dense F16, for decode (n=1) and a prefill batch (n=64). Gdw/s
// counts dense weights (rows·cols·n per second), the number to compare
// across formats. One matrix fits in a large L3 here, so these are kernel
// rates; BenchmarkSparseDRAM streams from DRAM, and sparse's
// BenchmarkTinyLlamaSparse measures the DRAM-bound model.
//
//	go test -run='^$' -bench=SparseKernels -count=5 ./asm
func BenchmarkSparseKernels(b *testing.B) {
	for _, sh := range [][2]int{{5632, 2048}, {2048, 5632}} {
		rows, cols := sh[0], sh[1]
		for _, n := range []int{1, 64} {
			x := randActs(newRand(3), n, cols)
			a := quantize(asm.Best(), x)
			dst := make([]float32, n*rows)
			for _, im := range asm.Impls() {
				if im.Name == "ref" {
					continue
				}
				f16 := randF16(newRand(1), rows*cols)
				b.Run(fmt.Sprintf("impl=%s/shape=%dx%d/n=%d/format=f16", im.Name, rows, cols, n), func(b *testing.B) {
					for b.Loop() {
						im.GemmF16(dst, rows, f16, x, rows, cols, n)
					}
					sec := b.Elapsed().Seconds() / float64(b.N)
					b.ReportMetric(float64(rows*cols*n)/sec/1e9, "Gdw/s")
					b.ReportMetric(float64(rows*cols*2)/sec/1e9, "GB/s")
				})
				for _, f := range spFormats() {
					for _, zeros := range []float64{0.5, 0.7} {
						if f.nm24 && zeros != 0.5 {
							continue
						}
						w := benchSparse(newRand(2), rows, cols, zeros, f.nm24)
						p := f.pack(w, rows, cols)
						var s asm.SparseScratch
						acts := map[string]qact{"": a}
						if f.name == "bitmask-f16" && im.SplitsF16() && n < 4 {
							// the kernel without split activations
							acts["/act=f32"] = qact{q: a.q, d: a.d, s: a.s}
						}
						for _, k := range slices.Sorted(maps.Keys(acts)) {
							a := acts[k]
							b.Run(fmt.Sprintf("impl=%s/shape=%dx%d/n=%d/format=%s%s/zeros=%.0f%%", im.Name, rows, cols, n, f.name, k, zeros*100), func(b *testing.B) {
								for b.Loop() {
									spMul(im, p, dst, rows, 0, rows, x, a, n, &s)
								}
								sec := b.Elapsed().Seconds() / float64(b.N)
								b.ReportMetric(float64(rows*cols*n)/sec/1e9, "Gdw/s")
								b.ReportMetric(float64(p.Bytes())/sec/1e9, "GB/s")
							})
						}
					}
				}
			}
		}
	}
}

// benchSparse returns weights with a uniformly random fraction of zeros (no
// empty rows); with nm24, exactly 2 non-zeros in every group of 4.
func benchSparse(r interface {
	Float64() float64
	IntN(int) int
}, rows, cols int, zeros float64, nm24 bool) []float32 {
	w := make([]float32, rows*cols)
	for i := range w {
		if nm24 {
			continue
		}
		if r.Float64() >= zeros {
			w[i] = benchValue(r)
		}
	}
	if nm24 {
		for g := 0; g < len(w); g += 4 {
			a := r.IntN(4)
			b := (a + 1 + r.IntN(3)) % 4
			w[g+a], w[g+b] = benchValue(r), benchValue(r)
		}
	}
	return w
}

// benchValue returns a kept weight: uniform in ±[1/64, 1/2), as pruning by
// magnitude leaves no values near 0 (and none subnormal in half precision,
// which the split bitmask-f16 kernel hands to the slower one).
func benchValue(r interface{ Float64() float64 }) float32 {
	v := r.Float64() - 0.5
	for math.Abs(v) < 1.0/64 {
		v = r.Float64() - 0.5
	}
	return float32(v)
}

// BenchmarkSparseDRAM streams copies of a 5632×2048 matrix totalling about
// twice the L3 from two threads (each multiplies every other copy by one
// vector), so the formats (and the dense F16, Q8_0 and Q4_0 GEMVs) are
// compared at DRAM bandwidth, the decode regime of a real model.
//
//	go test -run='^$' -bench=SparseDRAM -count=3 ./asm
func BenchmarkSparseDRAM(b *testing.B) {
	const rows, cols, total = 5632, 2048, 600 << 20
	x := randActs(newRand(3), 1, cols)
	a := quantize(asm.Best(), x)
	type job func(im *asm.Impl, dst []float32)
	run := func(b *testing.B, im *asm.Impl, copies []job, bytes int64) {
		dst := [2][]float32{make([]float32, rows), make([]float32, rows)}
		for b.Loop() {
			var wg sync.WaitGroup
			for g := range 2 {
				wg.Go(func() {
					for i := g; i < len(copies); i += 2 {
						copies[i](im, dst[g])
					}
				})
			}
			wg.Wait()
		}
		sec := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(float64(rows*cols*len(copies))/sec/1e9, "Gdw/s")
		b.ReportMetric(float64(bytes*int64(len(copies)))/sec/1e9, "GB/s")
	}
	for _, im := range asm.Impls() {
		if im.Name == "ref" {
			continue
		}
		b.Run(fmt.Sprintf("impl=%s/format=f16", im.Name), func(b *testing.B) {
			f16 := randF16(newRand(1), rows*cols)
			var copies []job
			for range total / (2 * rows * cols) {
				w := slices.Clone(f16)
				copies = append(copies, func(im *asm.Impl, dst []float32) { im.GemmF16(dst, rows, w, x, rows, cols, 1) })
			}
			run(b, im, copies, int64(2*rows*cols))
		})
		for _, q4 := range []bool{false, true} {
			name, size, gemm := "q8_0", asm.PackedQ8Size(rows, cols), im.GemmQ8
			if q4 {
				name, size, gemm = "q4_0", asm.PackedQ4Size(rows, cols), im.GemmQ4
			}
			b.Run(fmt.Sprintf("impl=%s/format=%s", im.Name, name), func(b *testing.B) {
				var copies []job
				for c := range total / size {
					// Random quants; scales (bytes ≤ 0x3f) are halves below 1.
					w := make([]byte, size)
					r := newRand(uint64(c))
					for i := range w {
						w[i] = byte(r.Uint32() & 0x3f)
					}
					copies = append(copies, func(im *asm.Impl, dst []float32) { gemm(dst, rows, w, rows, cols, a.q, a.d, a.s, 1) })
				}
				run(b, im, copies, int64(size))
			})
		}
		for _, f := range spFormats() {
			for _, zeros := range []float64{0.5, 0.7} {
				if f.nm24 && zeros != 0.5 {
					continue
				}
				b.Run(fmt.Sprintf("impl=%s/format=%s/zeros=%.0f%%", im.Name, f.name, zeros*100), func(b *testing.B) {
					p := f.pack(benchSparse(newRand(2), rows, cols, zeros, f.nm24), rows, cols)
					var copies []job
					for range total / p.Bytes() {
						c := cloneSparse(p)
						copies = append(copies, func(im *asm.Impl, dst []float32) { spMul(im, c, dst, rows, 0, rows, x, a, 1, nil) })
					}
					run(b, im, copies, p.Bytes())
				})
			}
		}
	}
}

// cloneSparse returns a deep copy of a packed matrix.
func cloneSparse(p spPacked) spPacked {
	switch m := p.(type) {
	case *asm.BitmaskF16:
		c := *m
		c.Masks, c.Vals, c.Offs = slices.Clone(m.Masks), slices.Clone(m.Vals), slices.Clone(m.Offs)
		return &c
	case *asm.BitmaskI8:
		c := *m
		c.Masks, c.Vals, c.Scales, c.Offs = slices.Clone(m.Masks), slices.Clone(m.Vals), slices.Clone(m.Scales), slices.Clone(m.Offs)
		return &c
	case *asm.NM24F16:
		c := *m
		c.Vals, c.Idx = slices.Clone(m.Vals), slices.Clone(m.Idx)
		return &c
	case *asm.NM24I8:
		c := *m
		c.Vals, c.Idx, c.Scales = slices.Clone(m.Vals), slices.Clone(m.Idx), slices.Clone(m.Scales)
		return &c
	}
	panic("cloneSparse")
}

// BenchmarkPack measures the packers on a 5632×2048 matrix with 70 % zeros
// (2:4 for the nm24 formats) and half-precision values (loading a pruned
// F16 model is mostly these).
//
//	go test -run='^$' -bench=Pack -count=5 ./asm
func BenchmarkPack(b *testing.B) {
	const rows, cols = 5632, 2048
	w := benchSparse(newRand(2), rows, cols, 0.7, false)
	for i, v := range w {
		w[i] = asm.F16ToF32(asm.F32ToF16(v)) // as an F16 file's weights
	}
	nm := benchSparse(newRand(2), rows, cols, 0.5, true)
	for i, v := range nm {
		nm[i] = asm.F16ToF32(asm.F32ToF16(v))
	}
	for _, f := range spFormats() {
		src := w
		if f.nm24 {
			src = nm
		}
		b.Run("format="+f.name, func(b *testing.B) {
			for b.Loop() {
				f.pack(src, rows, cols)
			}
			b.ReportMetric(float64(rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gw/s")
		})
	}
}
