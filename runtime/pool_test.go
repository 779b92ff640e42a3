package runtime

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolForCoversEveryIndexOnce(t *testing.T) {
	for _, n := range []int{1, 2, 3, 8} {
		p := NewPool(n)
		for _, total := range []int{0, 1, 7, 64, 1000} {
			for _, grain := range []int{1, 3, 64, 5000} {
				hits := make([]atomic.Int32, total)
				p.For(total, grain, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						hits[i].Add(1)
					}
				})
				for i := range hits {
					if hits[i].Load() != 1 {
						t.Fatalf("n=%d total=%d grain=%d: index %d run %d times", n, total, grain, i, hits[i].Load())
					}
				}
			}
		}
		p.Close()
	}
}

func TestPoolRunUsesEveryWorkerAndWakesFromSleep(t *testing.T) {
	p := NewPool(4)
	defer p.Close()
	for round := 0; round < 3; round++ {
		var seen [4]atomic.Int32
		p.Run(func(w int) { seen[w].Add(1) })
		for w := range seen {
			if seen[w].Load() != 1 {
				t.Fatalf("round %d: worker %d ran %d times", round, w, seen[w].Load())
			}
		}
		time.Sleep(20 * time.Millisecond) // workers go to sleep; the next Run must wake them
	}
}
