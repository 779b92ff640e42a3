package prune

import (
	"math"
	"math/rand"
	"slices"
	"sort"
	"testing"
)

// tiedScaler returns per-column statistics; with tied = true they come from
// {0, 1, 4, 9} so that scores tie exactly across columns (and dead columns
// give zero scores).
func tiedScaler(r *rand.Rand, cols int, tied bool) []float64 {
	q := make([]float64, cols)
	for j := range q {
		if tied {
			q[j] = float64([]int{0, 1, 4, 9}[r.Intn(4)])
		} else {
			q[j] = r.ExpFloat64() * 100
		}
	}
	return q
}

// oracleScores computes the reference's metric the slow way: torch's
// float32 |W| * sqrt(float32 scaler_row).
func oracleScores(w []float32, rows, cols int, q []float64) []float32 {
	s := make([]float32, len(w))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			sq := float32(math.Sqrt(float64(float32(q[j]))))
			s[i*cols+j] = float32(math.Abs(float64(w[i*cols+j]))) * sq
		}
	}
	return s
}

func TestWandaScoresFloat32(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	rows, cols := 5, 300
	w := tiedMatrix(r, rows, cols, 0)
	q := tiedScaler(r, cols, false)
	s, err := WandaScores(w, rows, cols, q)
	if err != nil {
		t.Fatal(err)
	}
	want := oracleScores(w, rows, cols, q)
	for i := range s {
		if math.Float32bits(s[i]) != math.Float32bits(want[i]) {
			t.Fatalf("score %d = %v, want %v", i, s[i], want[i])
		}
	}
	// sqrt is the correctly rounded float32 square root: check against a
	// float64 computation for values where float32 rounding is delicate.
	for _, x := range []float32{2, 3, 1e-30, 0.1, 12345.678, math.MaxFloat32, math.SmallestNonzeroFloat32} {
		got, _ := wandaSqrt([]float64{float64(x)}, 1)
		exact := math.Sqrt(float64(x))
		g := float64(got[0])
		lo := float64(math.Nextafter32(got[0], 0))
		hi := float64(math.Nextafter32(got[0], float32(math.Inf(1))))
		if math.Abs(g-exact) > math.Abs(lo-exact) || math.Abs(g-exact) > math.Abs(hi-exact) {
			t.Errorf("sqrt(%v) = %v is not the nearest float32", x, got[0])
		}
	}
}

func TestWandaUnstructuredIsStableRowArgmin(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for it, c := range []struct {
		rows, cols, levels int
		tied               bool
		p                  float64
	}{
		{8, 64, 3, true, 0.5}, {8, 64, 0, false, 0.5}, {13, 37, 2, true, 0.6}, {4, 128, 5, true, 0.3},
		{6, 50, 0, false, 0.7}, {3, 10, 1, true, 0.55}, {2, 7, 0, false, 0},
	} {
		w := tiedMatrix(r, c.rows, c.cols, c.levels)
		q := tiedScaler(r, c.cols, c.tied)
		orig := slices.Clone(w)
		scores := oracleScores(w, c.rows, c.cols, q)
		mask, err := Wanda(w, c.rows, c.cols, q, Unstructured(c.p))
		if err != nil {
			t.Fatal(err)
		}
		k := int(float64(c.cols) * c.p)
		for i := 0; i < c.rows; i++ {
			want := stableRowOracle(scores[i*c.cols:(i+1)*c.cols], k)
			if !slices.Equal([]bool(mask[i*c.cols:(i+1)*c.cols]), want) {
				t.Fatalf("case %d row %d: mask differs from the stable-sort oracle", it, i)
			}
			if z := CountZeros(w[i*c.cols : (i+1)*c.cols]); z != k {
				t.Fatalf("case %d row %d: %d zeros, want %d", it, i, z, k)
			}
			for j := 0; j < c.cols; j++ {
				if !mask[i*c.cols+j] && w[i*c.cols+j] != orig[i*c.cols+j] {
					t.Fatal("kept weight changed")
				}
			}
		}
	}
}

func TestWandaTieGoesToLowerColumn(t *testing.T) {
	// Every score equal: a stable sort prunes the first k columns.
	w := []float32{1, -1, 1, -1, 1, -1, 1, -1}
	q := []float64{4, 4, 4, 4, 4, 4, 4, 4}
	if _, err := Wanda(w, 1, 8, q, Unstructured(0.5)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w, []float32{0, 0, 0, 0, 1, -1, 1, -1}) {
		t.Fatalf("got %v", w)
	}
	// A dead column (q = 0) has score 0 and goes first.
	w = []float32{0.1, 5, 3, 4}
	if _, err := Wanda(w, 1, 4, []float64{1, 0, 1, 1}, Unstructured(0.5)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w, []float32{0, 0, 3, 4}) {
		t.Fatalf("got %v", w)
	}
}

func TestWandaNM(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	for _, nm := range [][2]int{{2, 4}, {4, 8}} {
		for _, tied := range []bool{false, true} {
			rows, cols := 21, 96
			w := tiedMatrix(r, rows, cols, map[bool]int{false: 0, true: 3}[tied])
			q := tiedScaler(r, cols, tied)
			scores := oracleScores(w, rows, cols, q)
			mask, err := Wanda(w, rows, cols, q, NM(nm[0], nm[1]))
			if err != nil {
				t.Fatal(err)
			}
			checkNMGroups(t, "wanda", scores, mask, rows, cols, nm[0], nm[1])
			if err := VerifyNM(w, rows, cols, nm[0], nm[1]); err != nil {
				t.Fatal(err)
			}
			if CountZeros(w) != rows*cols*nm[0]/nm[1] {
				t.Fatalf("%v: %d zeros", nm, CountZeros(w))
			}
			for i := 0; i < rows; i++ {
				want := make([]bool, cols)
				nmSmallest(scores[i*cols:(i+1)*cols], nm[0], nm[1], want, make([]topkPair, nm[1]))
				if !slices.Equal([]bool(mask[i*cols:(i+1)*cols]), want) {
					t.Fatalf("%v row %d: mask differs from topk", nm, i)
				}
			}
		}
	}
}

func TestWandaErrors(t *testing.T) {
	w := make([]float32, 8)
	if _, err := Wanda(w, 2, 4, []float64{1, 1, 1}, Unstructured(0.5)); err == nil {
		t.Error("short scalerRow accepted")
	}
	if _, err := Wanda(w, 2, 4, []float64{1, -1, 1, 1}, Unstructured(0.5)); err == nil {
		t.Error("negative statistic accepted")
	}
	if _, err := Wanda(w, 2, 4, []float64{1, math.NaN(), 1, 1}, Unstructured(0.5)); err == nil {
		t.Error("NaN statistic accepted")
	}
	if _, err := Wanda(w, 1, 8, make([]float64, 8), NM(2, 3)); err == nil {
		t.Error("cols not divisible by M accepted")
	}
}

// variantOracle recomputes the --use_variant mask for a given α the slow
// way, following return_given_alpha line by line.
func variantOracle(w []float32, rows, cols int, q []float64, alpha float64) Mask {
	s := oracleScores(w, rows, cols, q)
	mask := make(Mask, len(w))
	for i := 0; i < rows; i++ {
		row := s[i*cols : (i+1)*cols]
		sorted := slices.Clone(row)
		sort.SliceStable(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
		cum := make([]float32, cols)
		var acc, total float64
		for j, v := range sorted {
			acc += float64(v)
			cum[j] = float32(acc)
			total += float64(v)
		}
		thrCum := float32(total) * float32(alpha)
		n := 0
		for _, c := range cum {
			if c <= thrCum {
				n++
			}
		}
		if n == 0 {
			continue
		}
		thr := sorted[n-1]
		for j, v := range row {
			mask[i*cols+j] = v <= thr
		}
	}
	return mask
}

func TestWandaVariant(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, c := range []struct {
		rows, cols int
		p          float64
	}{{64, 256, 0.5}, {32, 512, 0.6}, {50, 128, 0.3}} {
		w := tiedMatrix(r, c.rows, c.cols, 0)
		q := tiedScaler(r, c.cols, false)
		mask, alpha, err := WandaVariantMask(w, c.rows, c.cols, q, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if want := variantOracle(w, c.rows, c.cols, q, alpha); !slices.Equal(mask, want) {
			t.Fatalf("%+v: mask for α = %v differs from the oracle", c, alpha)
		}
		sp := float64(mask.Count()) / float64(len(mask))
		if math.Abs(sp-c.p) > 0.002 {
			t.Errorf("%+v: sparsity %v (α = %v)", c, sp, alpha)
		}
		// Per-row sparsity varies (unlike plain Wanda).
		minZ, maxZ := c.cols, 0
		for i := 0; i < c.rows; i++ {
			z := Mask(mask[i*c.cols : (i+1)*c.cols]).Count()
			minZ, maxZ = min(minZ, z), max(maxZ, z)
		}
		if minZ == maxZ {
			t.Errorf("%+v: every row has %d pruned weights", c, minZ)
		}
		t.Logf("%+v: α = %v, sparsity %.5f, per-row pruned %d..%d", c, alpha, sp, minZ, maxZ)
	}
}
