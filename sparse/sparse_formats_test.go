package sparse_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/sparse"
)

// sparseFormats are the sparse constructors under test.
var sparseFormats = []struct {
	name string
	nm24 bool
	i8   bool
	new  func(w []float32, rows, cols int, impl *asm.Impl) (sparse.Matrix, error)
}{
	{"bitmask-f16", false, false, sparse.NewBitmaskF16},
	{"bitmask-i8", false, true, sparse.NewBitmaskI8},
	{"nm24-f16", true, false, sparse.NewNM24F16},
	{"nm24-i8", true, true, sparse.NewNM24I8},
}

// prunedWeights returns rows×cols half-representable weights with a fraction
// of exact zeros (2:4 when nm24: the smallest 2 of every group of 4 zeroed,
// plus random further zeros), a few empty rows and a non-zero last column.
// Rows 0..3, 8..11, … lose their smallest magnitudes, as pruning by
// magnitude leaves them (so fixed bitmask-f16 row blocks occur), the others
// random ones.
func prunedWeights(r *rand.Rand, rows, cols int, zeros float64, nm24 bool) []float32 {
	w := make([]float32, rows*cols)
	// |N(0, 0.1)| < thr with probability zeros.
	thr := 0.1 * math.Sqrt2 * math.Erfinv(zeros)
	for i := range w {
		v := r.NormFloat64() * 0.1
		w[i] = float32(asm.F16ToF32(asm.F32ToF16(float32(v))))
		if i/cols/4%2 == 0 && math.Abs(v) < thr || i/cols/4%2 == 1 && r.Float64() < zeros {
			w[i] = 0
		}
	}
	if nm24 {
		for g := 0; g < len(w); g += 4 {
			a := r.IntN(4)
			w[g+a], w[g+(a+1+r.IntN(3))%4] = 0, 0
		}
	}
	for row := 3; row < rows; row += 7 {
		clear(w[row*cols : (row+1)*cols])
	}
	if rows > 0 && !nm24 {
		w[cols-1] = 0.25
	}
	return w
}

type denser interface{ Dense() []float32 }

// TestSparseMulRowsMatchesDense compares every sparse format's MulRows with
// the dense F32 matrix holding the same zeros: the half-precision formats
// within float32 rounding, the int8 ones also within their weight error
// (d/2 per value) and, where the int8 values meet Q8 activations (the GEMV
// path, n < 4, and prefill on QuantizedI8Prefill) or fixed bitmask-f16 rows
// int16 ones (the GEMV path on implementations that FixesF16), the
// activation quantization.
func TestSparseMulRowsMatchesDense(t *testing.T) {
	for _, impl := range asm.Impls() {
		for _, f := range sparseFormats {
			t.Run(impl.Name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(1, 2))
				for _, shape := range [][2]int{{1, 32}, {7, 64}, {8, 32}, {13, 96}, {64, 256}, {33, 2048}} {
					rows, cols := shape[0], shape[1]
					for _, zeros := range []float64{0, 0.5, 0.7, 0.9} {
						w := prunedWeights(r, rows, cols, zeros, f.nm24)
						m, err := f.new(w, rows, cols, impl)
						if err != nil {
							t.Fatal(err)
						}
						ref, err := sparse.NewF32(w, rows, cols, asm.Ref())
						if err != nil {
							t.Fatal(err)
						}
						if m.Rows() != rows || m.Cols() != cols || m.Format() != f.name {
							t.Fatalf("Rows/Cols/Format = %d/%d/%s", m.Rows(), m.Cols(), m.Format())
						}
						deq := m.(denser).Dense()
						if bm, ok := m.(*sparse.BitmaskF16); ok && impl.FixesF16() && rows >= 8 && zeros > 0 {
							if fixed, _ := bm.FixedRowBlocks(); fixed == 0 {
								t.Errorf("%d×%d zeros=%.1f: no fixed row block", rows, cols, zeros)
							}
						}
						for _, n := range []int{1, 2, 5, 12, 40} {
							x := make([]float32, n*cols)
							for i := range x {
								x[i] = float32(r.NormFloat64())
							}
							var a, aref sparse.Act
							a.Reset(x, n, cols)
							a.Prepare(m.ActKinds(), impl)
							aref.Reset(x, n, cols)
							ldd := rows + 3
							dst, want := make([]float32, n*ldd), make([]float32, n*ldd)
							ref.MulRows(want, ldd, &aref, 0, rows)
							half := rows / 2 / m.RowBlock() * m.RowBlock()
							var wg sync.WaitGroup
							for _, rr := range [][2]int{{0, half}, {half, rows}} {
								wg.Go(func() { m.MulRows(dst, ldd, &a, rr[0], rr[1]) })
							}
							wg.Wait()
							for tk := range n {
								for row := range rows {
									var abs, werr, qerr float64
									for c := range cols {
										wv, xv := float64(w[row*cols+c]), float64(x[tk*cols+c])
										abs += math.Abs(wv * xv)
										werr += math.Abs(float64(deq[row*cols+c])-wv) * math.Abs(xv)
										// Int8 formats and fixed bitmask-f16 rows
										// multiply quantized activations: half a
										// step of their block's scale each.
										steps := 0.0
										switch {
										case f.i8 && (n < 4 || impl.QuantizedI8Prefill()):
											steps = 127
										case f.name == "bitmask-f16" && n < 4 && impl.FixesF16():
											steps = 32767
										}
										if steps != 0 {
											var amax float64
											for _, v := range x[tk*cols+c/32*32 : tk*cols+c/32*32+32] {
												amax = max(amax, math.Abs(float64(v)))
											}
											qerr += math.Abs(float64(deq[row*cols+c])) * amax / (2 * steps)
										}
									}
									got, exp := float64(dst[tk*ldd+row]), float64(want[tk*ldd+row])
									if f.i8 {
										// The stated bound: |ŵ − w| ≤ d/2, d the smallest half ≥ absmax/127.
										for c := range cols {
											cb := row*cols + c/32*32
											var amax float32
											for _, v := range w[cb : cb+32] {
												amax = max(amax, float32(math.Abs(float64(v))))
											}
											h := asm.F32ToF16(amax / 127)
											if asm.F16ToF32(h) < amax/127 {
												h++
											}
											d := float64(asm.F16ToF32(h))
											if e := math.Abs(float64(deq[row*cols+c]) - float64(w[row*cols+c])); e > d/2 {
												t.Fatalf("%d×%d: weight [%d][%d] error %g > d/2", rows, cols, row, c, e)
											}
										}
									} else if werr != 0 {
										t.Fatalf("%d×%d: Dense() differs from the input in row %d", rows, cols, row)
									}
									tol := 4*float64(cols+4)*0x1p-24*abs + 1.001*(werr+qerr) + 1e-30
									if math.Abs(got-exp) > tol {
										t.Fatalf("%d×%d zeros=%.1f n=%d: dst[%d][%d] = %v, dense %v (tol %g)", rows, cols, zeros, n, tk, row, got, exp, tol)
									}
								}
								for row := rows; row < ldd && tk < n-1; row++ {
									if dst[tk*ldd+row] != 0 {
										t.Fatalf("wrote outside rows at [%d][%d]", tk, row)
									}
								}
							}
						}
					}
				}
			})
		}
	}
}

func TestSparseConstructorErrors(t *testing.T) {
	good := make([]float32, 4*64)
	notNM := make([]float32, 4*64)
	notNM[64+8], notNM[64+9], notNM[64+11] = 1, 2, 3
	nan := make([]float32, 4*64)
	nan[7] = float32(math.NaN())
	huge := make([]float32, 4*64)
	huge[9] = 1e6
	for _, f := range sparseFormats {
		cases := map[string]func() (sparse.Matrix, error){
			"cols not 32":  func() (sparse.Matrix, error) { return f.new(good, 4, 48, nil) },
			"short":        func() (sparse.Matrix, error) { return f.new(good[:100], 4, 64, nil) },
			"negative":     func() (sparse.Matrix, error) { return f.new(good, -1, 64, nil) },
			"nan":          func() (sparse.Matrix, error) { return f.new(nan, 4, 64, nil) },
			"not 2:4 or 0": func() (sparse.Matrix, error) { return f.new(notNM, 4, 64, nil) },
		}
		if !f.i8 {
			cases["over f16"] = func() (sparse.Matrix, error) { return f.new(huge, 4, 64, nil) }
		}
		for name, fn := range cases {
			m, err := fn()
			if name == "not 2:4 or 0" && !f.nm24 {
				if err != nil {
					t.Errorf("%s: %s: %v", f.name, name, err)
				}
				continue
			}
			if err == nil || m != nil {
				t.Errorf("%s: %s: got %v, %v; want an error", f.name, name, m, err)
			} else if !strings.Contains(err.Error(), f.name) {
				t.Errorf("%s: %s: error %q does not name the format", f.name, name, err)
			}
		}
	}
}

func TestSparseNoAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, impl := range asm.Impls() {
		for _, f := range sparseFormats {
			m, err := f.new(prunedWeights(r, 24, 64, 0.7, f.nm24), 24, 64, impl)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, 40*64)
			dst := make([]float32, 40*24)
			var a sparse.Act
			for _, n := range []int{1, 5, 40} {
				a.Reset(x, n, 64)
				a.Prepare(m.ActKinds(), impl)
				m.MulRows(dst, 24, &a, 0, 24)
				allocs := testing.AllocsPerRun(10, func() {
					a.Reset(x, n, 64)
					a.Prepare(m.ActKinds(), impl)
					m.MulRows(dst, 24, &a, 0, 24)
				})
				if allocs != 0 && !(raceEnabled && n > 1) {
					t.Errorf("%s/%s n=%d: %v allocations", impl.Name, f.name, n, allocs)
				}
			}
		}
	}
}

// TestSparseTilesMatchUntiled checks that batches read from tiles prepared
// once in the Act (ActTiles) give exactly the results of each MulRows call
// transposing the activations itself, for whole and split row ranges.
func TestSparseTilesMatchUntiled(t *testing.T) {
	for _, impl := range asm.Impls() {
		for _, f := range sparseFormats {
			r := rand.New(rand.NewPCG(5, 6))
			rows, cols := 40, 96
			w := prunedWeights(r, rows, cols, 0.6, f.nm24)
			m, err := f.new(w, rows, cols, impl)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{4, 9, 37, 70} {
				x := make([]float32, n*cols)
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				var plain, tiled sparse.Act
				plain.Reset(x, n, cols)
				plain.Prepare(m.ActKinds()&^sparse.ActTiles, impl)
				tiled.Reset(x, n, cols)
				tiled.Prepare(m.ActKinds(), impl)
				if tiled.Ready()&sparse.ActTiles == 0 {
					t.Fatalf("n=%d: tiles not prepared", n)
				}
				want, got := make([]float32, n*rows), make([]float32, n*rows)
				m.MulRows(want, rows, &plain, 0, rows)
				rb := m.RowBlock()
				m.MulRows(got, rows, &tiled, 0, 2*rb)
				m.MulRows(got, rows, &tiled, 2*rb, rows)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s/%s n=%d: [%d] tiled %v, untiled %v", impl.Name, f.name, n, i, got[i], want[i])
					}
				}
			}
		}
	}
}
