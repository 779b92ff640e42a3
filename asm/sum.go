package asm

// SumF32 returns Σ x[i]. It exists to measure memory read bandwidth (it
// streams its input once with independent accumulators, like the DRAM probe
// in performance.md), so the summation order is the kernel's own: results
// agree with a sequential sum only to rounding.
func (im *Impl) SumF32(x []float32) float32 {
	var s float32
	n8 := len(x) &^ 31
	if n8 > 0 {
		// Bounded chunks keep every call preemptible.
		const chunk = maxWork
		for i := 0; i < n8; i += chunk {
			c := x[i:min(i+chunk, n8)]
			raceRead(c)
			s += im.sumF32(c)
		}
	}
	for _, v := range x[n8:] {
		s += v
	}
	return s
}
