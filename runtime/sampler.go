package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// SamplerConfig selects how the next token is drawn from the logits. The
// steps run in llama.cpp's order: repetition penalty, top-k, top-p, min-p,
// temperature, then a draw. Temperature 0 means greedy (argmax after the
// penalty).
type SamplerConfig struct {
	Temp          float64 // 0: greedy
	TopK          int     // 0: off
	TopP          float64 // 1: off
	MinP          float64 // 0: off
	RepeatPenalty float64 // 1: off
	RepeatLastN   int     // tokens of history the penalty looks at
	Seed          uint64
}

// DefaultSampler is llama.cpp's default sampling.
func DefaultSampler() SamplerConfig {
	return SamplerConfig{Temp: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1, RepeatLastN: 64}
}

// Validate reports the first invalid parameter, named as the command-line
// flag that sets it.
func (c SamplerConfig) Validate() error {
	switch {
	case math.IsNaN(c.Temp) || c.Temp < 0:
		return fmt.Errorf("--temp %g: must be ≥ 0", c.Temp)
	case c.TopK < 0:
		return fmt.Errorf("--top-k %d: must be ≥ 0 (0 turns it off)", c.TopK)
	case math.IsNaN(c.TopP) || c.TopP <= 0 || c.TopP > 1:
		return fmt.Errorf("--top-p %g: must be in (0, 1] (1 turns it off)", c.TopP)
	case math.IsNaN(c.MinP) || c.MinP < 0 || c.MinP >= 1:
		return fmt.Errorf("--min-p %g: must be in [0, 1) (0 turns it off)", c.MinP)
	case math.IsNaN(c.RepeatPenalty) || c.RepeatPenalty <= 0:
		return fmt.Errorf("--repeat-penalty %g: must be > 0 (1 turns it off)", c.RepeatPenalty)
	case c.RepeatLastN < 0:
		return fmt.Errorf("--repeat-last-n %d: must be ≥ 0", c.RepeatLastN)
	}
	return nil
}

type candidate struct {
	id    int
	logit float32
	p     float64
}

// Sampler draws tokens; its random stream depends only on the seed, so the
// same seed and logits give the same tokens.
type Sampler struct {
	cfg  SamplerConfig
	rng  *rand.Rand
	cand []candidate
}

// NewSampler returns a sampler for a validated config.
func NewSampler(cfg SamplerConfig) *Sampler {
	return &Sampler{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// Sample picks the next token from logits. history is the sequence so far
// (for the repetition penalty). logits is not modified.
func (s *Sampler) Sample(logits []float32, history []int) int {
	c := s.cfg
	cand := s.cand[:0]
	for i, l := range logits {
		cand = append(cand, candidate{id: i, logit: l})
	}
	s.cand = cand
	if c.RepeatPenalty != 1 && c.RepeatLastN > 0 {
		seen := map[int]bool{}
		for _, id := range history[max(0, len(history)-c.RepeatLastN):] {
			if id < 0 || id >= len(cand) || seen[id] {
				continue
			}
			seen[id] = true
			if l := cand[id].logit; l > 0 {
				cand[id].logit = l / float32(c.RepeatPenalty)
			} else {
				cand[id].logit = l * float32(c.RepeatPenalty)
			}
		}
	}
	if c.Temp <= 0 {
		best := 0
		for i := range cand {
			if cand[i].logit > cand[best].logit {
				best = i
			}
		}
		return cand[best].id
	}
	// Sort by logit, descending (ties: lower id first, for determinism).
	byLogit := func(a, b candidate) int {
		if a.logit != b.logit {
			if a.logit > b.logit {
				return -1
			}
			return 1
		}
		return a.id - b.id
	}
	if c.TopK > 0 && c.TopK < len(cand) {
		cand = topK(cand, c.TopK, byLogit)
	} else {
		slices.SortFunc(cand, byLogit)
	}
	softmaxCand(cand, 1)
	if c.TopP < 1 {
		cum, keep := 0.0, len(cand)
		for i := range cand {
			cum += cand[i].p
			if cum >= c.TopP {
				keep = i + 1
				break
			}
		}
		cand = cand[:keep]
	}
	if c.MinP > 0 {
		// Relative to the most likely token; softmax order is unchanged.
		min := c.MinP * cand[0].p
		keep := 1
		for keep < len(cand) && cand[keep].p >= min {
			keep++
		}
		cand = cand[:keep]
	}
	softmaxCand(cand, c.Temp)
	r := s.rng.Float64()
	for i := range cand {
		r -= cand[i].p
		if r < 0 {
			return cand[i].id
		}
	}
	return cand[len(cand)-1].id
}

// topK moves the k best candidates to the front, sorted, and cuts the rest.
func topK(cand []candidate, k int, cmp func(a, b candidate) int) []candidate {
	// A bounded selection: keep a sorted prefix of k and insert better ones.
	best := cand[:0:0]
	best = append(best, cand[:k]...)
	slices.SortFunc(best, cmp)
	for _, c := range cand[k:] {
		if cmp(c, best[k-1]) < 0 {
			i, _ := slices.BinarySearchFunc(best, c, cmp)
			copy(best[i+1:], best[i:k-1])
			best[i] = c
		}
	}
	copy(cand, best)
	return cand[:k]
}

// softmaxCand sets p from logit/temp over the candidates.
func softmaxCand(cand []candidate, temp float64) {
	m := float64(cand[0].logit)
	for _, c := range cand {
		m = math.Max(m, float64(c.logit))
	}
	var sum float64
	for i := range cand {
		cand[i].p = math.Exp((float64(cand[i].logit) - m) / temp)
		sum += cand[i].p
	}
	for i := range cand {
		cand[i].p /= sum
	}
}
