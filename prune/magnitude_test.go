package prune

import (
	"math"
	"math/rand"
	"slices"
	"sort"
	"testing"
)

// tiedMatrix returns rows×cols weights; with levels > 0 the magnitudes take
// only that many distinct values (many exact ties, as fp16/quantized weights
// have), with random signs, and no zeros.
func tiedMatrix(r *rand.Rand, rows, cols, levels int) []float32 {
	w := make([]float32, rows*cols)
	for i := range w {
		var v float32
		if levels > 0 {
			v = float32(1+r.Intn(levels)) / 16
		} else {
			v = float32(r.NormFloat64())
			for v == 0 {
				v = float32(r.NormFloat64())
			}
		}
		if r.Intn(2) == 0 {
			v = -v
		}
		w[i] = v
	}
	return w
}

// stableRowOracle returns the first k column indices of a stable ascending
// sort of s (the reference's torch.sort(stable=True)[1][:, :k]).
func stableRowOracle(s []float32, k int) []bool {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s[idx[a]] < s[idx[b]] })
	m := make([]bool, len(s))
	for _, j := range idx[:k] {
		m[j] = true
	}
	return m
}

// checkNMGroups checks that mask selects exactly n entries in every aligned
// group of m, that no unselected score is smaller than a selected one, and
// (if w has no zeros) that the pruned weights give exactly n zeros per group.
func checkNMGroups(t *testing.T, name string, scores []float32, mask Mask, rows, cols, n, m int) {
	t.Helper()
	for i := 0; i < rows; i++ {
		for g := 0; g < cols; g += m {
			cnt := 0
			maxSel, minUnsel := float32(math.Inf(-1)), float32(math.Inf(1))
			for j := g; j < g+m; j++ {
				s := scores[i*cols+j]
				if mask[i*cols+j] {
					cnt++
					maxSel = max(maxSel, s)
				} else {
					minUnsel = min(minUnsel, s)
				}
			}
			if cnt != n {
				t.Fatalf("%s: row %d group %d: %d pruned, want %d", name, i, g/m, cnt, n)
			}
			if maxSel > minUnsel {
				t.Fatalf("%s: row %d group %d: pruned score %v > kept score %v", name, i, g/m, maxSel, minUnsel)
			}
		}
	}
}

func TestMagnitudePerMatrixThreshold(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		rows, cols, levels int
		p                  float64
	}{
		{7, 13, 0, 0.5}, {16, 32, 5, 0.5}, {16, 32, 3, 0.6}, {31, 17, 40, 0.3}, {64, 64, 0, 0.9}, {8, 8, 4, 0},
	} {
		w := tiedMatrix(r, c.rows, c.cols, c.levels)
		orig := slices.Clone(w)
		mask, err := Magnitude(w, c.rows, c.cols, Unstructured(c.p))
		if err != nil {
			t.Fatal(err)
		}
		// Oracle: τ = sort(|W|.flatten())[int(numel·p)], prune |W| ≤ τ.
		a := make([]float32, len(orig))
		for i, v := range orig {
			a[i] = float32(math.Abs(float64(v)))
		}
		sorted := slices.Clone(a)
		slices.Sort(sorted)
		k := int(float64(len(a)) * c.p)
		tau := sorted[k]
		want := 0
		for i, v := range a {
			if (v <= tau) != mask[i] {
				t.Fatalf("%+v: mask[%d] = %v, |w| = %v, τ = %v", c, i, mask[i], v, tau)
			}
			if mask[i] {
				want++
				if w[i] != 0 || math.Signbit(float64(w[i])) {
					t.Fatalf("pruned weight %d is %v, want +0", i, w[i])
				}
			} else if w[i] != orig[i] {
				t.Fatalf("kept weight %d changed", i)
			}
		}
		if got := CountZeros(w); got != want || got < k+1 {
			t.Fatalf("%+v: %d zeros, want %d (≥ k+1 = %d)", c, got, want, k+1)
		}
		if c.levels > 0 && c.levels <= 5 && want <= k+1 {
			t.Errorf("%+v: expected ties to push the count above k+1", c)
		}
	}
}

func TestMagnitudeTiesExample(t *testing.T) {
	// 8 weights, p = 0.5: k = 4, sorted |w| = .1 .1 .2 .2 .2 .2 .3 .4 → τ = .2,
	// so 6 weights (75%) are pruned, like the reference.
	w := []float32{0.2, -0.1, 0.3, -0.2, 0.2, 0.1, -0.4, 0.2}
	if _, err := Magnitude(w, 2, 4, Unstructured(0.5)); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 0.3, 0, 0, 0, -0.4, 0}
	if !slices.Equal(w, want) {
		t.Fatalf("got %v, want %v", w, want)
	}
}

func TestMagnitudeRow(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for _, c := range []struct {
		rows, cols, levels int
		p                  float64
	}{{9, 40, 3, 0.5}, {5, 33, 0, 0.7}, {12, 64, 6, 0.25}, {3, 10, 2, 0.99}} {
		w := tiedMatrix(r, c.rows, c.cols, c.levels)
		orig := slices.Clone(w)
		mask, err := MagnitudeRow(w, c.rows, c.cols, c.p)
		if err != nil {
			t.Fatal(err)
		}
		k := int(float64(c.cols) * c.p)
		for i := 0; i < c.rows; i++ {
			row := make([]float32, c.cols)
			for j := range row {
				row[j] = float32(math.Abs(float64(orig[i*c.cols+j])))
			}
			want := stableRowOracle(row, k)
			if !slices.Equal([]bool(mask[i*c.cols:(i+1)*c.cols]), want) {
				t.Fatalf("%+v row %d: mask differs from the stable-sort oracle", c, i)
			}
			if z := CountZeros(w[i*c.cols : (i+1)*c.cols]); z != k {
				t.Fatalf("%+v row %d: %d zeros, want %d", c, i, z, k)
			}
		}
	}
}

func TestMagnitudeNM(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, nm := range [][2]int{{2, 4}, {4, 8}, {1, 4}, {5, 8}} {
		for _, levels := range []int{0, 3} {
			rows, cols := 17, 64
			w := tiedMatrix(r, rows, cols, levels)
			a := make([]float32, len(w))
			for i, v := range w {
				a[i] = float32(math.Abs(float64(v)))
			}
			mask, err := Magnitude(w, rows, cols, NM(nm[0], nm[1]))
			if err != nil {
				t.Fatal(err)
			}
			checkNMGroups(t, "magnitude", a, mask, rows, cols, nm[0], nm[1])
			if err := VerifyNM(w, rows, cols, nm[0], nm[1]); err != nil {
				t.Fatal(err)
			}
			if CountZeros(w) != rows*cols*nm[0]/nm[1] {
				t.Fatalf("%v: %d zeros", nm, CountZeros(w))
			}
			// Ties resolved as torch.topk on CPU.
			for i := 0; i < rows; i++ {
				want := make([]bool, cols)
				nmSmallest(a[i*cols:(i+1)*cols], nm[0], nm[1], want, make([]topkPair, nm[1]))
				if !slices.Equal([]bool(mask[i*cols:(i+1)*cols]), want) {
					t.Fatalf("%v row %d: mask differs from topk", nm, i)
				}
			}
		}
	}
	// All-equal group: topk on CPU picks columns 2 and 3 of 4.
	w := []float32{1, -1, 1, 1}
	if _, err := Magnitude(w, 1, 4, NM(2, 4)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w, []float32{1, -1, 0, 0}) {
		t.Fatalf("tied 2:4 group: %v", w)
	}
}

func TestMagnitudeErrors(t *testing.T) {
	w := make([]float32, 12)
	if _, err := Magnitude(w, 3, 4, Unstructured(1)); err == nil {
		t.Error("ratio 1 accepted")
	}
	if _, err := Magnitude(w, 4, 4, Unstructured(0.5)); err == nil {
		t.Error("wrong shape accepted")
	}
	if _, err := Magnitude(w, 2, 6, NM(2, 4)); err == nil {
		t.Error("cols not divisible by M accepted")
	}
	if _, err := MagnitudeRow(w, 3, 4, -1); err == nil {
		t.Error("negative ratio accepted")
	}
}
