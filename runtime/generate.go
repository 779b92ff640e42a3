package runtime

import (
	"context"
	"fmt"
	"time"
)

// GenerateOptions controls Generate.
type GenerateOptions struct {
	MaxTokens int // tokens to generate at most
	Sampler   SamplerConfig
	// IsEOG reports end-of-generation tokens (EOS, EOT, ...); generation stops
	// after emitting one. nil: never stop early.
	IsEOG func(id int) bool
}

// Timings of one generation, as llama.cpp reports them.
type Timings struct {
	PromptTokens int
	Prompt       time.Duration
	GenTokens    int
	Gen          time.Duration // sampling and the forward passes after the prompt
	Stop         string        // "eog", "length" or "context"
}

// Generate evaluates the prompt at the end of st's cache, then samples up to
// opt.MaxTokens tokens, passing each to emit as soon as it is drawn. It stops
// at an end-of-generation token, at the limit, when the cache is full, or
// when ctx is cancelled (returning ctx.Err()).
func Generate(ctx context.Context, st *State, prompt []int, opt GenerateOptions, emit func(id int) error) (tm Timings, err error) {
	if len(prompt) == 0 {
		return tm, fmt.Errorf("empty prompt: start from at least BOS")
	}
	if st.Pos+len(prompt) > st.ctx {
		return tm, fmt.Errorf("the prompt has %d tokens, more than the context of %d allows", len(prompt), st.ctx-st.Pos)
	}
	if err := opt.Sampler.Validate(); err != nil {
		return tm, err
	}
	s := NewSampler(opt.Sampler)
	history := append([]int(nil), prompt...)
	start := time.Now()
	logits, err := st.Forward(prompt, false)
	if err != nil {
		return tm, err
	}
	tm.PromptTokens, tm.Prompt = len(prompt), time.Since(start)
	start = time.Now()
	defer func() { tm.Gen = time.Since(start) }()
	for tm.GenTokens < opt.MaxTokens {
		if err := ctx.Err(); err != nil {
			return tm, err
		}
		id := s.Sample(logits, history)
		history = append(history, id)
		tm.GenTokens++
		if err := emit(id); err != nil {
			return tm, err
		}
		if opt.IsEOG != nil && opt.IsEOG(id) {
			tm.Stop = "eog"
			return tm, nil
		}
		if tm.GenTokens == opt.MaxTokens {
			break
		}
		if st.Pos >= st.ctx {
			tm.Stop = "context"
			return tm, nil
		}
		if logits, err = st.Forward([]int{id}, false); err != nil {
			return tm, err
		}
	}
	tm.Stop = "length"
	return tm, nil
}
