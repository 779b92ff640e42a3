package runtime

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/sparse"
)

// sampleRows is how many leading rows auto examines before it decodes a
// whole matrix: pruning leaves every row about equally sparse (per-row
// methods exactly so), so a dense matrix is rejected for the price of a few
// rows and a dense model loads as fast as without sparse formats.
const sampleRows = 64

// SparseValues classifies a tensor type for sparse.Choose: the precision
// its sparse values need.
func SparseValues(t gguf.Type) sparse.Values {
	switch t {
	case gguf.F32, gguf.F16, gguf.BF16, gguf.F64:
		return sparse.ValuesFloat
	case gguf.Q8_0, gguf.Q8_1, gguf.Q8_K, gguf.Q6_K, gguf.Q5_0, gguf.Q5_1, gguf.Q5_K:
		return sparse.ValuesInt8
	}
	return sparse.ValuesInt4
}

// rowStats decodes rows [0, n) of a tensor into *buf (grown as needed) and
// counts their zeros.
func rowStats(f *gguf.File, t *gguf.TensorInfo, n int, buf *[]float32) (sparse.RowStats, []float32, error) {
	cols := t.Cols()
	rb := t.Type.RowBytes(cols)
	if cap(*buf) < n*cols {
		*buf = make([]float32, n*cols)
	}
	w := (*buf)[:n*cols]
	if err := gguf.Dequantize(t.Type, f.Data(t)[:n*rb], w); err != nil {
		return sparse.RowStats{}, nil, fmt.Errorf("%s: tensor %s: %w", f.Path, t.Name, err)
	}
	st := sparse.NewRowStats()
	for r := range n {
		st.Add(w[r*cols : (r+1)*cols])
	}
	return st, w, nil
}

// sparsify gives each pending matrix the storage the policy picks for it,
// on as many goroutines as GOMAXPROCS allows (each with its own decode
// buffer). A matrix that stays dense keeps the storage Load gave it.
func (l *loader) sparsify(progress func(done, total int)) error {
	pending := l.pending
	l.pending = nil
	if len(pending) == 0 {
		return nil
	}
	var (
		mu    sync.Mutex
		next  int
		done  int
		first error
	)
	report := func() {
		done++
		if progress != nil {
			progress(done, len(pending))
		}
	}
	work := func() {
		var buf []float32
		for {
			mu.Lock()
			if next == len(pending) || first != nil {
				mu.Unlock()
				return
			}
			lin := pending[next]
			next++
			mu.Unlock()
			err := l.sparsifyOne(lin, &buf)
			lin.src = nil
			mu.Lock()
			if err != nil && first == nil {
				first = err
			}
			report()
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range min(goruntime.GOMAXPROCS(0), len(pending)) {
		wg.Go(work)
	}
	wg.Wait()
	if first != nil {
		return first
	}
	// The sparse arrays follow the file into huge pages: a copy that costs
	// load time (first-touch faults of 2 MiB pages, ~1 s for TinyLlama at
	// 70 %) for a few percent of decode speed, the trade --load hugepages
	// asks for.
	if l.f.HugePages() {
		ms := make([]sparse.Matrix, len(pending))
		for i, lin := range pending {
			ms[i] = lin.W
		}
		sparse.Relocate(ms)
	}
	return nil
}

func (l *loader) sparsifyOne(lin *Linear, buf *[]float32) error {
	t := lin.src
	rows, cols := t.Rows(), t.Cols()
	v := SparseValues(t.Type)
	if l.policy == sparse.PolicyAuto && rows > sampleRows {
		st, _, err := rowStats(l.f, t, sampleRows, buf)
		if err != nil {
			return err
		}
		// The sample must look sparse enough with some slack, and a 2:4
		// pattern must hold in it too if that is what makes it sparse.
		slack := st
		slack.Zeros += st.Elements / 10
		if sparse.Choose(slack, cols, v) == "" && !(st.NM24 && st.Sparsity() >= 0.5) {
			return nil
		}
	}
	st, w, err := rowStats(l.f, t, rows, buf)
	if err != nil {
		return err
	}
	lin.Zeros = st.Sparsity()
	format := l.policy.Pick(st, cols, v)
	if format == "" {
		return nil
	}
	m, err := sparse.NewSparse(format, w, rows, cols, l.impl)
	if err != nil {
		return fmt.Errorf("%s: tensor %s: %w", l.f.Path, t.Name, err)
	}
	lin.W = m
	// The dense matrix aliasing the file is gone with lin.W; the embedding
	// table (the head's tensor when tied) is read every token.
	if !l.keep && t.Name != "token_embd.weight" {
		l.f.Release(t)
	}
	return nil
}

// IsLinearTensor reports whether a tensor name is one of the weight
// matrices Load gives a storage format (the blocks' seven and the output
// head).
func IsLinearTensor(name string) bool {
	if name == "output.weight" {
		return true
	}
	rest, ok := strings.CutPrefix(name, "blk.")
	if !ok {
		return false
	}
	_, rest, ok = strings.Cut(rest, ".")
	if !ok {
		return false
	}
	switch rest {
	case "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight":
		return true
	}
	return false
}
