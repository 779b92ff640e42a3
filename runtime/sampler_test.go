package runtime

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSamplerGreedyAndPenalty(t *testing.T) {
	logits := []float32{1, 5, 3, -2}
	s := NewSampler(SamplerConfig{Temp: 0, TopP: 1, RepeatPenalty: 1})
	if got := s.Sample(logits, nil); got != 1 {
		t.Fatalf("greedy picked %d", got)
	}
	// Penalty 2 halves the positive logit 5 → 2.5 < 3.
	s = NewSampler(SamplerConfig{Temp: 0, TopP: 1, RepeatPenalty: 2, RepeatLastN: 4})
	if got := s.Sample(logits, []int{1}); got != 2 {
		t.Fatalf("penalized greedy picked %d", got)
	}
	if logits[1] != 5 {
		t.Fatal("Sample modified the logits")
	}
}

func TestSamplerFilters(t *testing.T) {
	// p ∝ e^logit: token 0 dominates, then 1, then 2 and 3.
	logits := []float32{4, 3, 0, 0}
	count := func(cfg SamplerConfig) map[int]int {
		s := NewSampler(cfg)
		n := map[int]int{}
		for i := 0; i < 4000; i++ {
			n[s.Sample(logits, nil)]++
		}
		return n
	}
	base := SamplerConfig{Temp: 1, TopP: 1, RepeatPenalty: 1, Seed: 7}
	if n := count(base); n[2] == 0 || n[3] == 0 {
		t.Fatalf("unfiltered sampling never drew the tail: %v", n)
	}
	k := base
	k.TopK = 2
	if n := count(k); n[2]+n[3] != 0 || n[0] == 0 || n[1] == 0 {
		t.Fatalf("top-k 2: %v", n)
	}
	p := base
	p.TopP = 0.7 // softmax(4,3,0,0)[0] = 0.7213 ≥ 0.7: only token 0 is kept
	if n := count(p); n[0] != 4000 {
		t.Fatalf("top-p 0.7: %v", n)
	}
	mp := base
	mp.MinP = 0.1 // keeps p ≥ 0.072: tokens 0 and 1 (0.265), not 2 and 3 (0.013)
	if n := count(mp); n[2]+n[3] != 0 || n[1] == 0 {
		t.Fatalf("min-p 0.1: %v", n)
	}
	hot := base
	hot.Temp = 100 // nearly uniform
	if n := count(hot); math.Abs(float64(n[3])-1000) > 150 {
		t.Fatalf("temperature 100 should be near uniform: %v", n)
	}
}

func TestSamplerSeedReproducible(t *testing.T) {
	logits := make([]float32, 1000)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)))
	}
	draw := func(seed uint64) []int {
		s := NewSampler(SamplerConfig{Temp: 0.9, TopK: 50, TopP: 0.95, MinP: 0.01, RepeatPenalty: 1.1, RepeatLastN: 8, Seed: seed})
		var out []int
		for i := 0; i < 50; i++ {
			out = append(out, s.Sample(logits, out))
		}
		return out
	}
	if a, b := draw(42), draw(42); !slices.Equal(a, b) {
		t.Fatal("same seed gave different tokens")
	}
	if a, b := draw(42), draw(43); slices.Equal(a, b) {
		t.Fatal("different seeds gave the same 50 tokens")
	}
}

func TestSamplerValidate(t *testing.T) {
	bad := []SamplerConfig{
		{Temp: -1, TopP: 1, RepeatPenalty: 1},
		{TopK: -1, TopP: 1, RepeatPenalty: 1},
		{TopP: 0, RepeatPenalty: 1},
		{TopP: 1.5, RepeatPenalty: 1},
		{TopP: 1, MinP: 1, RepeatPenalty: 1},
		{TopP: 1, RepeatPenalty: 0},
		{TopP: 1, RepeatPenalty: 1, RepeatLastN: -1},
		{Temp: math.NaN(), TopP: 1, RepeatPenalty: 1},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "--") {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if err := DefaultSampler().Validate(); err != nil {
		t.Fatal(err)
	}
}
