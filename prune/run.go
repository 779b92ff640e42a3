package prune

import (
	"context"
	"fmt"
	"math"
	"slices"
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
	// OWL, if set, gives every block its own sparsity from the outlier
	// distribution of the dense model (an extra dense pass over all blocks
	// before pruning).
	OWL *OWLConfig
	// DSnoT, if set, refines each pruned matrix's mask.
	DSnoT *DSnoTConfig
	// Progress, if set, is called after each block.
	Progress func(done, blocks int, r BlockReport)
	// OWLProgress, if set, is called after each block of OWL's dense pass.
	OWLProgress func(done, blocks int)
}

// OWLConfig holds OWL's hyperparameters: M (the outlier threshold as a
// multiple of the mean score; reference README 5) and Lambda (the spread of
// block sparsities: they span 2λ for unstructured targets, λ for N:M).
type OWLConfig struct {
	M, Lambda float64
}

// DSnoTConfig selects DSnoT's mode and which sublayers it refines.
type DSnoTConfig struct {
	// Reference runs the reference's exact loop with its exact defaults
	// (50 cycles, τ = 0.1) whatever the model size; otherwise the cycle
	// budget and threshold follow each matrix's width and the calibration
	// length (DSnoTDefaultOptions).
	Reference bool
	// Tune, if set, overrides parts of the scale-aware defaults.
	Tune *DSnoTTuning
	// Skip lists the sublayers left with their initial mask: any of q, k,
	// v, o, gate, up, down.
	Skip []string
}

// DSnoTTuning overrides DSnoT settings: Cycles > 0 sets the cycle limit,
// Threshold ≥ 0 the update threshold, PowVar the variance exponent.
type DSnoTTuning struct {
	Cycles    int
	Threshold float64
	PowVar    float64
}

// sublayers names the seven matrices in Block.Linears order.
var sublayers = []string{"q", "k", "v", "o", "gate", "up", "down"}

// needsStats reports whether the run reads activation statistics.
func (c *Config) needsStats() bool {
	return c.Method.needsCalibration() || c.OWL != nil || c.DSnoT != nil
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
	// Targets is each block's target (all equal without OWL).
	Targets []Target
	// OWLRatios is each block's outlier ratio in percent (OWL only).
	OWLRatios []float64
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
	if cfg.needsStats() && len(windows) == 0 {
		return nil, fmt.Errorf("method %s with these options needs calibration windows", cfg.Method)
	}
	if cfg.DSnoT != nil {
		for _, sk := range cfg.DSnoT.Skip {
			if !slices.Contains(sublayers, sk) {
				return nil, fmt.Errorf("DSnoT skip %q: sublayers are q, k, v, o, gate, up, down", sk)
			}
		}
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
	for s, w := range windows {
		if len(w) != seqlen {
			return nil, fmt.Errorf("calibration window %d has %d tokens, the first %d", s, len(w), seqlen)
		}
	}
	var st *runtime.State
	if seqlen > 0 {
		var err error
		if st, err = m.NewState(pool, seqlen, seqlen); err != nil {
			return nil, err
		}
	}
	res := &Result{}
	// Block inputs of every sample, updated in place block by block.
	inps, err := embedWindows(m, windows)
	if err != nil {
		return nil, err
	}
	res.Targets = make([]Target, len(m.Blocks))
	for l := range res.Targets {
		res.Targets[l] = cfg.Target
	}
	if cfg.OWL != nil {
		if res.OWLRatios, err = owlRatios(ctx, m, st, inps, cfg); err != nil {
			return nil, err
		}
		if cfg.Target.Structured() {
			for l, n := range OWLNM(res.OWLRatios, cfg.Target.N, cfg.Target.M, cfg.OWL.Lambda) {
				res.Targets[l] = NM(n, cfg.Target.M)
			}
		} else {
			for l, p := range OWLSparsities(res.OWLRatios, cfg.Target.Ratio, cfg.OWL.Lambda) {
				res.Targets[l] = Unstructured(p)
			}
		}
		for l, t := range res.Targets {
			if err := t.Validate(); err != nil {
				return nil, fmt.Errorf("OWL gives block %d the target %s: %w (choose a smaller --owl-lambda)", l, t, err)
			}
		}
		// Pass 2 starts again from the embeddings, as the reference reloads
		// its calibration data.
		if inps, err = embedWindows(m, windows); err != nil {
			return nil, err
		}
	}
	scratch := make([]float32, seqlen*D)
	dense := make([][]float32, min(errSamples, len(inps)))
	for l, b := range m.Blocks {
		start := time.Now()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// 1. Dense pass: statistics of the four input streams.
		var stats [4]*Stats
		if cfg.needsStats() {
			stats = newBlockStats(b, cfg.Method == MethodSparseGPT)
			st.Observer = func(layer int, s runtime.Stream, x []float32, n int) { stats[s].Add(x, n, m.Impl) }
		}
		for s := range inps {
			if !cfg.needsStats() && s >= len(dense) {
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
		bcfg := cfg
		bcfg.Target = res.Targets[l]
		// SparseGPT factorizes each stream's Hessian once for the matrices
		// that read it (q, k, v share one; gate and up share one).
		var factors [4]*SparseGPTFactor
		for i, lin := range b.Linears() {
			s := streams[i]
			var fac *SparseGPTFactor
			if cfg.Method == MethodSparseGPT {
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
			tr, err := pruneLinear(m, lin, sublayers[i], stats[s], fac, bcfg)
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

// streams maps Block.Linears to the stream each reads.
var streams = []runtime.Stream{runtime.StreamAttnIn, runtime.StreamAttnIn, runtime.StreamAttnIn, runtime.StreamAttnOut,
	runtime.StreamFFNIn, runtime.StreamFFNIn, runtime.StreamFFNDown}

func newBlockStats(b *runtime.Block, withH bool) [4]*Stats {
	return [4]*Stats{NewStats(b.Q.In(), withH), NewStats(b.O.In(), withH), NewStats(b.Gate.In(), withH), NewStats(b.Down.In(), withH)}
}

// embedWindows returns block 0's input for every calibration window.
func embedWindows(m *runtime.Model, windows [][]int) ([][]float32, error) {
	inps := make([][]float32, len(windows))
	for s, w := range windows {
		inps[s] = make([]float32, len(w)*m.Dim)
		for t, id := range w {
			if err := m.EmbedRow(inps[s][t*m.Dim:], id); err != nil {
				return nil, err
			}
		}
	}
	return inps, nil
}

// owlRatios is OWL's pass 1: the dense model runs block by block over the
// calibration samples (inps is overwritten with each block's dense output),
// and each block's outlier ratio is taken over the Wanda scores of its seven
// matrices.
func owlRatios(ctx context.Context, m *runtime.Model, st *runtime.State, inps [][]float32, cfg Config) ([]float64, error) {
	ratios := make([]float64, len(m.Blocks))
	seqlen := st.Context()
	for l, b := range m.Blocks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		stats := newBlockStats(b, false)
		st.Observer = func(layer int, s runtime.Stream, x []float32, n int) { stats[s].Add(x, n, m.Impl) }
		for s := range inps {
			if err := st.RunBlock(l, inps[s], seqlen); err != nil {
				st.Observer = nil
				return nil, err
			}
		}
		st.Observer = nil
		var scores [][]float32
		for i, lin := range b.Linears() {
			w, err := originalWeights(m, lin)
			if err != nil {
				return nil, err
			}
			sc, err := WandaScores(w, lin.Out(), lin.In(), stats[streams[i]].ScalerRow())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", lin.Name, err)
			}
			scores = append(scores, sc)
		}
		ratios[l] = OutlierRatio(scores, cfg.OWL.M)
		if cfg.OWLProgress != nil {
			cfg.OWLProgress(l+1, len(m.Blocks))
		}
	}
	return ratios, nil
}

// originalWeights decodes a linear layer's weights from the model file.
func originalWeights(m *runtime.Model, lin *runtime.Linear) ([]float32, error) {
	ti, ok := m.File.Tensor(lin.Name)
	if !ok {
		return nil, fmt.Errorf("tensor %s is not in %s", lin.Name, m.File.Path)
	}
	w := make([]float32, lin.Out()*lin.In())
	if err := gguf.Dequantize(ti.Type, m.File.Data(ti), w); err != nil {
		return nil, fmt.Errorf("%s: %w", lin.Name, err)
	}
	return w, nil
}

func zeroPreserving(t gguf.Type) bool {
	switch t {
	case gguf.F32, gguf.F16, gguf.BF16, gguf.Q8_0, gguf.Q4_0:
		return true
	}
	return false
}

// pruneLinear prunes one matrix from its original values (refining the
// mask with DSnoT if asked), stores it in cfg.Type and swaps the model's
// weight for the stored one.
func pruneLinear(m *runtime.Model, lin *runtime.Linear, sub string, st *Stats, fac *SparseGPTFactor, cfg Config) (*TensorResult, error) {
	rows, cols := lin.Out(), lin.In()
	w, err := originalWeights(m, lin)
	if err != nil {
		return nil, err
	}
	var orig []float32
	if cfg.DSnoT != nil {
		orig = slices.Clone(w)
	}
	var mask Mask
	switch cfg.Method {
	case MethodMagnitude:
		mask, err = Magnitude(w, rows, cols, cfg.Target)
	case MethodMagnitudeRow:
		if cfg.Target.Structured() {
			mask, err = Magnitude(w, rows, cols, cfg.Target) // N:M is per row already
		} else {
			mask, err = MagnitudeRow(w, rows, cols, cfg.Target.Ratio)
		}
	case MethodWanda:
		mask, err = Wanda(w, rows, cols, st.ScalerRow(), cfg.Target)
	case MethodSparseGPT:
		o := cfg.SparseGPT
		mask, err = fac.Prune(w, rows, cfg.Target, &o)
	default:
		err = fmt.Errorf("unknown method %q", cfg.Method)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", lin.Name, err)
	}
	if d := cfg.DSnoT; d != nil && !slices.Contains(d.Skip, sub) {
		newMask, err := refine(w, orig, rows, cols, mask, st, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: DSnoT: %w", lin.Name, err)
		}
		// SparseGPT's kept weights were solved for its own mask: re-solve
		// them from the original weights for DSnoT's.
		if cfg.Method == MethodSparseGPT && !d.Reference {
			copy(w, orig)
			o := cfg.SparseGPT
			if err := fac.Reconstruct(w, rows, newMask, cfg.Target, &o); err != nil {
				return nil, fmt.Errorf("%s: DSnoT: %w", lin.Name, err)
			}
		}
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

// refine runs DSnoT on a pruned matrix and rewrites w by its new mask:
// weights it revives get their original value, weights it prunes become 0.
// For SparseGPT, w holds the reconstruction-updated weights: those are the
// weights DSnoT's error signal is computed from, with original values at
// the pruned positions (what a revived weight would be) — the "done right"
// version of the reference's SparseGPT-initialized DSnoT, whose released
// code never accumulates a Hessian.
func refine(w, orig []float32, rows, cols int, mask Mask, st *Stats, cfg Config) (Mask, error) {
	cur := slices.Clone(w)
	for i, p := range mask {
		if p {
			cur[i] = orig[i]
		}
	}
	mean := make([]float64, cols)
	variance := make([]float64, cols)
	for j := range mean {
		mean[j] = st.Sum[j] / float64(st.Samples)
		variance[j] = st.WithinVar[j] / float64(st.Tokens)
	}
	opts := DSnoTDefaultOptions(cols, st.Tokens, st.Samples)
	if cfg.DSnoT.Reference {
		opts = DSnoTReferenceOptions()
	} else if t := cfg.DSnoT.Tune; t != nil {
		if t.Cycles > 0 {
			opts.MaxCycles = t.Cycles
		}
		if t.Threshold >= 0 {
			opts.UpdateThreshold = t.Threshold
		}
		opts.PowVarRegrow = t.PowVar
	}
	newMask, err := DSnoT(cur, rows, cols, mask, mean, variance, st.ScalerRow(), cfg.Target, opts)
	if err != nil {
		return nil, err
	}
	for i, p := range newMask {
		switch {
		case p:
			w[i] = 0
		case mask[i]:
			w[i] = orig[i] // revived
		}
	}
	return newMask, nil
}
