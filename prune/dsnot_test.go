package prune

import (
	"math"
	"math/rand"
	goruntime "runtime"
	"slices"
	"sort"
	"testing"
)

// dsnotCase is a random layer: weights, the three statistics and an
// initial mask.
type dsnotCase struct {
	rows, cols           int
	w                    []float32
	mean, variance, scal []float64
}

// newDSnoTCase draws a layer. With ties, weights and statistics come from
// small sets (tied scores, tied a, exact zeros in a from zero weights and
// zero means, zero variances); otherwise they are continuous. bias shifts
// the means so that ε has a clear sign.
func newDSnoTCase(r *rand.Rand, rows, cols int, ties bool, bias float64) *dsnotCase {
	c := &dsnotCase{rows: rows, cols: cols, w: make([]float32, rows*cols),
		mean: make([]float64, cols), variance: make([]float64, cols), scal: make([]float64, cols)}
	for i := range c.w {
		if ties {
			c.w[i] = float32([]float64{0, 0.5, -0.5, 1, -1, 0.25, -2}[r.Intn(7)])
		} else {
			c.w[i] = float32(r.NormFloat64())
		}
	}
	for j := 0; j < cols; j++ {
		if ties {
			c.mean[j] = []float64{0, 1, -1, 2, 0.5}[r.Intn(5)] + bias
			c.variance[j] = []float64{0, 1, 2, 0.5}[r.Intn(4)]
			c.scal[j] = []float64{1, 4, 9, 0}[r.Intn(4)]
		} else {
			c.mean[j] = r.NormFloat64() + bias
			c.variance[j] = r.ExpFloat64()
			c.scal[j] = r.ExpFloat64() * 10
		}
	}
	return c
}

func (c *dsnotCase) wanda(t *testing.T, tg Target) Mask {
	t.Helper()
	m, err := WandaMask(c.w, c.rows, c.cols, c.scal, tg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (c *dsnotCase) run(t *testing.T, init Mask, tg Target, o DSnoTOptions) (Mask, []float32) {
	t.Helper()
	w := slices.Clone(c.w)
	m, err := DSnoT(w, c.rows, c.cols, init, c.mean, c.variance, c.scal, tg, o)
	if err != nil {
		t.Fatal(err)
	}
	return m, w
}

// ---------------------------------------------------------------------------
// The oracle: prune_DSnoT's loops transcribed statement by statement, all
// rows in lock-step as the vectorized torch code runs them, with float32
// tensors as float32 slices. Its only departures from the reference are the
// two documented guards, marked GUARD: a pointer past an end reads the end
// entry, and v^γ == 0 gives ±Inf (0 for a zero numerator) instead of
// a/0, 0/0.

func f32sign(x float32) float32 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// argsortStable is torch.sort(x, stable=True)[1] for one row: ascending,
// NaN last, ties in index order.
func argsortStable(x []float32) []int {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	less := func(a, b float32) bool { return a < b || (a == a && b != b) }
	sort.SliceStable(idx, func(p, q int) bool { return less(x[idx[p]], x[idx[q]]) })
	return idx
}

func clampIdx(i, n int) int { return max(0, min(i, n-1)) }

func oracleDSnoT(c *dsnotCase, init Mask, tg Target, o DSnoTOptions) Mask {
	rows, cols := c.rows, c.cols
	tau := float32(o.UpdateThreshold)
	mask := slices.Clone(init)
	// DSnoT_metric = W * sum_metric_row; initial_metric = |W|*sqrt(scaler_row)
	metric := make([][]float32, rows)
	wanda := make([][]float32, rows)
	for i := range rows {
		metric[i] = make([]float32, cols)
		wanda[i] = make([]float32, cols)
		for j := range cols {
			v := c.w[i*cols+j]
			metric[i][j] = v * float32(c.mean[j])
			wanda[i][j] = float32(math.Abs(float64(v))) * float32(math.Sqrt(float64(float32(c.scal[j]))))
		}
	}
	// metric_for_regrowing: kept → 0; reconstruction_error = row sums.
	eps := make([]float32, rows)
	sign0 := make([]float32, rows)
	G := make([][]int, rows)
	for i := range rows {
		mfr := slices.Clone(metric[i])
		var sum float64
		for j := range cols {
			if !init[i*cols+j] {
				mfr[j] = 0
			} else {
				sum += float64(mfr[j])
			}
		}
		eps[i] = float32(sum)
		sign0[i] = f32sign(eps[i])
		if o.PowVarRegrow != 0 {
			for j := range cols {
				den := float32(c.variance[j]) // torch.pow(var, 1)
				if o.PowVarRegrow != 1 {
					den = float32(math.Pow(float64(float32(c.variance[j])), o.PowVarRegrow))
				}
				if den == 0 { // GUARD
					mfr[j] = float32(f32sign(mfr[j])) * float32(math.Inf(1))
					if mfr[j] != mfr[j] {
						mfr[j] = 0
					}
					continue
				}
				mfr[j] /= den
			}
		}
		G[i] = argsortStable(mfr)
	}
	irg := make([][2]int, rows) // indice_indice_list_for_regrowing
	for i := range irg {
		irg[i] = [2]int{0, cols - 1}
	}
	upd := make([]bool, rows)
	for i := range upd {
		upd[i] = true
	}
	anyTrue := func() bool { return slices.Contains(upd, true) }

	if tg.Structured() {
		M := tg.M
		im := make([][]float32, rows)
		maxv := make([]float32, rows)
		for i := range rows {
			im[i] = slices.Clone(wanda[i])
			for j := range cols {
				if init[i*cols+j] {
					im[i][j] = float32(math.Inf(1))
				}
			}
			maxv[i] = slices.Max(im[i]) + 1
		}
		cycle := 1
		for !(!anyTrue() || cycle > o.MaxCycles) {
			cycle++
			for i := range rows {
				sel := 0
				if eps[i] > 0 {
					sel = 1
				}
				g := G[i][clampIdx(irg[i][sel], cols)] // GUARD
				rm := metric[i][g]
				start := g - g%M
				q := make([]topkPair, M)
				for j := range q {
					q[j] = topkPair{im[i][start+j], int32(j)}
				}
				topkSmallest(q, 1)
				h := start + int(q[0].i)
				pm := metric[i][h]
				after := (eps[i] + pm) - rm
				upd[i] = upd[i] && sign0[i] == f32sign(after) && float32(math.Abs(float64(eps[i]))) > tau
				im[i][h] = maxv[i]
				mask[i*cols+h] = upd[i]
				mask[i*cols+g] = !upd[i]
				if upd[i] {
					eps[i] = (eps[i] + pm) - rm
				}
				if sel == 1 {
					irg[i][1]--
				} else {
					irg[i][0]++
				}
			}
		}
		return mask
	}

	// Unstructured: the prune order.
	Q := make([][]int, rows)
	for i := range rows {
		wm := slices.Clone(wanda[i])
		k := 0
		for j := range cols {
			if init[i*cols+j] {
				wm[j] = float32(math.Inf(1))
				k++
			}
		}
		res := argsortStable(wm)[:cols-k] // wanda_res_indices
		x := make([]float32, len(res))    // gather(DSnoT_metric, res)
		for p, j := range res {
			x[p] = metric[i][j]
		}
		// return_reorder_indice
		n := len(x)
		pos := make([]float64, n)
		neg := make([]float64, n)
		for p := range n {
			pos[p], neg[p] = float64(p), float64(p)
			if !(x[p] > 0) {
				pos[p] = math.Inf(1)
			}
			if !(x[p] < 0) {
				neg[p] = math.Inf(1)
			}
		}
		sort.Float64s(pos)
		sort.Float64s(neg)
		slices.Reverse(pos)
		reorder := make([]int, n)
		for p := range n {
			if math.IsInf(pos[p], 1) {
				pos[p] = 0
			}
			if math.IsInf(neg[p], 1) {
				neg[p] = 0
			}
			reorder[p] = int(pos[p] + neg[p])
		}
		Q[i] = make([]int, n)
		for p := range n {
			Q[i][p] = res[reorder[p]]
		}
	}
	ipr := make([][2]int, rows) // indice_indice_list_for_pruning
	for i := range ipr {
		ipr[i] = [2]int{0, len(Q[i]) - 1}
	}
	cycle := 0
	for !(!anyTrue() || cycle >= o.MaxCycles) {
		cycle++
		for i := range rows {
			sel := 0
			if eps[i] > 0 {
				sel = 1
			}
			g := G[i][clampIdx(irg[i][sel], cols)] // GUARD
			rm := metric[i][g]
			if sel == 1 {
				irg[i][1]--
			} else {
				irg[i][0]++
			}
			psel := 0
			if eps[i] < 0 {
				psel = 1
			}
			h := Q[i][clampIdx(ipr[i][psel], len(Q[i]))] // GUARD
			pm := metric[i][h]
			if psel == 1 {
				ipr[i][1]--
			} else {
				ipr[i][0]++
			}
			after := (eps[i] + pm) - rm
			absOK := float32(math.Abs(float64(eps[i]))) > tau
			if o.WithoutSameSign {
				upd[i] = upd[i] && absOK
			} else {
				upd[i] = upd[i] && absOK && sign0[i] == f32sign(after)
			}
			mask[i*cols+h] = upd[i]
			mask[i*cols+g] = !upd[i]
			if upd[i] {
				eps[i] = (eps[i] + pm) - rm
			}
		}
	}
	return mask
}

// ---------------------------------------------------------------------------

func TestDSnoTReferenceMatchesOracle(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	cases, diffs := 0, 0
	for it := 0; it < 400; it++ {
		rows := 1 + r.Intn(9)
		cols := 8 * (1 + r.Intn(8))
		ties := it%2 == 0
		bias := []float64{0, 0.3, -0.7}[r.Intn(3)]
		c := newDSnoTCase(r, rows, cols, ties, bias)
		var tg Target
		if it%3 == 0 {
			tg = []Target{NM(2, 4), NM(4, 8), NM(1, 4), NM(6, 8)}[r.Intn(4)]
		} else {
			tg = Unstructured([]float64{0, 0.25, 0.5, 0.6, 0.75, 0.9}[r.Intn(6)])
		}
		o := DSnoTReferenceOptions()
		o.MaxCycles = []int{1, 3, 10, 50, 200}[r.Intn(5)]
		o.UpdateThreshold = []float64{0, 0.1, 0.5}[r.Intn(3)]
		o.PowVarRegrow = []float64{1, 0, 2}[r.Intn(3)]
		o.WithoutSameSign = r.Intn(2) == 0
		o.Workers = 1 + r.Intn(3)
		init := c.wanda(t, tg)
		got, w := c.run(t, init, tg, o)
		want := oracleDSnoT(c, init, tg, o)
		cases++
		if !slices.Equal(got, want) {
			n := 0
			for i := range got {
				if got[i] != want[i] {
					n++
				}
			}
			t.Errorf("case %d (%d×%d %v ties=%v T=%d τ=%v γ=%v wss=%v): %d of %d mask entries differ from the oracle",
				it, rows, cols, tg, ties, o.MaxCycles, o.UpdateThreshold, o.PowVarRegrow, o.WithoutSameSign, n, len(got))
			diffs++
		}
		for i := range w {
			if got[i] && w[i] != 0 || !got[i] && w[i] != c.w[i] {
				t.Fatalf("case %d: w[%d] = %v, mask %v, original %v", it, i, w[i], got[i], c.w[i])
			}
		}
		if diffs > 5 {
			t.FailNow()
		}
	}
	t.Logf("%d cases", cases)
}

func zerosPerRow(m Mask, rows, cols int) []int {
	z := make([]int, rows)
	for i := range rows {
		z[i] = m[i*cols : (i+1)*cols].Count()
	}
	return z
}

// Safe mode keeps every row's zero count exactly, whatever the cycle budget
// (much more than a row has to swap included), ties and zeros in a, and
// initial masks of uneven per-row sparsity.
func TestDSnoTKeepsRowZeroCounts(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	changed := 0
	for it := 0; it < 200; it++ {
		rows, cols := 1+r.Intn(12), 8*(1+r.Intn(10))
		c := newDSnoTCase(r, rows, cols, it%2 == 0, []float64{0, 0.5, -0.5}[it%3])
		tg := Unstructured([]float64{0.25, 0.5, 0.75, 0.9}[r.Intn(4)])
		init := c.wanda(t, tg)
		if it%4 == 0 { // uneven rows, like a SparseGPT mask
			for i := range init {
				if r.Intn(10) == 0 {
					init[i] = !init[i]
				}
			}
		}
		o := DSnoTDefaultOptions(cols, 2048, 1)
		o.MaxCycles = []int{1, 5, 50, 1000}[r.Intn(4)]
		o.UpdateThreshold = []float64{0, 0.1}[r.Intn(2)]
		o.WithoutSameSign = r.Intn(2) == 0
		got, w := c.run(t, init, tg, o)
		if !slices.Equal(zerosPerRow(got, rows, cols), zerosPerRow(init, rows, cols)) {
			t.Fatalf("case %d: zeros per row %v, initially %v", it, zerosPerRow(got, rows, cols), zerosPerRow(init, rows, cols))
		}
		for i := range w {
			if got[i] && w[i] != 0 || !got[i] && w[i] != c.w[i] {
				t.Fatalf("case %d: w[%d] = %v, mask %v, original %v", it, i, w[i], got[i], c.w[i])
			}
		}
		if !slices.Equal(got, init) {
			changed++
		}
	}
	if changed < 50 {
		t.Fatalf("only %d of 200 cases changed the mask", changed)
	}
}

func TestDSnoTNMPatterns(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	for _, tg := range []Target{NM(2, 4), NM(4, 8)} {
		changed := 0
		for it := 0; it < 100; it++ {
			rows, cols := 1+r.Intn(10), tg.M*(1+r.Intn(12))
			c := newDSnoTCase(r, rows, cols, it%2 == 0, []float64{0, 0.5, -0.5}[it%3])
			init := c.wanda(t, tg)
			o := DSnoTDefaultOptions(cols, 2048, 1)
			o.MaxCycles = []int{1, 5, 50, 1000}[r.Intn(4)]
			o.UpdateThreshold = []float64{0, 0.1}[r.Intn(2)]
			got, w := c.run(t, init, tg, o)
			if err := VerifyNM(w, rows, cols, tg.N, tg.M); err != nil {
				t.Fatalf("%v case %d: %v", tg, it, err)
			}
			for i := 0; i < len(got); i += tg.M {
				if n := got[i : i+tg.M].Count(); n != tg.N {
					t.Fatalf("%v case %d: group at %d prunes %d", tg, it, i, n)
				}
			}
			if !slices.Equal(got, init) {
				changed++
			}
		}
		if changed < 20 {
			t.Fatalf("%v: only %d of 100 cases changed the mask", tg, changed)
		}
	}
}

// In the normal regime (far fewer cycles than a row's kept weights of
// either sign, no exact zeros in a, no zero variances) the safe loop and the
// reference loop give the same masks.
func TestDSnoTSafeMatchesReferenceInNormalRegime(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	for it := 0; it < 12; it++ {
		rows, cols := 24, 512
		c := newDSnoTCase(r, rows, cols, false, []float64{0, 0.2, -0.2}[it%3])
		tg := Unstructured(0.5)
		if it%2 == 1 {
			tg = []Target{NM(2, 4), NM(4, 8)}[it/2%2]
		}
		init := c.wanda(t, tg)
		ref := DSnoTReferenceOptions()
		ref.MaxCycles = 20
		ref.WithoutSameSign = it%4 < 2
		safe := ref
		safe.Reference = false
		a, _ := c.run(t, init, tg, ref)
		b, _ := c.run(t, init, tg, safe)
		if !slices.Equal(a, b) {
			t.Fatalf("case %d (%v): safe and reference masks differ", it, tg)
		}
		if slices.Equal(a, init) {
			t.Fatalf("case %d: nothing changed", it)
		}
	}
}

// With 8 columns at 75% sparsity a row keeps 2 weights; 50 cycles read far
// past both ends of the reference's arrays. Neither mode may index out of
// range (run with -race as well).
func TestDSnoTMoreCyclesThanWeights(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for it := 0; it < 50; it++ {
		rows, cols := 1+r.Intn(16), 8
		c := newDSnoTCase(r, rows, cols, it%2 == 0, []float64{0, 1, -1}[it%3])
		for _, tg := range []Target{Unstructured(0.75), NM(2, 4), NM(6, 8), Unstructured(0)} {
			init := c.wanda(t, tg)
			for _, reference := range []bool{false, true} {
				o := DSnoTReferenceOptions()
				o.UpdateThreshold = 0
				o.Reference = reference
				got, _ := c.run(t, init, tg, o)
				if !reference && !slices.Equal(zerosPerRow(got, rows, cols), zerosPerRow(init, rows, cols)) {
					t.Fatalf("case %d %v: zero counts changed", it, tg)
				}
				if reference {
					if want := oracleDSnoT(c, init, tg, o); !slices.Equal(got, want) {
						t.Fatalf("case %d %v: reference mode differs from the oracle", it, tg)
					}
				}
			}
		}
	}
}

// |ε| shrinks at every accepted swap and a row stops only at the threshold
// or the cycle limit, on synthetic rows built so that no single swap can
// overshoot (every |a| ≤ τ/2) and candidates never run out.
func TestDSnoTErrorShrinks(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	rows, cols := 16, 256
	c := newDSnoTCase(r, rows, cols, false, 0)
	// Even columns: a > 0, odd columns: a < 0 and smaller, so that ε
	// starts well above τ and there are plenty of candidates of each sign.
	for i, v := range c.w {
		v = min(2, abs32(v))
		if i%2 == 1 {
			v = -v
		}
		c.w[i] = v
	}
	for j := range cols {
		c.mean[j] = 0.001 + 0.0005*r.Float64()
		if j%2 == 0 {
			c.mean[j] += 0.008
		}
	}
	tg := Unstructured(0.5)
	init := c.wanda(t, tg)
	for _, reference := range []bool{false, true} {
		for _, tc := range []struct {
			cycles int
			tau    float64
		}{{5, 0.05}, {1000, 0.05}, {1000, 0.2}} {
			o := DSnoTReferenceOptions()
			o.Reference = reference
			o.MaxCycles = tc.cycles
			o.UpdateThreshold = tc.tau
			o.WithoutSameSign = false
			trace := make([][]float32, rows)
			accepted := make([]int, rows)
			o.trace = func(row, cycle int, eps float32, ok bool) {
				if cycle != len(trace[row])+1 {
					t.Errorf("row %d: cycle %d after %d", row, cycle, len(trace[row]))
				}
				trace[row] = append(trace[row], eps)
				if ok {
					accepted[row]++
				}
			}
			got, _ := c.run(t, init, tg, o)
			limitHit, thresholdHit := 0, 0
			for i := range rows {
				eps0 := float32(0)
				var sum float64
				for j := range cols {
					if init[i*cols+j] {
						sum += float64(c.w[i*cols+j] * float32(c.mean[j]))
					}
				}
				eps0 = float32(sum)
				for j := range cols {
					if a := abs32(c.w[i*cols+j] * float32(c.mean[j])); a > float32(tc.tau/2) {
						t.Fatalf("|a| = %v > τ/2: the construction is wrong", a)
					}
				}
				prev := abs32(eps0)
				for k, e := range trace[i][:accepted[i]] {
					if !(abs32(e) < prev) {
						t.Fatalf("ref=%v T=%d τ=%v row %d cycle %d: |ε| = %v after %v", reference, tc.cycles, tc.tau, i, k+1, abs32(e), prev)
					}
					prev = abs32(e)
				}
				switch {
				case accepted[i] == tc.cycles:
					limitHit++
				case prev <= float32(tc.tau):
					thresholdHit++
				default:
					t.Fatalf("ref=%v T=%d τ=%v row %d stopped after %d swaps at |ε| = %v", reference, tc.cycles, tc.tau, i, accepted[i], prev)
				}
			}
			t.Logf("ref=%v T=%d τ=%v: limit %d threshold %d swaps %v", reference, tc.cycles, tc.tau, limitHit, thresholdHit, accepted)
			if tc.cycles == 5 && limitHit == 0 || tc.cycles == 1000 && thresholdHit != rows {
				t.Fatalf("ref=%v T=%d τ=%v: %d rows hit the limit, %d the threshold", reference, tc.cycles, tc.tau, limitHit, thresholdHit)
			}
			if !slices.Equal(zerosPerRow(got, rows, cols), zerosPerRow(init, rows, cols)) {
				t.Fatal("zero counts changed")
			}
		}
	}
}

func TestDSnoTWorkersIndependent(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	c := newDSnoTCase(r, 97, 64, true, 0.3)
	for _, tg := range []Target{Unstructured(0.5), NM(2, 4)} {
		init := c.wanda(t, tg)
		for _, reference := range []bool{false, true} {
			o := DSnoTReferenceOptions()
			o.Reference = reference
			o.Workers = 1
			want, _ := c.run(t, init, tg, o)
			for _, workers := range []int{2, 3, 8, 0} {
				o.Workers = workers
				if got, _ := c.run(t, init, tg, o); !slices.Equal(got, want) {
					t.Fatalf("%v ref=%v: %d workers differ from 1", tg, reference, workers)
				}
			}
			prev := goruntime.GOMAXPROCS(1)
			o.Workers = 0
			got, _ := c.run(t, init, tg, o)
			goruntime.GOMAXPROCS(prev)
			if !slices.Equal(got, want) {
				t.Fatalf("%v ref=%v: GOMAXPROCS=1 differs", tg, reference)
			}
		}
	}
}

// A zero variance makes the growth key ±Inf (0 for a zero a) — no NaN —
// so such a pruned weight of the right sign is revived first.
func TestDSnoTZeroVariance(t *testing.T) {
	rows, cols := 1, 16
	c := &dsnotCase{rows: rows, cols: cols, w: make([]float32, cols), mean: make([]float64, cols),
		variance: make([]float64, cols), scal: make([]float64, cols)}
	for j := range cols {
		c.w[j] = float32(j + 1)
		c.mean[j] = 1 // a_j = j+1 > 0: ε > 0
		c.variance[j] = 1
		c.scal[j] = 1
	}
	for j := cols / 2; j < cols; j++ {
		c.mean[j] = -1 // kept weights with a < 0 to prune
	}
	c.variance[2] = 0
	c.variance[12] = 0 // a kept column: 0/0 in the reference
	init := make(Mask, cols)
	for j := range cols / 2 {
		init[j] = true
	}
	for _, reference := range []bool{false, true} {
		o := DSnoTReferenceOptions()
		o.Reference = reference
		o.MaxCycles = 1
		got, _ := c.run(t, init, Unstructured(0.5), o)
		// Largest a/v among pruned: column 2 (a = 3, v = 0) beats column 7
		// (a = 8, v = 1); pruned instead: the kept a < 0 weight with the
		// smallest score, column 8.
		if got[2] || !got[8] || got.Count() != cols/2 {
			t.Fatalf("ref=%v: mask %v", reference, got)
		}
	}
}

func TestDSnoTErrors(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	c := newDSnoTCase(r, 2, 8, false, 0)
	init := c.wanda(t, NM(2, 4))
	o := DSnoTReferenceOptions()
	call := func(mod func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions)) error {
		cc := &dsnotCase{rows: c.rows, cols: c.cols, w: slices.Clone(c.w), mean: slices.Clone(c.mean),
			variance: slices.Clone(c.variance), scal: slices.Clone(c.scal)}
		m, tg, oo := slices.Clone(init), NM(2, 4), o
		mod(cc, m, &tg, &oo)
		_, err := DSnoT(cc.w, cc.rows, cc.cols, m, cc.mean, cc.variance, cc.scal, tg, oo)
		return err
	}
	if err := call(func(*dsnotCase, Mask, *Target, *DSnoTOptions) {}); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions){
		"NaN mean":          func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { c.mean[3] = math.NaN() },
		"huge mean":         func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { c.mean[3] = 1e300 },
		"negative variance": func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { c.variance[0] = -1 },
		"NaN variance":      func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { c.variance[0] = math.NaN() },
		"NaN scaler":        func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { c.scal[1] = math.NaN() },
		"short mean":        func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { c.mean = c.mean[:7] },
		"N:M mask": func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) {
			m[0], m[1], m[2], m[3] = true, true, true, false
		},
		"bad target":      func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { *tg = NM(2, 3) },
		"negative cycles": func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { o.MaxCycles = -1 },
		"NaN threshold":   func(c *dsnotCase, m Mask, tg *Target, o *DSnoTOptions) { o.UpdateThreshold = math.NaN() },
	} {
		if err := call(mod); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// MaxCycles 0: the initial mask, applied.
	w := slices.Clone(c.w)
	m, err := DSnoT(w, 2, 8, init, c.mean, c.variance, c.scal, NM(2, 4), DSnoTOptions{})
	if err != nil || !slices.Equal(m, init) {
		t.Fatalf("0 cycles: %v %v", m, err)
	}
}

func TestDSnoTDefaultOptions(t *testing.T) {
	o := DSnoTDefaultOptions(4096, 128*2048, 128)
	ref := DSnoTReferenceOptions()
	if o.MaxCycles != 50 || o.UpdateThreshold != 0.1 || o.PowVarRegrow != ref.PowVarRegrow || o.WithoutSameSign != ref.WithoutSameSign || o.Reference {
		t.Fatalf("LLaMA-7B sizes: %+v, want 50 cycles, τ = 0.1, γ = 1, no same-sign check, safe loop", o)
	}
	if o := DSnoTDefaultOptions(4096, 2048, 0); o.MaxCycles != 50 || o.UpdateThreshold != 0.1 {
		t.Fatalf("per-sequence tokens: %+v", o)
	}
	for _, tc := range []struct {
		cols    int
		tokens  int64
		samples int
		cycles  int
		tau     float64
	}{
		{64, 64 * 256, 64, 1, 0.0125},
		{172, 64 * 256, 64, 2, 0.0125},
		{288, 64 * 512, 64, 4, 0.025},
		{11008, 128 * 2048, 128, 134, 0.1},
		{1, 1, 1, 1, 0.1 / 2048},
	} {
		o := DSnoTDefaultOptions(tc.cols, tc.tokens, tc.samples)
		if o.WithoutSameSign != (tc.cols >= 4096) {
			t.Errorf("cols %d: WithoutSameSign = %v", tc.cols, o.WithoutSameSign)
		}
		if o.MaxCycles != tc.cycles || math.Abs(o.UpdateThreshold-tc.tau) > 1e-15 {
			t.Errorf("cols %d, %d tokens / %d: %d cycles, τ = %v; want %d, %v", tc.cols, tc.tokens, tc.samples, o.MaxCycles, o.UpdateThreshold, tc.cycles, tc.tau)
		}
	}
}

// τ is compared as torch compares a float32 tensor with a Python float:
// both in float32, so |ε| = float32(0.1) is NOT above τ = 0.1.
func TestDSnoTThresholdFloat32(t *testing.T) {
	c := &dsnotCase{rows: 1, cols: 4, w: []float32{0.1, 0.05, -1, 1}, mean: []float64{1, 1, 1, 1},
		variance: []float64{1, 1, 1, 1}, scal: []float64{1, 1, 1, 1}}
	init := Mask{true, false, false, false} // ε = a_0 = float32(0.1)
	for _, reference := range []bool{false, true} {
		for _, tc := range []struct {
			tau  float64
			want Mask
		}{
			{0.1, init},
			{0.0999, Mask{false, false, true, false}}, // revive 0, prune the a<0 weight 2
		} {
			o := DSnoTReferenceOptions()
			o.Reference = reference
			o.UpdateThreshold = tc.tau
			o.MaxCycles = 1 // (later cycles walk off this 4-column row in reference mode)
			if got, _ := c.run(t, init, Unstructured(0.25), o); !slices.Equal(got, tc.want) {
				t.Errorf("ref=%v τ=%v: %v, want %v", reference, tc.tau, got, tc.want)
			}
		}
	}
}

// The safe loop stops when a sign block runs out: with ε > 0 and a single
// kept weight with a < 0 there is one swap; the reference goes on pruning
// a > 0 weights (which pushes ε back up).
func TestDSnoTSafeStopsAtSignBlocks(t *testing.T) {
	c := &dsnotCase{rows: 1, cols: 8, w: []float32{1, 1, 1, 1, -0.5, 0.5, 0.5, 0.5},
		mean: []float64{1, 1, 1, 1, 1, 1, 1, 1}, variance: []float64{1, 1, 1, 1, 1, 1, 1, 1}, scal: []float64{1, 1, 1, 1, 1, 1, 1, 1}}
	init := Mask{true, true, true, true, false, false, false, false}
	o := DSnoTReferenceOptions()
	o.Reference = false
	got, _ := c.run(t, init, Unstructured(0.5), o)
	if want := (Mask{true, true, true, false, true, false, false, false}); !slices.Equal(got, want) {
		t.Fatalf("safe: %v, want %v", got, want)
	}
	o.Reference = true
	o.MaxCycles = 2
	got, _ = c.run(t, init, Unstructured(0.5), o)
	if want := (Mask{true, true, false, false, true, false, false, true}); !slices.Equal(got, want) {
		t.Fatalf("reference: %v, want %v", got, want)
	}
}

// BenchmarkDSnoT: one LLaMA-7B q_proj-sized matrix (4096×4096, 50%,
// reference defaults).
func BenchmarkDSnoT(b *testing.B) {
	for _, reference := range []bool{false, true} {
		name := "safe"
		if reference {
			name = "reference"
		}
		b.Run(name, func(b *testing.B) {
			r := rand.New(rand.NewSource(1))
			c := newDSnoTCase(r, 4096, 4096, false, 0.05)
			init, err := WandaMask(c.w, c.rows, c.cols, c.scal, Unstructured(0.5))
			if err != nil {
				b.Fatal(err)
			}
			o := DSnoTReferenceOptions()
			o.Reference = reference
			w := make([]float32, len(c.w))
			b.ResetTimer()
			for range b.N {
				copy(w, c.w)
				if _, err := DSnoT(w, c.rows, c.cols, init, c.mean, c.variance, c.scal, Unstructured(0.5), o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The partial orders (selection of the ends of G and Q) read the same
// entries as full sorts.
func TestDSnoTPartialOrdersMatchFullSort(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	changed := 0
	for it := 0; it < 120; it++ {
		rows, cols := 1+r.Intn(20), []int{16, 64, 256, 1024}[r.Intn(4)]
		c := newDSnoTCase(r, rows, cols, it%2 == 0, []float64{0, 0.3, -0.3}[r.Intn(3)])
		tg := []Target{Unstructured(0.5), Unstructured(0.7), NM(2, 4), NM(4, 8)}[r.Intn(4)]
		init := c.wanda(t, tg)
		o := DSnoTReferenceOptions()
		o.Reference = it%3 != 0
		o.MaxCycles = []int{1, 5, 20, 60, 600}[r.Intn(5)]
		o.UpdateThreshold = []float64{0, 0.1}[r.Intn(2)]
		o.WithoutSameSign = r.Intn(2) == 0
		o.PowVarRegrow = []float64{1, 0}[r.Intn(2)]
		fast, _ := c.run(t, init, tg, o)
		o.fullSort = true
		full, _ := c.run(t, init, tg, o)
		if !slices.Equal(fast, full) {
			t.Fatalf("case %d (%d×%d %v T=%d ref=%v): partial and full orders differ", it, rows, cols, tg, o.MaxCycles, o.Reference)
		}
		if o.Reference && !slices.Equal(full, oracleDSnoT(c, init, tg, o)) {
			t.Fatalf("case %d: reference mode differs from the oracle", it)
		}
		if !slices.Equal(fast, init) {
			changed++
		}
	}
	if changed < 60 {
		t.Fatalf("only %d cases changed the mask", changed)
	}
}
