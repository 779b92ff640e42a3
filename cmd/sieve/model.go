package main

import (
	"flag"
	"fmt"
	"io"
	goruntime "runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/runtime"
	"github.com/sieve-llm/sieve/runtime/tokenizer"
	"github.com/sieve-llm/sieve/sparse"
)

// modelFlags are the flags every command that runs a model shares.
type modelFlags struct {
	threads *int
	kernels *string
	ctxSize *int
	batch   *int
	loadHow *string
	// sparse and verbose exist for the commands that run a model as it is
	// (run, perplexity, bench; see addSparseFlags); prune reads the dense
	// weights, so for it they stay nil and the model loads dense.
	sparse  *string
	verbose *bool
}

func addModelFlags(fs *flag.FlagSet) *modelFlags {
	return &modelFlags{
		threads: fs.Int("threads", goruntime.GOMAXPROCS(0), "worker threads (at most the cores you can spare)"),
		kernels: fs.String("kernels", "auto", "kernel implementation: auto, "+implNames()),
		ctxSize: fs.Int("ctx-size", 0, "context size in tokens (0: the model's training context, at most 4096)"),
		batch:   fs.Int("batch", 512, "tokens evaluated per forward pass while reading a prompt"),
		loadHow: fs.String("load", "mmap", "how weights reach memory: mmap (map the file, shared with the page cache), read (read it into memory, like llama.cpp's --no-mmap), hugepages (read it into transparent huge pages, and put the sparse formats' arrays there too: fewer TLB misses while decode streams the weights, where the kernel allows them, for a slower load)"),
	}
}

// addSparseFlags adds the flags that choose the weights' storage formats.
func (mf *modelFlags) addSparseFlags(fs *flag.FlagSet) {
	mf.sparse = fs.String("sparse", "auto", "weight storage: auto (sparse formats for matrices with enough exact zeros or a 2:4 pattern), dense, or one of "+strings.Join(sparse.SparseFormats, ", ")+" for every matrix that can take it")
	mf.verbose = fs.Bool("verbose", false, "list the storage format each weight matrix got")
}

func implNames() string {
	s := ""
	for i, im := range asm.Impls() {
		if i > 0 {
			s += ", "
		}
		s += im.Name
	}
	return s
}

// loaded is an open model ready to run.
type loaded struct {
	file  *gguf.File
	model *runtime.Model
	tok   *tokenizer.Tokenizer
	pool  *runtime.Pool
	ctx   int
	load  time.Duration
}

func (l *loaded) Close() {
	l.pool.Close()
	l.file.Close()
}

// load opens a GGUF model, checking the shared flags first; conversion
// progress and the storage summary go to stderr.
func (mf *modelFlags) load(path string, stderr io.Writer) (*loaded, error) {
	policy := ""
	if mf.sparse != nil {
		policy = *mf.sparse
	}
	return mf.loadWith(path, stderr, policy)
}

// loadWith is load with the --sparse policy given ("": dense, for commands
// without the flag).
func (mf *modelFlags) loadWith(path string, stderr io.Writer, policy string) (*loaded, error) {
	if *mf.threads < 1 {
		return nil, usagef("--threads %d: must be at least 1", *mf.threads)
	}
	if *mf.ctxSize < 0 {
		return nil, usagef("--ctx-size %d: must be ≥ 0", *mf.ctxSize)
	}
	if *mf.batch < 1 {
		return nil, usagef("--batch %d: must be at least 1", *mf.batch)
	}
	impl, err := asm.Lookup(*mf.kernels)
	if err != nil {
		return nil, usagef("--kernels: %v", err)
	}
	opt := runtime.LoadOptions{Impl: impl, Sparse: sparse.PolicyDense}
	if policy != "" {
		if opt.Sparse, err = sparse.ParsePolicy(policy); err != nil {
			return nil, usagef("--sparse: %v", err)
		}
	}
	var gopt gguf.OpenOptions
	switch *mf.loadHow {
	case "mmap":
	case "read":
		gopt.NoMmap = true
	case "hugepages":
		gopt.HugePages = true
	default:
		return nil, usagef("--load %q: must be mmap, read or hugepages", *mf.loadHow)
	}
	start := time.Now()
	f, err := gguf.OpenWith(path, gopt)
	if err != nil {
		return nil, err
	}
	// The bar appears only when converting takes a while (a dense model
	// is rejected from a few rows per matrix in milliseconds).
	var prog *progress
	convStart := time.Now()
	opt.Progress = func(done, total int) {
		if prog == nil && time.Since(convStart) > time.Second {
			prog = newProgress(stderr, "sparse formats", total)
		}
		if prog != nil {
			prog.step(done)
		}
	}
	m, err := runtime.Load(f, opt)
	if prog != nil {
		prog.done()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	if policy != "" {
		printFormats(stderr, m, *mf.verbose)
	}
	tok, err := tokenizer.FromGGUF(&f.Metadata)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if tok.VocabSize() != m.Vocab {
		f.Close()
		return nil, fmt.Errorf("%s: the tokenizer has %d tokens but the embedding %d rows", path, tok.VocabSize(), m.Vocab)
	}
	ctx := *mf.ctxSize
	if ctx == 0 {
		ctx = min(m.ContextLen, 4096)
	}
	if goruntime.GOMAXPROCS(0) < *mf.threads {
		goruntime.GOMAXPROCS(*mf.threads)
	}
	return &loaded{file: f, model: m, tok: tok, pool: runtime.NewPool(*mf.threads), ctx: ctx, load: time.Since(start)}, nil
}

// printFormats writes one line summing up the weight storage (matrices per
// format and the bytes a decode step reads), and with verbose a line per
// matrix.
func printFormats(w io.Writer, m *runtime.Model, verbose bool) {
	fmt.Fprintf(w, "sieve: weights: %s; %s read per token\n", formatSummary(m), humanBytes(uint64(m.WeightBytes())))
	if !verbose {
		return
	}
	lins := m.Linears()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "sieve: tensor\tformat\tzeros\tbytes\tlayout\t")
	for _, l := range lins {
		zeros := "-"
		if l.Zeros >= 0 {
			zeros = fmt.Sprintf("%.2f%%", 100*l.Zeros)
		}
		layout := "-"
		if d, ok := l.W.(interface{ Detail() string }); ok {
			layout = d.Detail()
		}
		fmt.Fprintf(tw, "sieve: %s\t%s\t%s\t%s\t%s\t\n", l.Name, l.W.Format(), zeros, humanBytes(uint64(l.W.StorageBytes())), layout)
	}
	tw.Flush()
}

// formatSummary lists the storage formats of a model's matrices with their
// counts, most common first, e.g. "154 × bitmask-f16, 1 × f16".
func formatSummary(m *runtime.Model) string {
	count := map[string]int{}
	var order []string
	for _, l := range m.Linears() {
		f := l.W.Format()
		if count[f] == 0 {
			order = append(order, f)
		}
		count[f]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	parts := make([]string, len(order))
	for i, f := range order {
		parts[i] = fmt.Sprintf("%d × %s", count[f], f)
	}
	return strings.Join(parts, ", ")
}
