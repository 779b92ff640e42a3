package prune

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/runtime"
)

// Method is a pruning algorithm.
type Method string

const (
	MethodMagnitude    Method = "magnitude"     // per-matrix |W| threshold, as the reference
	MethodMagnitudeRow Method = "magnitude-row" // per-row |W|
	MethodWanda        Method = "wanda"
	MethodSparseGPT    Method = "sparsegpt"
)

// Methods lists the methods by name.
var Methods = []Method{MethodMagnitude, MethodMagnitudeRow, MethodWanda, MethodSparseGPT}

// ParseMethod validates a method name.
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("--method %q: must be one of magnitude, magnitude-row, wanda, sparsegpt", s)
}

// needsCalibration reports whether the method reads activation statistics.
func (m Method) needsCalibration() bool { return m == MethodWanda || m == MethodSparseGPT }

// Config controls Run.
type Config struct {
	Method    Method
	Target    Target
	SparseGPT SparseGPTOptions
	// Type is the encoding the pruned weights are stored in (zero-preserving:
	// F32, F16, BF16, Q8_0, Q4_0). The block re-run that feeds the next block
	// sees exactly the stored values.
	Type gguf.Type
	// Progress, if set, is called after each block.
	Progress func(done, blocks int, r BlockReport)
}

// BlockReport summarizes one pruned block.
type BlockReport struct {
	Block    int
	Zeros    int64   // pruned (zero) weights in the block's seven matrices
	Weights  int64   // weights in them
	RelError float64 // ‖Δ block output‖ / ‖dense block update‖ on the first samples
	Duration time.Duration
}

// Sparsity is the block's achieved sparsity.
func (r BlockReport) Sparsity() float64 { return float64(r.Zeros) / float64(r.Weights) }

// TensorResult is one pruned matrix: its name, shape and new data.
type TensorResult struct {
	Name       string
	Rows, Cols int
	Type       gguf.Type
	Data       []byte
	Zeros      int64
}

// Result is the outcome of Run.
type Result struct {
	Blocks  []BlockReport
	Tensors []TensorResult // in model order: block by block, q k v o gate up down
}

// errSamples bounds how many calibration samples the reconstruction error
// is measured on (their dense outputs are kept, so memory stays bounded).
const errSamples = 4

// Run prunes the seven linear layers of every block of m, in order, as the
// reference code does: block 0's inputs are the embeddings of the
// calibration windows; for each block one dense pass over all samples feeds
// the statistics of its four input streams, the seven matrices are pruned,
// and the pruned block is run again to produce the next block's inputs. The
// model's weights are replaced by the pruned ones as it goes, so afterwards m
// runs the pruned model.
func Run(ctx context.Context, m *runtime.Model, pool *runtime.Pool, windows [][]int, cfg Config) (*Result, error) {
	if err := cfg.Target.Validate(); err != nil {
		return nil, err
	}
	if !zeroPreserving(cfg.Type) {
		return nil, fmt.Errorf("--type %s does not keep pruned weights exactly zero; use F32, F16, BF16, Q8_0 or Q4_0", cfg.Type)
	}
	if cfg.Method.needsCalibration() && len(windows) == 0 {
		return nil, fmt.Errorf("method %s needs calibration windows", cfg.Method)
	}
	for _, b := range m.Blocks {
		for _, l := range b.Linears() {
			if err := cfg.Target.ValidateFor(l.In()); err != nil {
				return nil, fmt.Errorf("%s: %w", l.Name, err)
			}
		}
	}
	D := m.Dim
	seqlen := 0
	if len(windows) > 0 {
		seqlen = len(windows[0])
	}
	// Block inputs of every sample, updated in place block by block.
	inps := make([][]float32, len(windows))
	for s, w := range windows {
		if len(w) != seqlen {
			return nil, fmt.Errorf("calibration window %d has %d tokens, the first %d", s, len(w), seqlen)
		}
		inps[s] = make([]float32, seqlen*D)
		for t, id := range w {
			if err := m.EmbedRow(inps[s][t*D:], id); err != nil {
				return nil, err
			}
		}
	}
	var st *runtime.State
	if seqlen > 0 {
		var err error
		if st, err = m.NewState(pool, seqlen, seqlen); err != nil {
			return nil, err
		}
	}
	scratch := make([]float32, seqlen*D)
	dense := make([][]float32, min(errSamples, len(inps)))
	res := &Result{}
	for l, b := range m.Blocks {
		start := time.Now()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// 1. Dense pass: statistics of the four input streams.
		var stats [4]*Stats
		if cfg.Method.needsCalibration() {
			withH := cfg.Method == MethodSparseGPT
			stats = [4]*Stats{NewStats(D, withH), NewStats(b.O.In(), withH), NewStats(D, withH), NewStats(b.Down.In(), withH)}
			st.Observer = func(layer int, s runtime.Stream, x []float32, n int) { stats[s].Add(x, n, m.Impl) }
		}
		for s := range inps {
			if !cfg.Method.needsCalibration() && s >= len(dense) {
				break
			}
			copy(scratch, inps[s])
			if err := st.RunBlock(l, scratch, seqlen); err != nil {
				return nil, err
			}
			if s < len(dense) {
				dense[s] = append(dense[s][:0], scratch...)
			}
		}
		if st != nil {
			st.Observer = nil
		}
		// 2. Prune the seven matrices.
		rep := BlockReport{Block: l}
		streams := []runtime.Stream{runtime.StreamAttnIn, runtime.StreamAttnIn, runtime.StreamAttnIn, runtime.StreamAttnOut,
			runtime.StreamFFNIn, runtime.StreamFFNIn, runtime.StreamFFNDown}
		// SparseGPT factorizes each stream's Hessian once for the matrices
		// that read it (q, k, v share one; gate and up share one).
		var factors [4]*SparseGPTFactor
		for i, lin := range b.Linears() {
			var fac *SparseGPTFactor
			if cfg.Method == MethodSparseGPT {
				s := streams[i]
				if factors[s] == nil {
					o := cfg.SparseGPT
					f, err := NewSparseGPTFactor(stats[s].Hessian(), lin.In(), &o)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", lin.Name, err)
					}
					factors[s] = f
				}
				fac = factors[s]
			}
			tr, err := pruneLinear(m, lin, stats[streams[i]], fac, cfg)
			if err != nil {
				return nil, err
			}
			rep.Zeros += tr.Zeros
			rep.Weights += int64(tr.Rows) * int64(tr.Cols)
			res.Tensors = append(res.Tensors, *tr)
		}
		// 3. Pruned pass: the next block's inputs, and the error against the
		// dense outputs of the first samples.
		var num, den float64
		for s := range inps {
			if s < len(dense) {
				copy(scratch, inps[s])
			}
			if err := st.RunBlock(l, inps[s], seqlen); err != nil {
				return nil, err
			}
			if s < len(dense) {
				for i, v := range inps[s] {
					d := float64(v - dense[s][i])
					u := float64(dense[s][i] - scratch[i])
					num += d * d
					den += u * u
				}
			}
		}
		if den > 0 {
			rep.RelError = math.Sqrt(num / den)
		}
		rep.Duration = time.Since(start)
		res.Blocks = append(res.Blocks, rep)
		if cfg.Progress != nil {
			cfg.Progress(l+1, len(m.Blocks), rep)
		}
	}
	return res, nil
}

func zeroPreserving(t gguf.Type) bool {
	switch t {
	case gguf.F32, gguf.F16, gguf.BF16, gguf.Q8_0, gguf.Q4_0:
		return true
	}
	return false
}

// pruneLinear prunes one matrix from its original values, stores it in
// cfg.Type and swaps the model's weight for the stored one.
func pruneLinear(m *runtime.Model, lin *runtime.Linear, st *Stats, fac *SparseGPTFactor, cfg Config) (*TensorResult, error) {
	rows, cols := lin.Out(), lin.In()
	ti, ok := m.File.Tensor(lin.Name)
	if !ok {
		return nil, fmt.Errorf("tensor %s is not in %s", lin.Name, m.File.Path)
	}
	w := make([]float32, rows*cols)
	if err := gguf.Dequantize(ti.Type, m.File.Data(ti), w); err != nil {
		return nil, fmt.Errorf("%s: %w", lin.Name, err)
	}
	var err error
	switch cfg.Method {
	case MethodMagnitude:
		_, err = Magnitude(w, rows, cols, cfg.Target)
	case MethodMagnitudeRow:
		if cfg.Target.Structured() {
			_, err = Magnitude(w, rows, cols, cfg.Target) // N:M is per row already
		} else {
			_, err = MagnitudeRow(w, rows, cols, cfg.Target.Ratio)
		}
	case MethodWanda:
		_, err = Wanda(w, rows, cols, st.ScalerRow(), cfg.Target)
	case MethodSparseGPT:
		o := cfg.SparseGPT
		_, err = fac.Prune(w, rows, cfg.Target, &o)
	default:
		err = fmt.Errorf("unknown method %q", cfg.Method)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", lin.Name, err)
	}
	// Rows that do not fill whole blocks of a quantized type (stories260K's
	// 172-wide ffn_down) are stored as F16 instead.
	typ := cfg.Type
	if cols%typ.BlockSize() != 0 {
		typ = gguf.F16
	}
	data := make([]byte, typ.RowBytes(rows*cols))
	if err := gguf.Quantize(typ, w, data); err != nil {
		return nil, fmt.Errorf("%s: %w", lin.Name, err)
	}
	// The model now runs on exactly what is stored.
	mat, err := runtime.NewDense(typ, data, rows, cols, m.Impl)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", lin.Name, err)
	}
	lin.W = mat
	if err := gguf.Dequantize(typ, data, w); err != nil {
		return nil, err
	}
	return &TensorResult{Name: lin.Name, Rows: rows, Cols: cols, Type: typ, Data: data, Zeros: int64(CountZeros(w))}, nil
}
