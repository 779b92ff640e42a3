package prune

import (
	"fmt"
	"math/bits"
)

// PyRandom reproduces CPython's random.Random (the module-level functions
// of Python's random module) for the operations the calibration sampler
// needs: seeding with an int, getrandbits, randrange/randint and random().
// The generator is MT19937 (CPython Modules/_randommodule.c) and the
// integer methods are Lib/random.py's, so with the same seed every value
// equals Python's:
//
//	r := NewPyRandom(0)   // random.seed(0)
//	i := r.RandInt(0, 9)  // random.randint(0, 9)
//
// A PyRandom is not safe for concurrent use.
type PyRandom struct {
	mt  [mtN]uint32
	idx int
}

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

// NewPyRandom returns a generator seeded like Python's random.seed(seed)
// for an int seed.
func NewPyRandom(seed int64) *PyRandom {
	r := new(PyRandom)
	r.Seed(seed)
	return r
}

// Seed is Python's random.seed(seed) for an int seed: CPython takes
// abs(seed), splits it into 32-bit words, least significant first (one word
// 0 for seed 0), and calls init_by_array with them.
func (r *PyRandom) Seed(seed int64) {
	n := uint64(seed)
	if seed < 0 {
		n = -n // two's complement negation is also right for MinInt64
	}
	key := []uint32{uint32(n)}
	if hi := uint32(n >> 32); hi != 0 {
		key = append(key, hi)
	}
	r.initByArray(key)
}

// NewMT19937 returns the plain MT19937 generator seeded with init_genrand(s)
// (the reference generator's own seeding; Python never uses it for int
// seeds, see [PyRandom.Seed]). The first outputs for s = 5489 are
// 3499211612, 581869302, 3890346734, ...
func NewMT19937(s uint32) *PyRandom {
	r := new(PyRandom)
	r.initGenrand(s)
	return r
}

func (r *PyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < mtN; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = mtN
}

func (r *PyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(mtN, len(key))
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = mtN - 1; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000
	r.idx = mtN
}

// Uint32 returns the next 32-bit output of MT19937 (genrand_uint32).
func (r *PyRandom) Uint32() uint32 {
	if r.idx >= mtN {
		mt := &r.mt
		var kk int
		for kk = 0; kk < mtN-mtM; kk++ {
			y := mt[kk]&mtUpperMask | mt[kk+1]&mtLowerMask
			mt[kk] = mt[kk+mtM] ^ y>>1 ^ (y&1)*mtMatrixA
		}
		for ; kk < mtN-1; kk++ {
			y := mt[kk]&mtUpperMask | mt[kk+1]&mtLowerMask
			mt[kk] = mt[kk+(mtM-mtN)] ^ y>>1 ^ (y&1)*mtMatrixA
		}
		y := mt[mtN-1]&mtUpperMask | mt[0]&mtLowerMask
		mt[mtN-1] = mt[mtM-1] ^ y>>1 ^ (y&1)*mtMatrixA
		r.idx = 0
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// GetRandBits is Python's random.getrandbits(k) for 0 ≤ k ≤ 64 (larger k
// panics): k ≤ 32 uses one output shifted right by 32−k; otherwise the
// words are filled least significant first and the last one keeps its top
// bits, as CPython does.
func (r *PyRandom) GetRandBits(k int) uint64 {
	switch {
	case k < 0 || k > 64:
		panic(fmt.Sprintf("prune: PyRandom.GetRandBits(%d): k must be in [0, 64]", k))
	case k == 0:
		return 0
	case k <= 32:
		return uint64(r.Uint32() >> (32 - k))
	}
	lo := uint64(r.Uint32())
	hi := uint64(r.Uint32() >> (64 - k))
	return hi<<32 | lo
}

// RandBelow is Python's Random._randbelow(n) (_randbelow_with_getrandbits):
// k = n.bit_length(), draw getrandbits(k) until it is < n. n must be > 0.
func (r *PyRandom) RandBelow(n uint64) uint64 {
	if n == 0 {
		panic("prune: PyRandom.RandBelow(0)")
	}
	k := bits.Len64(n)
	v := r.GetRandBits(k)
	for v >= n {
		v = r.GetRandBits(k)
	}
	return v
}

// RandRange is Python's random.randrange(start, stop) (step 1): start +
// _randbelow(stop − start). It panics on an empty range like Python raises.
func (r *PyRandom) RandRange(start, stop int64) int64 {
	if stop <= start {
		panic(fmt.Sprintf("prune: PyRandom.RandRange(%d, %d): empty range", start, stop))
	}
	return start + int64(r.RandBelow(uint64(stop)-uint64(start)))
}

// RandInt is Python's random.randint(a, b) = randrange(a, b+1): a uniform
// integer in [a, b], both ends included. b must be ≥ a.
func (r *PyRandom) RandInt(a, b int64) int64 {
	if b < a {
		panic(fmt.Sprintf("prune: PyRandom.RandInt(%d, %d): empty range", a, b))
	}
	return a + int64(r.RandBelow(uint64(b)-uint64(a)+1))
}

// Random is Python's random.random(): a float in [0, 1) with 53 random bits,
// (a·2²⁶ + b)/2⁵³ with a = 27 and b = 26 bits of two outputs.
func (r *PyRandom) Random() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) * (1.0 / 9007199254740992.0)
}
