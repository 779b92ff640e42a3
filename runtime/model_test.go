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
