package runtime

import (
	"slices"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/testfiles"
)

func openModel(t testing.TB, name string) *Model {
	t.Helper()
	f, err := gguf.Open(testfiles.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := Load(f, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// greedy generates n tokens after BOS one at a time.
func greedy(t testing.TB, m *Model, threads, n int) []int {
	p := NewPool(threads)
	defer p.Close()
	st, err := m.NewState(p, n+1, 64)
	if err != nil {
		t.Fatal(err)
	}
	tok := 1
	var out []int
	for len(out) < n {
		logits, err := st.Forward([]int{tok}, false)
		if err != nil {
			t.Fatal(err)
		}
		tok = argmax(logits)
		out = append(out, tok)
	}
	return out
}

func TestStories260KGreedyIDs(t *testing.T) {
	m := openModel(t, "models/stories260K.gguf")
	got := greedy(t, m, 2, 16)
	want := []int{403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// Logits do not depend on the number of threads: every output is computed
// by one worker in a fixed order.
func TestThreadCountDoesNotChangeResults(t *testing.T) {
	m := openModel(t, "models/stories260K.gguf")
	prompt := []int{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421}
	run := func(threads int) []float32 {
		p := NewPool(threads)
		defer p.Close()
		st, err := m.NewState(p, 64, 5) // prefill in batches of 5, then decode
		if err != nil {
			t.Fatal(err)
		}
		var all []float32
		logits, err := st.Forward(prompt, true)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, logits...)
		for _, id := range []int{395, 317, 426} {
			logits, err := st.Forward([]int{id}, false)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, logits...)
		}
		return all
	}
	want := run(1)
	for _, n := range []int{2, 3, 5} {
		if got := run(n); !slices.Equal(got, want) {
			t.Fatalf("%d threads: logits differ from 1 thread", n)
		}
	}
}

// Batched prefill and one-token-at-a-time decoding compute the same thing
// (summation order differs between the GEMM and GEMV kernels, so compare
// with a tolerance).
func TestPrefillMatchesDecode(t *testing.T) {
	m := openModel(t, "models/stories260K.gguf")
	prompt := []int{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338}
	p := NewPool(2)
	defer p.Close()
	batched, _ := m.NewState(p, 64, 64)
	all, err := batched.Forward(prompt, true)
	if err != nil {
		t.Fatal(err)
	}
	all = slices.Clone(all)
	single, _ := m.NewState(p, 64, 64)
	for i, id := range prompt {
		logits, err := single.Forward([]int{id}, false)
		if err != nil {
			t.Fatal(err)
		}
		want := all[i*m.Vocab : (i+1)*m.Vocab]
		for j := range logits {
			if d := logits[j] - want[j]; d > 1e-3 || d < -1e-3 {
				t.Fatalf("position %d token %d: decode %v, prefill %v", i, j, logits[j], want[j])
			}
		}
	}
}

func TestForwardErrors(t *testing.T) {
	m := openModel(t, "models/stories260K.gguf")
	p := NewPool(1)
	defer p.Close()
	st, _ := m.NewState(p, 8, 8)
	if _, err := st.Forward(nil, false); err == nil {
		t.Error("empty input accepted")
	}
	if _, err := st.Forward([]int{1, 512}, false); err == nil {
		t.Error("token id 512 of a 512-token vocabulary accepted")
	}
	if _, err := st.Forward(make([]int, 9), false); err == nil {
		t.Error("9 tokens accepted by a context of 8")
	}
	if _, err := m.NewState(p, 0, 8); err == nil {
		t.Error("zero context accepted")
	}
}
