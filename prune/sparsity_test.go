package prune

import (
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// topkHash hashes the index sets topkSmallest selects over a fixed
// enumeration of inputs. The expected values were produced by a C++ program
// that runs PyTorch's CPU topk selection (std::nth_element /
// std::partial_sort with topk's NaN-aware comparator, compiled with GCC 12's
// libstdc++) over the same enumeration (exhaustive small groups with heavy
// ties and NaNs, then random rows of up to 401 values with k ≤ 12, which
// also exercises the partial_sort path).
func TestTopkMatchesLibstdcxx(t *testing.T) {
	h := uint64(1469598103934665603)
	feed := func(b byte) { h ^= uint64(b); h *= 1099511628211 }
	record := func(v []float32, k int) {
		q := make([]topkPair, len(v))
		for i, x := range v {
			q[i] = topkPair{x, int32(i)}
		}
		topkSmallest(q, k)
		idx := make([]int, k)
		for i := range idx {
			idx[i] = int(q[i].i)
		}
		slices.Sort(idx)
		for _, i := range idx {
			feed(byte(i))
			feed(byte(i >> 8))
		}
		feed(0xff)
	}
	want := []uint64{0x443c066d2eee2f83, 0xcf72e64c8484f98a, 0x9d5eed75941d0070, 0xde7a9b6c642196c4}
	for ei, e := range []struct{ m, base, nan int }{{4, 4, -1}, {4, 5, 4}, {8, 3, -1}, {16, 2, -1}} {
		total := 1
		for range e.m {
			total *= e.base
		}
		v := make([]float32, e.m)
		for p := 0; p < total; p++ {
			x := p
			for i := range v {
				c := x % e.base
				x /= e.base
				if c == e.nan {
					v[i] = float32(math.NaN())
				} else {
					v[i] = float32(c)
				}
			}
			for k := 1; k < e.m; k++ {
				record(v, k)
			}
		}
		if h != want[ei] {
			t.Fatalf("after m=%d base=%d: hash %016x, want %016x", e.m, e.base, h, want[ei])
		}
	}
	s := uint64(42)
	next := func() uint64 { s = s*6364136223846793005 + 1442695040888963407; return s >> 33 }
	for range 3000 {
		n := 2 + int(next()%400)
		k := 1 + int(next()%uint64(min(n-1, 12)))
		levels := 1 + next()%10
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(next() % levels)
		}
		record(v, k)
	}
	if h != 0x7623fecb424453a4 {
		t.Fatalf("random rows: hash %016x, want 7623fecb424453a4", h)
	}
}

// Tie cases spelled out (results of the C++ program described above): unlike
// a stable sort, topk on CPU does not prefer the lower column index.
func TestTopkTieExamples(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		v    []float32
		k    int
		want []int
	}{
		{[]float32{1, 1, 1, 1}, 2, []int{2, 3}},
		{[]float32{1, 1, 1, 1}, 1, []int{2}},
		{[]float32{1, 1, 1, 1}, 3, []int{0, 2, 3}},
		{[]float32{0, 0, 0, 5}, 2, []int{1, 2}},
		{[]float32{1, 1, 1, 1, 1, 1, 1, 1}, 4, []int{4, 5, 6, 7}},
		{[]float32{0, 3, 0, 3}, 1, []int{0}},
		{[]float32{2, 1, 1, 2}, 1, []int{1}},
		{[]float32{nan, 1, nan, 0}, 2, []int{1, 3}},
	} {
		q := make([]topkPair, len(c.v))
		for i, x := range c.v {
			q[i] = topkPair{x, int32(i)}
		}
		topkSmallest(q, c.k)
		got := []int{}
		for _, p := range q[:c.k] {
			got = append(got, int(p.i))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("topk(%v, %d) = %v, want %v", c.v, c.k, got, c.want)
		}
	}
}

func TestTargetValidate(t *testing.T) {
	for _, c := range []struct {
		t    Target
		cols int
		err  string
	}{
		{Unstructured(0.5), 8, ""},
		{Unstructured(0), 8, ""},
		{Unstructured(1), 8, "[0, 1)"},
		{Unstructured(-0.1), 8, "[0, 1)"},
		{Unstructured(math.NaN()), 8, "[0, 1)"},
		{NM(2, 4), 8, ""},
		{NM(4, 8), 16, ""},
		{NM(4, 4), 8, "0 < N < M"},
		{NM(0, 4), 8, "0 < N < M"},
		{NM(2, 4), 10, "not divisible"},
		{Target{N: 2}, 8, "set M"},
		{Target{N: 2, M: -4}, 8, "negative"},
	} {
		err := c.t.ValidateFor(c.cols)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%+v cols %d: err %v, want %q", c.t, c.cols, err, c.err)
		}
	}
}

func TestCountZerosVerifyNM(t *testing.T) {
	w := []float32{0, 1, float32(math.Copysign(0, -1)), 2, 3, 0, 0, 4}
	if n := CountZeros(w); n != 4 {
		t.Fatalf("CountZeros = %d", n)
	}
	if err := VerifyNM(w, 2, 4, 2, 4); err != nil {
		t.Fatal(err)
	}
	w[0] = 5
	if err := VerifyNM(w, 2, 4, 2, 4); err == nil || !strings.Contains(err.Error(), "row 0") {
		t.Fatalf("VerifyNM: %v", err)
	}
	if err := VerifyNM(w, 2, 4, 2, 3); err == nil {
		t.Fatal("VerifyNM with cols % m != 0 passed")
	}
}

func TestSelectKth(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for it := 0; it < 300; it++ {
		n := 1 + r.Intn(2000)
		a := make([]uint32, n)
		lv := 1 + r.Intn(50)
		for i := range a {
			a[i] = uint32(r.Intn(lv))
		}
		if it%7 == 0 {
			slices.Sort(a) // sorted input
		}
		s := slices.Clone(a)
		slices.Sort(s)
		k := r.Intn(n)
		if got := selectKth(a, k); got != s[k] {
			t.Fatalf("n=%d k=%d: %d, want %d", n, k, got, s[k])
		}
	}
}

func TestOrderKey(t *testing.T) {
	vals := []float32{float32(math.Inf(-1)), -3, -1e-30, 0, 1e-40, 1, 2.5, float32(math.Inf(1)), float32(math.NaN())}
	for i := 1; i < len(vals); i++ {
		if !(orderKey32(vals[i-1]) < orderKey32(vals[i])) {
			t.Errorf("key(%v) !< key(%v)", vals[i-1], vals[i])
		}
	}
	if orderKey32(float32(math.Copysign(0, -1))) != orderKey32(0) {
		t.Error("-0 and +0 differ")
	}
}

func TestParallelRowsCoversOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 5} {
		seen := make([]int32, 1003)
		parallelRows(len(seen), 7, workers, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, s := range seen {
			if s != 1 {
				t.Fatalf("workers %d: row %d seen %d times", workers, i, s)
			}
		}
	}
}
