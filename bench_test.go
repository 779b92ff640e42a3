// The measurements sieve is judged on, as Go benchmarks: prompt processing
// (pp512) and generation (tg) tokens per second of the TinyLlama-1.1B shape,
// dense in F16, Q8_0 and Q4_0, with random weights (speed does not depend on
// the values). The models are synthesized once into $SIEVE_BENCH_DIR
// (default: a directory under the system temp dir); $SIEVE_BENCH_SHAPE picks
// another shape from internal/synth.
//
//	go test -run='^$' -bench=. -benchtime=20x -count=5 . | tee new.txt
//	benchstat new.txt
package sieve_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/synth"
	"github.com/sieve-llm/sieve/runtime"
)

func benchModel(b *testing.B, typ gguf.Type) *runtime.Model {
	b.Helper()
	shape := os.Getenv("SIEVE_BENCH_SHAPE")
	if shape == "" {
		shape = "tinyllama-1.1b"
	}
	s, ok := synth.Shapes[shape]
	if !ok {
		b.Fatalf("SIEVE_BENCH_SHAPE=%q: known shapes %v", shape, synth.ShapeNames())
	}
	dir := os.Getenv("SIEVE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sieve-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.gguf", shape, typ))
	if _, err := os.Stat(path); err != nil {
		md, ts, err := synth.Build(synth.Options{Shape: s, Type: typ, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if err := gguf.Write(context.Background(), path, md, ts); err != nil {
			b.Fatal(err)
		}
	}
	f, err := gguf.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	m, err := runtime.Load(f, runtime.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

var benchTypes = []gguf.Type{gguf.F16, gguf.Q8_0, gguf.Q4_0}

// BenchmarkDecode times single-token steps, as llama-bench's tg test does:
// the cache restarts empty every 128 tokens.
func BenchmarkDecode(b *testing.B) {
	for _, typ := range benchTypes {
		b.Run("type="+typ.String(), func(b *testing.B) {
			m := benchModel(b, typ)
			p := runtime.NewPool(goruntime.GOMAXPROCS(0))
			defer p.Close()
			st, err := m.NewState(p, 128, 1)
			if err != nil {
				b.Fatal(err)
			}
			ids := m.BenchTokens(128, 2)
			b.SetBytes(m.WeightBytes())
			i := 0
			for b.Loop() {
				if i%128 == 0 {
					st.Reset()
				}
				if _, err := st.Forward(ids[i%128:i%128+1], false); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}

// BenchmarkPrefill times 512-token prompts from an empty cache (pp512).
func BenchmarkPrefill(b *testing.B) {
	for _, typ := range benchTypes {
		b.Run("type="+typ.String(), func(b *testing.B) {
			m := benchModel(b, typ)
			p := runtime.NewPool(goruntime.GOMAXPROCS(0))
			defer p.Close()
			st, err := m.NewState(p, 512, 512)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := runtime.BenchPrompt(st, 512); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(512*b.N)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}
