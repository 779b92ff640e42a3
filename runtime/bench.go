package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sieve-llm/sieve/asm"
)

// BenchTokens returns n token ids spread over the vocabulary (never BOS's
// neighbourhood matters: speed does not depend on the ids).
func (m *Model) BenchTokens(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0))
	ids := make([]int, n)
	for i := range ids {
		ids[i] = r.IntN(m.Vocab)
	}
	return ids
}

// BenchPrompt times the evaluation of n tokens from an empty cache, as
// llama-bench's ppN test does.
func BenchPrompt(st *State, n int) (time.Duration, error) {
	if n > st.ctx {
		return 0, fmt.Errorf("prompt of %d tokens exceeds the context %d", n, st.ctx)
	}
	ids := st.m.BenchTokens(n, 1)
	st.Reset()
	start := time.Now()
	_, err := st.Forward(ids, false)
	return time.Since(start), err
}

// BenchGenerate times n single-token forward passes from an empty cache, as
// llama-bench's tgN test does (no sampling: the next id is fixed).
func BenchGenerate(st *State, n int) (time.Duration, error) {
	if n > st.ctx {
		return 0, fmt.Errorf("%d tokens exceed the context %d", n, st.ctx)
	}
	ids := st.m.BenchTokens(n, 2)
	st.Reset()
	start := time.Now()
	for _, id := range ids {
		if _, err := st.Forward([]int{id}, false); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// WeightBytes is the bytes of weights one decode step reads: every linear
// layer including the output head (the token embedding is one row).
func (m *Model) WeightBytes() int64 {
	n := m.Output.W.StorageBytes()
	for _, b := range m.Blocks {
		for _, l := range b.Linears() {
			n += l.W.StorageBytes()
		}
	}
	return n
}

// ReadBandwidth measures memory read bandwidth in bytes per second: every
// worker of p streams its share of a buffer of the given size (far larger
// than the caches) through the SumF32 kernel, reps times; the median
// repetition counts. It is the yardstick for decode, which must stream all
// weights once per token.
func ReadBandwidth(p *Pool, impl *asm.Impl, bytes int, reps int) float64 {
	buf := make([]float32, bytes/4)
	for i := range buf {
		buf[i] = 1 // touch every page before timing
	}
	n := p.Threads()
	share := len(buf) / n &^ 31
	rates := make([]float64, 0, reps)
	for r := 0; r < reps; r++ {
		start := time.Now()
		p.Run(func(w int) { impl.SumF32(buf[w*share : (w+1)*share]) })
		rates = append(rates, float64(n*share*4)/time.Since(start).Seconds())
	}
	slices.Sort(rates)
	return rates[len(rates)/2]
}
