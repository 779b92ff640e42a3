package runtime

import (
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// Pool is a persistent set of workers: the goroutine calling Run is worker 0
// and n-1 goroutines wait for jobs, spinning briefly and then sleeping, so a
// token's hundreds of parallel regions cost microseconds each and an idle
// pool costs nothing. There are never more runnable pool goroutines than n.
type Pool struct {
	n        int
	gen      atomic.Uint32
	job      func(worker int)
	done     atomic.Int32
	sleepers atomic.Int32
	quit     atomic.Bool
	mu       sync.Mutex
	cond     *sync.Cond
	runMu    sync.Mutex
	wg       sync.WaitGroup
}

// spins is how many times a worker polls for the next job before sleeping
// (a few tens of microseconds).
const spins = 20000

// NewPool starts a pool of n workers (n ≥ 1). Close stops it.
func NewPool(n int) *Pool {
	if n < 1 {
		panic(fmt.Sprintf("runtime: NewPool(%d)", n))
	}
	p := &Pool{n: n}
	p.cond = sync.NewCond(&p.mu)
	for w := 1; w < n; w++ {
		p.wg.Add(1)
		go p.worker(w)
	}
	return p
}

// Threads is the number of workers.
func (p *Pool) Threads() int { return p.n }

func (p *Pool) worker(w int) {
	defer p.wg.Done()
	// Generation 0 is the pool's state at NewPool; reading gen here instead
	// could skip a Run that starts before this goroutine does.
	last := uint32(0)
	for {
		for i := 0; i < spins && p.gen.Load() == last; i++ {
			if i&255 == 255 {
				goruntime.Gosched()
			}
		}
		if p.gen.Load() == last {
			p.mu.Lock()
			p.sleepers.Add(1)
			for p.gen.Load() == last && !p.quit.Load() {
				p.cond.Wait()
			}
			p.sleepers.Add(-1)
			p.mu.Unlock()
		}
		if p.quit.Load() {
			return
		}
		last = p.gen.Load()
		p.job(w)
		p.done.Add(1)
	}
}

// Run calls job(w) once on every worker w in [0, Threads()) and returns when
// all have finished. Calls are serialized.
func (p *Pool) Run(job func(worker int)) {
	if p.n == 1 {
		job(0)
		return
	}
	p.runMu.Lock()
	defer p.runMu.Unlock()
	p.job = job
	p.done.Store(0)
	p.gen.Add(1)
	if p.sleepers.Load() > 0 {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	job(0)
	want := int32(p.n - 1)
	for i := 0; p.done.Load() != want; i++ {
		if i&255 == 255 {
			goruntime.Gosched()
		}
	}
	p.job = nil
}

// For splits [0, total) into chunks of grain (the last may be shorter) and
// runs fn on them across the workers: each walks its own contiguous run of
// chunks, then takes what is left of the others' from their ends. Each
// index is processed by exactly one call, so results that depend only on the
// index are the same for any number of workers.
func (p *Pool) For(total, grain int, fn func(lo, hi int)) {
	p.ForWorker(total, grain, func(_, lo, hi int) { fn(lo, hi) })
}

// ForWorker is For with the worker index passed to fn, for per-worker
// scratch space.
func (p *Pool) ForWorker(total, grain int, fn func(worker, lo, hi int)) {
	if total <= 0 {
		return
	}
	grain = max(grain, 1)
	if p.n == 1 || total <= grain {
		for lo := 0; lo < total; lo += grain {
			fn(0, lo, min(lo+grain, total))
		}
		return
	}
	// Worker w owns the w-th contiguous run of chunks and walks it from the
	// front, then takes chunks from the back of the others' runs: each
	// worker streams through adjacent memory (decode reads every weight
	// once; chunks handed out alternately would restart the hardware
	// prefetchers at every chunk), and the workers still finish together.
	nc := (total + grain - 1) / grain
	runs := make([]chunkRun, p.n)
	for w := range runs {
		runs[w].v.Store(uint64(w*nc/p.n)<<32 | uint64((w+1)*nc/p.n))
	}
	p.Run(func(w int) {
		for i := range p.n {
			r := &runs[(w+i)%p.n]
			for {
				c, ok := r.take(i == 0)
				if !ok {
					break
				}
				fn(w, c*grain, min(c*grain+grain, total))
			}
		}
	})
}

// chunkRun is a run of chunk indices [front, back) packed in one word,
// taken from the front by its owner and from the back by the others.
type chunkRun struct {
	v atomic.Uint64
	_ [56]byte // one cache line per run
}

func (r *chunkRun) take(front bool) (int, bool) {
	for {
		v := r.v.Load()
		f, b := v>>32, v&(1<<32-1)
		if f >= b {
			return 0, false
		}
		c, nv := f, (f+1)<<32|b
		if !front {
			c, nv = b-1, f<<32|(b-1)
		}
		if r.v.CompareAndSwap(v, nv) {
			return int(c), true
		}
	}
}

// Close stops the workers. The pool must not be used afterwards.
func (p *Pool) Close() {
	p.quit.Store(true)
	p.gen.Add(1)
	p.mu.Lock()
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}
