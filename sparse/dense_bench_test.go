package sparse_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/sparse"
)

// TinyLlama-1.1B: dim 2048, ffn 5632, 22 layers, 32 heads / 4 KV heads of
// 64, vocab 32000. Per layer: q, k, v, o, gate, up, down.
const (
	tlDim, tlFFN, tlLayers, tlKV, tlVocab = 2048, 5632, 22, 256, 32000
)

var tlLayerShapes = [][2]int{
	{tlDim, tlDim}, {tlKV, tlDim}, {tlKV, tlDim}, {tlDim, tlDim}, // q k v o
	{tlFFN, tlDim}, {tlFFN, tlDim}, {tlDim, tlFFN}, // gate up down
}

var benchFormats = []string{"f32", "f16", "q8_0", "q4_0"}

// benchRaw returns raw weights of a format: []float32, []uint16 or GGUF
// block bytes with valid small scales. Values do not matter for speed.
func benchRaw(format string, rows, cols int, seed uint64) any {
	r := rand.New(rand.NewPCG(seed, 1))
	switch format {
	case "f32":
		w := make([]float32, rows*cols)
		for i := range w {
			w[i] = float32(int32(r.Uint32()>>8)-1<<23) * 0x1p-30
		}
		return w
	case "f16":
		w := make([]uint16, rows*cols)
		for i := range w {
			w[i] = uint16(r.Uint32()) & 0xbbff // finite, |v| < 2
		}
		return w
	}
	bb := 34
	if format == "q4_0" {
		bb = 18
	}
	raw := make([]byte, rows*cols/32*bb)
	for i := 0; i+8 <= len(raw); i += 8 {
		binary.LittleEndian.PutUint64(raw[i:], r.Uint64())
	}
	for b := 0; b < len(raw); b += bb {
		binary.LittleEndian.PutUint16(raw[b:], 0x2000|uint16(r.Uint32()&0x3ff)) // d ≈ 0.008
	}
	return raw
}

// benchMatrix builds a matrix of the format from raw weights, copying float
// weights so every matrix has its own memory.
func benchMatrix(b testing.TB, format string, raw any, rows, cols int, impl *asm.Impl) sparse.Matrix {
	var m sparse.Matrix
	var err error
	switch format {
	case "f32":
		m, err = sparse.NewF32(append([]float32(nil), raw.([]float32)...), rows, cols, impl)
	case "f16":
		m, err = sparse.NewF16(append([]uint16(nil), raw.([]uint16)...), rows, cols, impl)
	case "q8_0":
		m, err = sparse.NewQ8_0(raw.([]byte), rows, cols, impl)
	case "q4_0":
		m, err = sparse.NewQ4_0(raw.([]byte), rows, cols, impl)
	}
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// mulParallel runs MulRows split in two halves (at a RowBlock multiple) on
// the calling goroutine and one more: the 2-thread setting of the llama.cpp
// numbers in performance.md.
func mulParallel(m sparse.Matrix, dst []float32, ldd int, a *sparse.Act) {
	mulGroup([]sparse.Matrix{m}, dst, ldd, a)
}

// mulGroup is mulParallel for matrices sharing one input (q, k, v or gate,
// up): one goroutine hand-off for the whole group. dst is shared (outputs
// overwrite each other; only the time matters here).
func mulGroup(ms []sparse.Matrix, dst []float32, ldd int, a *sparse.Act) {
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, m := range ms {
			m.MulRows(dst, ldd, a, 0, halfRows(m))
		}
	})
	for _, m := range ms {
		m.MulRows(dst, ldd, a, halfRows(m), m.Rows())
	}
	wg.Wait()
}

func halfRows(m sparse.Matrix) int {
	rows, rb := m.Rows(), m.RowBlock()
	return min(rows, (rows/2+rb-1)/rb*rb)
}

// spinWorker is a second thread that spins waiting for work, as llama.cpp's
// workers do between barriers: it isolates kernel throughput from the
// goroutine wake-up latency a WaitGroup handoff costs (tens of µs here).
type spinWorker struct {
	seq, done atomic.Uint64
	work      func()
	stop      atomic.Bool
}

func newSpinWorker() *spinWorker {
	w := &spinWorker{}
	go func() {
		goruntime.LockOSThread()
		var last uint64
		for !w.stop.Load() {
			if s := w.seq.Load(); s != last {
				last = s
				w.work()
				w.done.Store(s)
			}
		}
	}()
	return w
}

// mulSpin is mulGroup with the other halves run by the spinning worker.
func (w *spinWorker) mulSpin(ms []sparse.Matrix, dst []float32, ldd int, a *sparse.Act) {
	w.work = func() {
		for _, m := range ms {
			m.MulRows(dst, ldd, a, 0, halfRows(m))
		}
	}
	s := w.seq.Add(1)
	for _, m := range ms {
		m.MulRows(dst, ldd, a, halfRows(m), m.Rows())
	}
	for w.done.Load() != s {
	}
}

func randVec(n int) []float32 {
	r := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// BenchmarkDense runs MulRows on each TinyLlama shape on 2 goroutines, for
// decode (n=1) and prefill (n=512). One matrix of these shapes may fit in a
// large L3; BenchmarkTinyLlama measures the whole model's working set.
//
//	go test -run='^$' -bench=Dense -count=5 ./sparse
func BenchmarkDense(b *testing.B) {
	impl := asm.Best()
	shapes := [][2]int{{2048, 2048}, {256, 2048}, {5632, 2048}, {2048, 5632}, {32000, 2048}}
	for _, sh := range shapes {
		rows, cols := sh[0], sh[1]
		for _, format := range benchFormats {
			m := benchMatrix(b, format, benchRaw(format, rows, cols, 1), rows, cols, impl)
			for _, n := range []int{1, 512} {
				b.Run(fmt.Sprintf("impl=%s/type=%s/shape=%dx%d/n=%d", impl.Name, format, rows, cols, n), func(b *testing.B) {
					x := randVec(n * cols)
					dst := make([]float32, n*rows)
					var a sparse.Act
					for b.Loop() {
						a.Reset(x, n, cols)
						a.Prepare(m.ActKinds(), impl)
						mulParallel(m, dst, rows, &a)
					}
					sec := b.Elapsed().Seconds() / float64(b.N)
					w := float64(rows * cols)
					b.ReportMetric(w/sec/1e9, "Gweights/s")
					b.ReportMetric(float64(m.StorageBytes())/sec/1e9, "GB/s")
					if n > 1 {
						b.ReportMetric(w*float64(n)/sec/1e9, "Gmac/s")
					}
				})
			}
		}
	}
}

// BenchmarkTinyLlama runs every weight matmul of one TinyLlama-1.1B forward
// pass (22 layers × q,k,v,o,gate,up,down + the output head, all in one
// format, each layer with its own weights so the working set is the whole
// model) on 2 goroutines, activations prepared per matmul input as an engine
// would, and matmuls sharing an input (q, k, v; gate, up) handed to the second
// thread together. sync=wg hands the first halves to a new goroutine (a
// plain WaitGroup; 4 hand-offs per layer); sync=spin to a spinning locked
// thread, as llama.cpp's thread pool does. Attention, norms and the rest of the engine are not included, so
// tok/s is an upper bound of the engine's. For n=512 only 2 layers are built
// and their time is scaled to 22 (prefill is compute-bound).
//
//	go test -run='^$' -bench=TinyLlama -benchtime=20x -count=5 ./sparse
func BenchmarkTinyLlama(b *testing.B) {
	impl := asm.Best()
	for _, format := range []string{"f16", "q8_0", "q4_0"} {
		for _, n := range []int{1, 512} {
			for _, mode := range []string{"wg", "spin"} {
				b.Run(fmt.Sprintf("impl=%s/type=%s/n=%d/sync=%s", impl.Name, format, n, mode), func(b *testing.B) {
					layers := tlLayers
					if n > 1 {
						layers = 2
					}
					var raws []any
					for i, sh := range tlLayerShapes {
						raws = append(raws, benchRaw(format, sh[0], sh[1], uint64(i)))
					}
					model := make([][]sparse.Matrix, layers)
					var weights, bytes float64
					for l := range model {
						for i, sh := range tlLayerShapes {
							m := benchMatrix(b, format, raws[i], sh[0], sh[1], impl)
							model[l] = append(model[l], m)
							weights += float64(sh[0] * sh[1])
							bytes += float64(m.StorageBytes())
						}
					}
					head := benchMatrix(b, format, benchRaw(format, tlVocab, tlDim, 99), tlVocab, tlDim, impl)
					raws = nil
					scale := float64(tlLayers) / float64(layers)
					weights = weights*scale + tlVocab*tlDim
					bytes = bytes*scale + float64(head.StorageBytes())

					xd, xf := randVec(n*tlDim), randVec(n*tlFFN)
					out := make([]float32, n*tlVocab)
					var a sparse.Act
					var spin *spinWorker
					if mode == "spin" {
						spin = newSpinWorker()
						defer spin.stop.Store(true)
					}
					mul := func(x []float32, cols int, ms ...sparse.Matrix) {
						a.Reset(x, n, cols)
						a.Prepare(ms[0].ActKinds(), impl)
						if spin != nil {
							spin.mulSpin(ms, out, tlVocab, &a)
						} else {
							mulGroup(ms, out, tlVocab, &a)
						}
					}
					var tLayers, tHead time.Duration
					for b.Loop() {
						t0 := time.Now()
						for _, l := range model {
							mul(xd, tlDim, l[0], l[1], l[2]) // q, k, v share the input
							mul(xd, tlDim, l[3])             // o
							mul(xd, tlDim, l[4], l[5])       // gate, up share the input
							mul(xf, tlFFN, l[6])             // down
						}
						t1 := time.Now()
						mul(xd, tlDim, head)
						tLayers += t1.Sub(t0)
						tHead += time.Since(t1)
					}
					sec := (tLayers.Seconds()*scale + tHead.Seconds()) / float64(b.N)
					b.ReportMetric(float64(n)/sec, "tok/s")
					b.ReportMetric(weights/sec/1e9, "Gweights/s")
					b.ReportMetric(bytes/sec/1e9, "GB/s")
				})
			}
		}
	}
}
