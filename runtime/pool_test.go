package runtime

import (
	"slices"
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

// TestPoolForWorkerRuns checks the chunk order: worker w walks the w-th
// contiguous run of chunks upward, and a worker that finishes first takes
// the stalled worker's remaining chunks from the back of its run.
func TestPoolForWorkerRuns(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	const total, grain = 39, 2 // 20 chunks (the last of 1), runs [0, 10) and [10, 20)
	var order [2][]int
	started, release := make(chan struct{}), make(chan struct{})
	wait := func(ch chan struct{}, what string) {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Errorf("%s never happened (orders %v)", what, order)
		}
	}
	p.ForWorker(total, grain, func(w, lo, hi int) {
		if hi-lo != grain && hi != total {
			t.Errorf("chunk [%d, %d)", lo, hi)
		}
		c := lo / grain
		order[w] = append(order[w], c)
		switch {
		case w == 1 && c == 10:
			close(started)
			wait(release, "worker 0 reaching chunk 11") // stall worker 1
		case w == 0 && c == 0:
			wait(started, "worker 1 starting chunk 10")
		case w == 0 && c == 11:
			close(release) // worker 0 has taken the rest of worker 1's run
		}
	})
	want0 := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 19, 18, 17, 16, 15, 14, 13, 12, 11}
	if !slices.Equal(order[0], want0) || !slices.Equal(order[1], []int{10}) {
		t.Fatalf("worker 0 took %v, worker 1 %v; want %v and [10]", order[0], order[1], want0)
	}
}
