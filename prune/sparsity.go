package prune

import (
	"fmt"
	"math"
	"math/bits"
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// Target is a sparsity target for one weight matrix.
//
// With M == 0 the target is unstructured: a fraction Ratio in [0, 1) of the
// weights is to be zeroed (how the count is rounded and which comparison group
// it applies to depends on the method; see each function).
//
// With M > 0 the target is the N:M pattern in the reference code's meaning:
// in every row, every aligned group of M consecutive input columns
// [g·M, g·M+M) gets exactly N weights zeroed (the reference's prune_n =
// number ZEROED, prune_m = group size). 2:4 and 4:8 are 50% sparse; 5:8 would
// be 62.5% sparse. Ratio is ignored for N:M targets.
type Target struct {
	Ratio float64
	N, M  int
}

// Unstructured returns the unstructured target with sparsity ratio p.
func Unstructured(p float64) Target { return Target{Ratio: p} }

// NM returns the N:M target: n zeros in every aligned group of m columns.
func NM(n, m int) Target { return Target{N: n, M: m} }

// Structured reports whether t is an N:M target.
func (t Target) Structured() bool { return t.M != 0 }

// Sparsity returns the fraction of weights the target zeroes (N/M for N:M).
func (t Target) Sparsity() float64 {
	if t.Structured() {
		return float64(t.N) / float64(t.M)
	}
	return t.Ratio
}

func (t Target) String() string {
	if t.Structured() {
		return fmt.Sprintf("%d:%d", t.N, t.M)
	}
	return fmt.Sprintf("unstructured %g", t.Ratio)
}

// Validate checks t on its own: an unstructured ratio must lie in [0, 1)
// (1 is rejected because the reference's sorted[int(numel·p)] indexes past
// the end), an N:M target needs 0 < N < M.
func (t Target) Validate() error {
	if t.M < 0 {
		return fmt.Errorf("prune: invalid target: M = %d is negative", t.M)
	}
	if t.Structured() {
		if t.N <= 0 || t.N >= t.M {
			return fmt.Errorf("prune: invalid N:M target %d:%d: need 0 < N < M (N is the number of weights zeroed per group of M)", t.N, t.M)
		}
		return nil
	}
	if t.N != 0 {
		return fmt.Errorf("prune: invalid target: N = %d with M = 0 (set M for an N:M target)", t.N)
	}
	if !(t.Ratio >= 0 && t.Ratio < 1) { // also rejects NaN
		return fmt.Errorf("prune: invalid sparsity ratio %v: must be in [0, 1)", t.Ratio)
	}
	return nil
}

// ValidateFor checks t against a matrix with cols input columns: besides
// [Target.Validate], an N:M target needs cols to be a multiple of M.
func (t Target) ValidateFor(cols int) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if t.Structured() && cols%t.M != 0 {
		return fmt.Errorf("prune: %d columns are not divisible by M = %d for the %d:%d pattern", cols, t.M, t.N, t.M)
	}
	return nil
}

// Mask is a pruning mask over a row-major rows×cols matrix: Mask[i*cols+j]
// is true when weight (i, j) is pruned (set to zero).
type Mask []bool

// Count returns the number of pruned positions.
func (m Mask) Count() int {
	n := 0
	for _, b := range m {
		if b {
			n++
		}
	}
	return n
}

// Apply sets w[i] = 0 wherever m[i] is true. len(w) must equal len(m).
func (m Mask) Apply(w []float32) {
	if len(w) != len(m) {
		panic(fmt.Sprintf("prune: Mask.Apply: len(w) = %d, len(mask) = %d", len(w), len(m)))
	}
	for i, b := range m {
		if b {
			w[i] = 0
		}
	}
}

// CountZeros returns the number of weights equal to zero (+0 or -0).
func CountZeros(w []float32) int {
	n := 0
	for _, v := range w {
		if v == 0 {
			n++
		}
	}
	return n
}

// VerifyNM checks that every aligned group of m consecutive columns in every
// row of the row-major rows×cols matrix w holds at least n zeros. It returns
// nil or an error naming the first offending group.
func VerifyNM(w []float32, rows, cols, n, m int) error {
	if err := (Target{N: n, M: m}).ValidateFor(cols); err != nil {
		return err
	}
	if err := checkShape(len(w), rows, cols); err != nil {
		return err
	}
	for i := 0; i < rows; i++ {
		row := w[i*cols : (i+1)*cols]
		for g := 0; g < cols; g += m {
			z := CountZeros(row[g : g+m])
			if z < n {
				return fmt.Errorf("prune: row %d, columns [%d, %d): %d zeros, want at least %d (%d:%d)", i, g, g+m, z, n, n, m)
			}
		}
	}
	return nil
}

func checkShape(n, rows, cols int) error {
	if rows < 0 || cols < 0 {
		return fmt.Errorf("prune: negative shape %d×%d", rows, cols)
	}
	if hi, lo := bits.Mul64(uint64(rows), uint64(cols)); hi != 0 || lo != uint64(n) {
		return fmt.Errorf("prune: weight slice has %d elements, shape %d×%d needs %d", n, rows, cols, rows*cols)
	}
	return nil
}

// pyIntMul returns Python's int(n * p) for an int n and a float p: the
// product is rounded to float64 and truncated toward zero. Every "how many"
// in the reference code is computed this way.
func pyIntMul(n int, p float64) int {
	return int(math.Trunc(float64(n) * p))
}

// ---------------------------------------------------------------------------
// Ordering keys.
//
// torch.sort orders floats ascending with NaN after everything else and with
// -0 == +0. orderKey32 maps a float32 to a uint32 whose unsigned order is that
// order (all NaNs map to the same largest key, -0 maps to +0's key), so that
// "smallest" selections can run on integers. Appending the column index in the
// low 32 bits of a uint64 makes every key unique and reproduces a STABLE sort
// (ties go to the lower index).

func orderKey32(x float32) uint32 {
	if x != x {
		return math.MaxUint32
	}
	if x == 0 {
		x = 0 // -0 → +0
	}
	b := math.Float32bits(x)
	if b&(1<<31) != 0 {
		return ^b
	}
	return b | 1<<31
}

func stableKey(x float32, idx int) uint64 {
	return uint64(orderKey32(x))<<32 | uint64(uint32(idx))
}

// selectKth returns the k-th smallest element (0-based) of a, reordering a.
// It is an introselect with a three-way partition (many equal keys are
// common with fp16 weights) that falls back to sorting.
func selectKth[T uint32 | uint64](a []T, k int) T {
	lo, hi := 0, len(a) // search in a[lo:hi]
	depth := 2 * bits.Len(uint(len(a)))
	for hi-lo > 16 {
		if depth == 0 {
			sortInts(a[lo:hi])
			return a[k]
		}
		depth--
		// median of three
		x, y, z := a[lo], a[lo+(hi-lo)/2], a[hi-1]
		if x > y {
			x, y = y, x
		}
		if y > z {
			y = z
			if x > y {
				y = x
			}
		}
		pivot := y
		// Dutch national flag: a[lo:lt] < pivot, a[lt:i] == pivot, a[gt:hi] > pivot.
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := a[i]; {
			case v < pivot:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case v > pivot:
				gt--
				a[gt], a[i] = a[i], a[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return pivot
		}
	}
	sortInts(a[lo:hi])
	return a[k]
}

func sortInts[T uint32 | uint64](a []T) {
	// insertion sort for the small tails, heap sort for the fallback; both
	// only need to be correct (the result is a value, not an order of ties).
	if len(a) <= 16 {
		for i := 1; i < len(a); i++ {
			for j := i; j > 0 && a[j] < a[j-1]; j-- {
				a[j], a[j-1] = a[j-1], a[j]
			}
		}
		return
	}
	n := len(a)
	sift := func(root, end int) {
		for {
			c := 2*root + 1
			if c >= end {
				return
			}
			if c+1 < end && a[c+1] > a[c] {
				c++
			}
			if a[root] >= a[c] {
				return
			}
			a[root], a[c] = a[c], a[root]
			root = c
		}
	}
	for i := n/2 - 1; i >= 0; i-- {
		sift(i, n)
	}
	for end := n - 1; end > 0; end-- {
		a[0], a[end] = a[end], a[0]
		sift(0, end)
	}
}

// smallestStable marks in mask (len(vals)) the k entries with the smallest
// vals, ties broken toward the lower index — exactly the first k indices of a
// stable ascending torch.sort. keys is scratch of at least len(vals).
func smallestStable(vals []float32, k int, mask []bool, keys []uint64) {
	if k <= 0 {
		return
	}
	keys = keys[:len(vals)]
	for j, v := range vals {
		keys[j] = stableKey(v, j)
	}
	if k >= len(vals) {
		for j := range mask[:len(vals)] {
			mask[j] = true
		}
		return
	}
	kth := selectKth(keys, k-1)
	for j, v := range vals {
		if stableKey(v, j) <= kth {
			mask[j] = true
		}
	}
}

// ---------------------------------------------------------------------------
// torch.topk(largest=False) on CPU.
//
// The reference selects the N weights of each N:M group with
// torch.topk(tmp, N, dim=1, largest=False) on a float32 tensor. On CPU,
// PyTorch's topk_impl_loop (ATen/native/TopKImpl.h) fills a vector of
// (value, index) pairs in index order and then runs
//
//	k*64 <= n:  std::partial_sort(begin, begin+k, end, less)
//	otherwise:  std::nth_element(begin, begin+k-1, end, less)
//
// with less(x, y) = (!isnan(x) && isnan(y)) || x < y, comparing values only.
// The k selected indices are the first k pairs afterwards; a later
// std::sort of the first k-1 pairs (sorted=True) only reorders them. So
// which of several tied values is selected is decided by libstdc++'s
// introselect / heap-select (PyTorch's Linux builds use libstdc++). The
// functions below are a transcription of those algorithms (GCC 12
// bits/stl_algo.h and bits/stl_heap.h; unchanged for many releases) with the
// same comparisons and swaps, so that the selected SET matches exactly,
// ties included. (CUDA's topk uses a radix select instead; its tie choice
// can differ.)

type topkPair struct {
	v float32
	i int32
}

func topkLess(x, y float32) bool {
	return (x == x && y != y) || x < y
}

// topkSmallest reorders q so that q[:k] holds the pairs torch.topk(largest=
// False) selects on CPU.
func topkSmallest(q []topkPair, k int) {
	n := len(q)
	if k <= 0 || n == 0 {
		return
	}
	if k*64 <= n {
		heapSelect(q, k) // partial_sort = heap_select + sort_heap (order only)
		return
	}
	if k-1 == n { // nth == last: std::nth_element returns immediately
		return
	}
	introselect(q, k-1, 2*(bits.Len(uint(n))-1))
}

func introselect(q []topkPair, nth, depth int) {
	first, last := 0, len(q)
	for last-first > 3 {
		if depth == 0 {
			heapSelect(q[first:last], nth-first+1)
			q[first], q[nth] = q[nth], q[first]
			return
		}
		depth--
		cut := partitionPivot(q, first, last)
		if cut <= nth {
			first = cut
		} else {
			last = cut
		}
	}
	insertionSort(q[first:last])
}

// partitionPivot is std::__unguarded_partition_pivot.
func partitionPivot(q []topkPair, first, last int) int {
	mid := first + (last-first)/2
	moveMedianToFirst(q, first, first+1, mid, last-1)
	// std::__unguarded_partition(first+1, last, first)
	pivot := q[first].v
	lo, hi := first+1, last
	for {
		for topkLess(q[lo].v, pivot) {
			lo++
		}
		hi--
		for topkLess(pivot, q[hi].v) {
			hi--
		}
		if !(lo < hi) {
			return lo
		}
		q[lo], q[hi] = q[hi], q[lo]
		lo++
	}
}

func moveMedianToFirst(q []topkPair, result, a, b, c int) {
	less := func(x, y int) bool { return topkLess(q[x].v, q[y].v) }
	var m int
	switch {
	case less(a, b):
		switch {
		case less(b, c):
			m = b
		case less(a, c):
			m = c
		default:
			m = a
		}
	case less(a, c):
		m = a
	case less(b, c):
		m = c
	default:
		m = b
	}
	q[result], q[m] = q[m], q[result]
}

// insertionSort is std::__insertion_sort.
func insertionSort(q []topkPair) {
	for i := 1; i < len(q); i++ {
		val := q[i]
		if topkLess(val.v, q[0].v) {
			copy(q[1:i+1], q[0:i])
			q[0] = val
			continue
		}
		j := i
		for topkLess(val.v, q[j-1].v) {
			q[j] = q[j-1]
			j--
		}
		q[j] = val
	}
}

// heapSelect is std::__heap_select(first, first+k, last): afterwards q[:k]
// holds the selected pairs (as a max-heap).
func heapSelect(q []topkPair, k int) {
	makeHeap(q[:k])
	for i := k; i < len(q); i++ {
		if topkLess(q[i].v, q[0].v) {
			// std::__pop_heap(first, middle, i)
			val := q[i]
			q[i] = q[0]
			adjustHeap(q[:k], 0, k, val)
		}
	}
}

func makeHeap(q []topkPair) {
	n := len(q)
	if n < 2 {
		return
	}
	for parent := (n - 2) / 2; ; parent-- {
		adjustHeap(q, parent, n, q[parent])
		if parent == 0 {
			return
		}
	}
}

// adjustHeap is std::__adjust_heap followed by std::__push_heap.
func adjustHeap(q []topkPair, hole, n int, val topkPair) {
	top := hole
	child := hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if topkLess(q[child].v, q[child-1].v) {
			child--
		}
		q[hole] = q[child]
		hole = child
	}
	if n&1 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		q[hole] = q[child-1]
		hole = child - 1
	}
	parent := (hole - 1) / 2
	for hole > top && topkLess(q[parent].v, val.v) {
		q[hole] = q[parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	q[hole] = val
}

// nmSmallest marks, for one row, the n entries of every aligned group of m
// in scores that torch.topk(group, n, largest=False) selects on CPU. q is
// scratch of at least m pairs.
func nmSmallest(scores []float32, n, m int, mask []bool, q []topkPair) {
	q = q[:m]
	for g := 0; g+m <= len(scores); g += m {
		for j := range q {
			q[j] = topkPair{scores[g+j], int32(j)}
		}
		topkSmallest(q, n)
		for _, p := range q[:n] {
			mask[g+int(p.i)] = true
		}
	}
}

// parallelRows calls f on disjoint row ranges [lo, hi) covering [0, rows),
// concurrently on up to workers goroutines (≤ 0: GOMAXPROCS). The ranges
// only depend on rows and the chunk size, never on the number of workers,
// and every row is processed by exactly one call, so results that are
// computed per row do not depend on the degree of parallelism.
func parallelRows(rows, chunk, workers int, f func(lo, hi int)) {
	if chunk < 1 {
		chunk = 1
	}
	if workers <= 0 {
		workers = goruntime.GOMAXPROCS(0)
	}
	nchunks := (rows + chunk - 1) / chunk
	if workers > nchunks {
		workers = nchunks
	}
	if workers <= 1 {
		for lo := 0; lo < rows; lo += chunk {
			f(lo, min(lo+chunk, rows))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= nchunks {
					return
				}
				lo := c * chunk
				f(lo, min(lo+chunk, rows))
			}
		}()
	}
	wg.Wait()
}
