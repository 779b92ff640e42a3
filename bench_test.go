// The measurements sieve is judged on, as Go benchmarks: prompt processing
// (pp512) and generation (tg) tokens per second of the TinyLlama-1.1B shape,
// dense in F16, Q8_0 and Q4_0, and pruned (random zeros in every block
// matrix, as `sieve synth --sparsity` makes) in the sparse formats, with
// random weights (speed does not depend on the values). The sparse cases
// also report x_f16, their tok/s ÷ dense F16's measured earlier in the same
// process, and the int8 ones x_q8_0 and x_q4_0. The models are synthesized
// once into $SIEVE_BENCH_DIR (default: a directory under the system temp
// dir); $SIEVE_BENCH_SHAPE picks another shape from internal/synth.
//
//	go test -run='^$' -bench=. -benchtime=20x -count=5 . | tee new.txt
//	benchstat new.txt
package sieve_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/synth"
	"github.com/sieve-llm/sieve/runtime"
	"github.com/sieve-llm/sieve/sparse"
)

// benchCase is one model variant: a synthesized file (type, fraction of
// zeros, pattern) loaded with a sparse policy.
type benchCase struct {
	name     string
	typ      gguf.Type
	sparsity float64
	pattern  string
	policy   sparse.Policy
}

var benchCases = []benchCase{
	{"F16", gguf.F16, 0, "", sparse.PolicyDense},
	{"Q8_0", gguf.Q8_0, 0, "", sparse.PolicyDense},
	{"Q4_0", gguf.Q4_0, 0, "", sparse.PolicyDense},
	{"F16-50%-bitmask-f16", gguf.F16, 0.5, "", "bitmask-f16"},
	{"F16-70%-bitmask-f16", gguf.F16, 0.7, "", "bitmask-f16"},
	{"F16-2:4-nm24-f16", gguf.F16, 0.5, "2:4", "nm24-f16"},
	{"F16-70%-bitmask-i8", gguf.F16, 0.7, "", "bitmask-i8"},
	{"F16-2:4-nm24-i8", gguf.F16, 0.5, "2:4", "nm24-i8"},
}

// benchBase holds the dense tok/s of the current process, by test and type.
var benchBase = map[string]float64{}

// reportRatios records a dense case's tok/s, or reports a sparse case's
// ratios to the dense ones.
func reportRatios(b *testing.B, test string, c benchCase, tps float64) {
	if c.policy == sparse.PolicyDense {
		benchBase[test+"/"+c.name] = tps
		return
	}
	for _, d := range []string{"F16", "Q8_0", "Q4_0"} {
		if d != "F16" && !strings.HasSuffix(string(c.policy), "-i8") {
			continue
		}
		if v := benchBase[test+"/"+d]; v > 0 {
			b.ReportMetric(tps/v, "x_"+strings.ToLower(d))
		}
	}
}

func benchModel(b *testing.B, c benchCase) *runtime.Model {
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
	name := fmt.Sprintf("%s-%s", shape, c.typ)
	if c.sparsity > 0 {
		name += fmt.Sprintf("-%s%g", cmp.Or(c.pattern, "s"), c.sparsity)
	}
	path := filepath.Join(dir, strings.ReplaceAll(name, ":", "")+".gguf")
	if _, err := os.Stat(path); err != nil {
		md, ts, err := synth.Build(synth.Options{Shape: s, Type: c.typ, Seed: 1, Sparsity: c.sparsity, Pattern: c.pattern})
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
	m, err := runtime.Load(f, runtime.LoadOptions{Sparse: c.policy})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkDecode times single-token steps, as llama-bench's tg test does:
// the cache restarts empty every 128 tokens.
func BenchmarkDecode(b *testing.B) {
	for _, c := range benchCases {
		b.Run("model="+c.name, func(b *testing.B) {
			m := benchModel(b, c)
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
			tps := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(tps, "tok/s")
			reportRatios(b, "decode", c, tps)
		})
	}
}

// BenchmarkPrefill times 512-token prompts from an empty cache (pp512).
func BenchmarkPrefill(b *testing.B) {
	for _, c := range benchCases {
		b.Run("model="+c.name, func(b *testing.B) {
			m := benchModel(b, c)
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
			tps := float64(512*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(tps, "tok/s")
			reportRatios(b, "prefill", c, tps)
		})
	}
}
