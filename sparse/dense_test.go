package sparse_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/sparse"
)

// half decodes IEEE half precision independently of package asm.
func half(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e := int(h>>10) & 31
	m := float64(h & 0x3ff)
	switch e {
	case 0:
		return sign * m * math.Pow(2, -24)
	case 31:
		if m == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + m/1024) * math.Pow(2, float64(e-15))
}

// toHalf encodes small normal values (truncating; good enough for test data).
func toHalf(f float64) uint16 {
	b := math.Float32bits(float32(f))
	sign := uint16(b>>16) & 0x8000
	e := int(b>>23&0xff) - 127 + 15
	if f == 0 || e <= 0 {
		return sign
	}
	return sign | uint16(e)<<10 | uint16(b>>13&0x3ff)
}

// testMatrix is one weight matrix with its float64 dequantization.
type testMatrix struct {
	format     string
	rows, cols int
	deq        []float64 // rows×cols
	build      func(impl *asm.Impl) (sparse.Matrix, error)
}

func makeMatrix(r *rand.Rand, format string, rows, cols int) testMatrix {
	tm := testMatrix{format: format, rows: rows, cols: cols, deq: make([]float64, rows*cols)}
	switch format {
	case "f32":
		w := make([]float32, rows*cols)
		for i := range w {
			w[i] = float32(r.NormFloat64())
			tm.deq[i] = float64(w[i])
		}
		tm.build = func(impl *asm.Impl) (sparse.Matrix, error) { return sparse.NewF32(w, rows, cols, impl) }
	case "f16":
		w := make([]uint16, rows*cols)
		for i := range w {
			w[i] = toHalf(r.NormFloat64())
			tm.deq[i] = half(w[i])
		}
		tm.build = func(impl *asm.Impl) (sparse.Matrix, error) { return sparse.NewF16(w, rows, cols, impl) }
	case "q8_0", "q4_0":
		bb := 34
		if format == "q4_0" {
			bb = 18
		}
		nb := cols / 32
		raw := make([]byte, rows*nb*bb)
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		for row := range rows {
			for b := range nb {
				blk := raw[(row*nb+b)*bb:]
				binary.LittleEndian.PutUint16(blk, toHalf(r.NormFloat64()*0.02))
				d := half(binary.LittleEndian.Uint16(blk))
				for j := range 32 {
					var v int
					switch {
					case format == "q8_0":
						v = int(int8(blk[2+j]))
					case j < 16:
						v = int(blk[2+j]&15) - 8
					default:
						v = int(blk[2+j-16]>>4) - 8
					}
					tm.deq[row*cols+b*32+j] = d * float64(v)
				}
			}
		}
		tm.build = func(impl *asm.Impl) (sparse.Matrix, error) {
			if format == "q8_0" {
				return sparse.NewQ8_0(raw, rows, cols, impl)
			}
			return sparse.NewQ4_0(raw, rows, cols, impl)
		}
	}
	return tm
}

// tolerance: float formats are exact up to float32 summation (Σ|w·x| is
// abs); the quantized ones also round each activation to a multiple of
// amax/127 of its block, an error of at most amax/254 per value, so they
// also get Σ|w|·amax/254 (qerr).
func tolerance(cols int, abs, qerr float64) float64 {
	return 2*float64(cols+4)*0x1p-24*abs + 1.001*qerr + 1e-30
}

func TestDenseMulRows(t *testing.T) {
	for _, impl := range asm.Impls() {
		for _, format := range []string{"f32", "f16", "q8_0", "q4_0"} {
			t.Run(impl.Name+"/"+format, func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(1, 2))
				for _, shape := range [][2]int{{1, 32}, {7, 64}, {8, 32}, {13, 96}, {64, 256}, {33, 2048}} {
					rows, cols := shape[0], shape[1]
					tm := makeMatrix(r, format, rows, cols)
					m, err := tm.build(impl)
					if err != nil {
						t.Fatal(err)
					}
					if m.Rows() != rows || m.Cols() != cols || m.Format() != format {
						t.Fatalf("Rows/Cols/Format = %d/%d/%s", m.Rows(), m.Cols(), m.Format())
					}
					for _, n := range []int{1, 2, 5, 12} {
						x := make([]float32, n*cols)
						for i := range x {
							x[i] = float32(r.NormFloat64())
						}
						var a sparse.Act
						a.Reset(x, n, cols)
						a.Prepare(m.ActKinds(), impl)
						ldd := rows + 3
						dst := make([]float32, n*ldd)
						// Two workers on disjoint row ranges, as the engine does.
						half := rows / 2 / m.RowBlock() * m.RowBlock()
						var wg sync.WaitGroup
						for _, rr := range [][2]int{{0, half}, {half, rows}} {
							wg.Go(func() { m.MulRows(dst, ldd, &a, rr[0], rr[1]) })
						}
						wg.Wait()
						for tk := range n {
							for row := range rows {
								var want, abs, qerr float64
								quantized := format == "q8_0" || format == "q4_0"
								for c := range cols {
									w := tm.deq[row*cols+c]
									p := w * float64(x[tk*cols+c])
									want += p
									abs += math.Abs(p)
									if quantized {
										var amax float64
										for _, v := range x[tk*cols+c/32*32 : tk*cols+c/32*32+32] {
											amax = max(amax, math.Abs(float64(v)))
										}
										qerr += math.Abs(w) * amax / 254
									}
								}
								got := float64(dst[tk*ldd+row])
								if math.Abs(got-want) > tolerance(cols, abs, qerr) {
									t.Fatalf("%d×%d n=%d: dst[%d][%d] = %v, want %v (Σ|wx| %g)", rows, cols, n, tk, row, got, want, abs)
								}
							}
							for row := rows; row < ldd && tk < n-1; row++ {
								if dst[tk*ldd+row] != 0 {
									t.Fatalf("%d×%d n=%d: wrote outside rows at [%d][%d]", rows, cols, n, tk, row)
								}
							}
						}
					}
				}
			})
		}
	}
}

func TestDenseConstructorErrors(t *testing.T) {
	for name, f := range map[string]func() (sparse.Matrix, error){
		"f32 short":    func() (sparse.Matrix, error) { return sparse.NewF32(make([]float32, 5), 2, 3, nil) },
		"f16 short":    func() (sparse.Matrix, error) { return sparse.NewF16(make([]uint16, 5), 2, 3, nil) },
		"q8 cols":      func() (sparse.Matrix, error) { return sparse.NewQ8_0(make([]byte, 1000), 2, 48, nil) },
		"q4 short":     func() (sparse.Matrix, error) { return sparse.NewQ4_0(make([]byte, 35), 2, 32, nil) },
		"f32 negative": func() (sparse.Matrix, error) { return sparse.NewF32(nil, -1, 3, nil) },
	} {
		if m, err := f(); err == nil || m != nil {
			t.Errorf("%s: got %v, %v; want an error", name, m, err)
		}
	}
}

func TestDenseMulRowsPanics(t *testing.T) {
	raw := make([]byte, 16*2*34)
	m, err := sparse.NewQ8_0(raw, 16, 64, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 64)
	dst := make([]float32, 16)
	for name, f := range map[string]func(){
		"unprepared": func() {
			var a sparse.Act
			a.Reset(x, 1, 64)
			m.MulRows(dst, 16, &a, 0, 16)
		},
		"misaligned r0": func() {
			var a sparse.Act
			a.Reset(x, 1, 64)
			a.Prepare(sparse.ActQ8, nil)
			m.MulRows(dst, 16, &a, 4, 16)
		},
		"wrong cols": func() {
			var a sparse.Act
			a.Reset(x, 2, 32)
			a.Prepare(sparse.ActQ8, nil)
			m.MulRows(dst, 16, &a, 0, 16)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestMulRowsNoAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, impl := range asm.Impls() {
		for _, format := range []string{"f32", "f16", "q8_0", "q4_0"} {
			tm := makeMatrix(r, format, 24, 64)
			m, err := tm.build(impl)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, 5*64)
			dst := make([]float32, 5*24)
			var a sparse.Act
			for _, n := range []int{1, 5} {
				allocs := testing.AllocsPerRun(10, func() {
					a.Reset(x, n, 64)
					a.Prepare(m.ActKinds(), impl)
					m.MulRows(dst, 24, &a, 0, 24)
				})
				if allocs != 0 {
					t.Errorf("%s/%s n=%d: %v allocations", impl.Name, format, n, allocs)
				}
			}
		}
	}
}

func TestActPrepare(t *testing.T) {
	x := make([]float32, 3*64)
	for i := range x {
		x[i] = float32(i%37) - 18
	}
	var a sparse.Act
	a.Reset(x, 3, 64)
	if a.Ready() != sparse.ActF32 {
		t.Fatalf("Ready after Reset = %v", a.Ready())
	}
	a.Prepare(sparse.ActQ8, asm.Ref())
	if a.Ready() != sparse.ActF32|sparse.ActQ8 || len(a.Q) != 192 || len(a.D) != 6 || len(a.S) != 6 {
		t.Fatalf("after Prepare: ready %v, len Q/D/S %d/%d/%d", a.Ready(), len(a.Q), len(a.D), len(a.S))
	}
	for b := range 6 {
		var sum int32
		for j := range 32 {
			q := a.Q[b*32+j]
			if got, want := float64(q)*float64(a.D[b]), float64(x[b*32+j]); math.Abs(got-want) > float64(a.D[b])/2+1e-6 {
				t.Fatalf("block %d value %d: %v·%v = %v, want ≈ %v", b, j, q, a.D[b], got, want)
			}
			sum += int32(q)
		}
		if sum != a.S[b] {
			t.Fatalf("S[%d] = %d, want %d", b, a.S[b], sum)
		}
	}
	a.Prepare(sparse.ActSplitF16, nil)
	if a.Ready()&sparse.ActSplitF16 == 0 || len(a.XS) != len(x) {
		t.Fatalf("after Prepare(ActSplitF16): ready %v, len XS %d", a.Ready(), len(a.XS))
	}
	want := make([]float32, len(x))
	asm.SplitF16Act(want, x)
	if !slices.Equal(a.XS, want) {
		t.Fatal("XS is not SplitF16Act(F32)")
	}
	a.Reset(x[:64], 1, 64)
	if a.Ready() != sparse.ActF32 {
		t.Fatal("Reset kept a stale Q8 or split form")
	}
	// Batches of SpGemmMinN or more take the tiles, not the split form.
	xb := make([]float32, asm.SpGemmMinN*64)
	a.Reset(xb, asm.SpGemmMinN, 64)
	a.Prepare(sparse.ActSplitF16|sparse.ActTiles, nil)
	if a.Ready() != sparse.ActF32|sparse.ActTiles {
		t.Fatalf("batch of %d: ready %v", asm.SpGemmMinN, a.Ready())
	}
}

func Example_q4_0() {
	const rows, cols = 8, 32
	raw := make([]byte, rows*18) // one Q4_0 block per row
	for r := range rows {
		binary.LittleEndian.PutUint16(raw[r*18:], 0x3c00) // d = 1
		for j := range 16 {
			raw[r*18+2+j] = 0x99 // every weight = 9-8 = 1
		}
	}
	m, _ := sparse.NewQ4_0(raw, rows, cols, nil)
	x := make([]float32, cols)
	for i := range x {
		x[i] = 0.5
	}
	var a sparse.Act
	a.Reset(x, 1, cols)
	a.Prepare(m.ActKinds(), nil)
	dst := make([]float32, rows)
	m.MulRows(dst, rows, &a, 0, rows)
	fmt.Println(dst[0], dst[7])
	// Output: 16 16
}
