//go:build uarch && gc && !purego

package asm

import (
	"testing"
	"time"
	"unsafe"
)

func uaAddChain(n int)
func uaFMA(n int, p *byte)
func uaExpandW(n int, p *byte)
func uaExpandPS(n int, p *byte)
func uaCvt(n int, p *byte)
func uaDPBUSD(n int, p *byte)
func uaExpandB(n int, p *byte)
func uaLoadAligned(n int, p *byte)
func uaLoadSplit(n int, p *byte)
func uaKmovMem(n int, p *byte)
func uaExpandKmov(n int, p *byte)
func uaExpandCvtMem(n int, p *byte)
func uaAVX2Step(n int, p *byte)
func uaRowCvt(n int, p *byte)
func uaRowSplit(n int, p *byte)
func uaRowMovw2m(n int, p *byte)
func uaRowShifts(n int, p *byte)
func uaRowNoKmov(n int, p *byte)
func uaRowTMask(n int, p *byte)
func uaRowI16(n int, p *byte)

// BenchmarkUarch measures the reciprocal throughput, in core cycles, of the
// AVX-512 instructions the bitmask kernels are built from (see BENCHMARKS.md,
// "Sparse decode and prefill"). The clock comes from a chain of dependent
// register ADDs timed right before each loop; "cycles" is per instruction
// (per pair for the expand+… rows, per row of the bitmask-f16 kernel).
// Needs an AVX-512 VBMI2 CPU:
//
//	go test -tags uarch -run='^$' -bench=Uarch -count=3 ./asm
func BenchmarkUarch(b *testing.B) {
	buf := make([]byte, 2048+64)
	off := 64 - int(uintptr(unsafe.Pointer(&buf[0]))%64)
	p := &buf[off]
	for i := range 64 { // the AVX2 step's mask bytes: 2 of 8 bits set
		buf[off+i] = byte(0x11 << (i % 4))
	}
	for _, c := range []struct {
		name string
		f    func(int, *byte)
		per  int // instructions (or pairs) per iteration
	}{
		{"vfmadd231ps-zmm", uaFMA, 8},
		{"vpexpandw-zmm", uaExpandW, 8},
		{"vexpandps-zmm", uaExpandPS, 8},
		{"vcvtph2ps-zmm", uaCvt, 8},
		{"vpdpbusd-zmm", uaDPBUSD, 8},
		{"vpexpandb-zmm", uaExpandB, 8},
		{"load-64B-aligned", uaLoadAligned, 8},
		{"load-64B-line-split", uaLoadSplit, 8},
		{"kmovd-mem", uaKmovMem, 8},
		{"vpexpandw+kmovd-mem", uaExpandKmov, 4},
		{"vpexpandw+2vcvtph2ps-mem", uaExpandCvtMem, 4},
		{"avx2-bitmask-f16-step", uaAVX2Step, 8},
		{"bitmask-f16-row", uaRowCvt, 4},
		{"bitmask-f16-split-row", uaRowSplit, 4},
		{"row-vpmovw2m-mask", uaRowMovw2m, 4},
		{"split-row-shifts", uaRowShifts, 4},
		{"split-row-no-kmovd", uaRowNoKmov, 4},
		{"split-row-transposed-mask", uaRowTMask, 4},
		{"bitmask-f16-fixed-row", uaRowI16, 4},
	} {
		b.Run(c.name, func(b *testing.B) {
			const n = 1 << 22
			var cyc float64
			for b.Loop() {
				t := time.Now()
				uaAddChain(n)
				ns := float64(time.Since(t).Nanoseconds()) / (8 * n)
				t = time.Now()
				c.f(n, p)
				cyc += float64(time.Since(t).Nanoseconds()) / float64(c.per*n) / ns
			}
			b.ReportMetric(cyc/float64(b.N), "cycles")
		})
	}
}
