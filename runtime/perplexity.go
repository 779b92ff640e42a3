package runtime

import (
	"context"
	"fmt"
	"math"
)

// Protocol is how a text is cut into windows and which tokens are scored.
type Protocol string

const (
	// ProtocolPaper is the pruning papers' WikiText-2 evaluation (Wanda,
	// SparseGPT, OWL, DSnoT): the tokenized text (one BOS at its start) is cut
	// into ⌊T/ctx⌋ non-overlapping windows, each evaluated from an empty
	// cache, and every position but the last predicts its successor;
	// PPL = exp(mean NLL).
	ProtocolPaper Protocol = "paper"
	// ProtocolLlamaCpp is llama-perplexity's: the same windows ("chunks"), the
	// first token of each replaced by BOS, and only the second half of each
	// chunk scored, so every scored token has at least ctx/2 of context.
	ProtocolLlamaCpp Protocol = "llama.cpp"
)

// PerplexityResult is the outcome of a perplexity run.
type PerplexityResult struct {
	PPL     float64
	StdErr  float64 // llama.cpp's uncertainty estimate of PPL
	Windows int
	Scored  int // tokens scored
	NLL     float64
}

// PerplexityOptions controls Perplexity.
type PerplexityOptions struct {
	Ctx      int
	Protocol Protocol
	BOS      int // the model's BOS id, or -1
	// Progress, if set, is called after each window with its index (from 1)
	// and the running perplexity.
	Progress func(window, windows int, ppl float64)
}

// Perplexity scores a tokenized text with st's model. st's cache must hold at
// least opt.Ctx tokens.
func Perplexity(ctx context.Context, st *State, tokens []int, opt PerplexityOptions) (PerplexityResult, error) {
	var r PerplexityResult
	n := opt.Ctx
	if n < 2 {
		return r, fmt.Errorf("--ctx %d: must be at least 2", n)
	}
	if n > st.ctx {
		return r, fmt.Errorf("--ctx %d: exceeds the evaluation context %d", n, st.ctx)
	}
	first := 0
	switch opt.Protocol {
	case ProtocolPaper:
		if len(tokens) < n {
			return r, fmt.Errorf("the text has %d tokens, fewer than one window of --ctx %d", len(tokens), n)
		}
	case ProtocolLlamaCpp:
		first = n / 2
		if len(tokens) < 2*n {
			return r, fmt.Errorf("the text has %d tokens; llama.cpp's protocol needs at least 2×ctx = %d", len(tokens), 2*n)
		}
	default:
		return r, fmt.Errorf("--protocol %q: must be paper or llama.cpp", opt.Protocol)
	}
	r.Windows = len(tokens) / n
	window := make([]int, n)
	var nll, nll2 float64
	for w := 0; w < r.Windows; w++ {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		copy(window, tokens[w*n:(w+1)*n])
		if opt.Protocol == ProtocolLlamaCpp && opt.BOS >= 0 {
			window[0] = opt.BOS
		}
		st.Reset()
		logits, err := st.Forward(window, true)
		if err != nil {
			return r, err
		}
		vocab := st.m.Vocab
		for i := first; i < n-1; i++ {
			l := tokenNLL(logits[i*vocab:(i+1)*vocab], window[i+1])
			nll += l
			nll2 += l * l
			r.Scored++
		}
		if opt.Progress != nil {
			opt.Progress(w+1, r.Windows, math.Exp(nll/float64(r.Scored)))
		}
	}
	mean := nll / float64(r.Scored)
	r.NLL, r.PPL = mean, math.Exp(mean)
	if v := nll2/float64(r.Scored) - mean*mean; v > 0 && r.Scored > 1 {
		r.StdErr = math.Sqrt(v/float64(r.Scored-1)) * r.PPL
	}
	return r, nil
}

// tokenNLL is −log softmax(logits)[target], in float64.
func tokenNLL(logits []float32, target int) float64 {
	m := float64(logits[0])
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - m)
	}
	return math.Log(sum) - (float64(logits[target]) - m)
}
