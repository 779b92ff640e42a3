// Command vsllama measures sieve against llama.cpp on the same GGUF files,
// same thread count, alternating runs, and prints each ratio of medians.
//
//	go run ./internal/cmd/vsllama [-threads 2] [-p 512] [-n 128] [-r 5] [MODEL.gguf ...]
//
// A model argument LLAMA.gguf=SIEVE.gguf@POLICY runs llama.cpp on one file
// and sieve on another loaded with `--sparse POLICY`, e.g. a pruned model
// in a sparse format against the dense Q8_0 file of the same shape:
//
//	vsllama tl-q8_0.gguf=tl-f16-s70.gguf@bitmask-i8
//
// Without models it synthesizes the TinyLlama-1.1B shape in F16, Q8_0 and
// Q4_0 (cached in -dir). llama.cpp is node-llama-cpp's prebuilt CPU library
// (`npm ci` in .ci/llamacpp), driven by .ci/llamacpp/llbench.c, which this
// program compiles against the headers in node-llama-cpp's source bundle.
// Both sides time the same things: pN = N prompt tokens from an empty cache
// in one batch, tgN = N single-token steps from an empty cache.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	threads := flag.Int("threads", 2, "threads for both engines")
	pp := flag.Int("p", 512, "prompt tokens (pp test)")
	tg := flag.Int("n", 128, "generated tokens (tg test)")
	reps := flag.Int("r", 5, "alternating runs per engine")
	sieveArgs := flag.String("sieve-args", "", "extra flags for every `sieve bench`, e.g. \"--load hugepages\"")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "sieve-vsllama"), "work directory (synthetic models, binaries)")
	flag.Parse()
	extra = strings.Fields(*sieveArgs)
	if *pp < 1 || *tg < 1 || *reps < 1 || *threads < 1 {
		fmt.Fprintln(os.Stderr, "vsllama: -p, -n, -r and -threads must be at least 1 (both engines run both tests)")
		os.Exit(2)
	}
	if err := run(*threads, *pp, *tg, *reps, *dir, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "vsllama:", err)
		os.Exit(1)
	}
}

// extra holds -sieve-args.
var extra []string

func sh(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

func root() (string, error) {
	out, err := sh("go", "env", "GOMOD")
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

func run(threads, pp, tg, reps int, dir string, models []string) error {
	top, err := root()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	libdir := filepath.Join(top, ".ci/llamacpp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64")
	bundle := filepath.Join(top, ".ci/llamacpp/node_modules/node-llama-cpp/llama/gitRelease.bundle")
	if _, err := os.Stat(libdir); err != nil {
		return fmt.Errorf("llama.cpp is not installed: run `npm ci --omit=optional` in .ci/llamacpp (%v)", err)
	}
	// Headers for the driver, from the llama.cpp source node-llama-cpp ships.
	src := filepath.Join(dir, "llama.cpp")
	if _, err := os.Stat(filepath.Join(src, "include", "llama.h")); err != nil {
		os.RemoveAll(src)
		if _, err := sh("git", "clone", "-q", bundle, src); err != nil {
			return err
		}
	}
	llb := filepath.Join(dir, "llbench")
	libs, _ := filepath.Glob(filepath.Join(libdir, "libllama.v*.so"))
	ggml, _ := filepath.Glob(filepath.Join(libdir, "libggml.v*.so"))
	if len(libs) != 1 || len(ggml) != 1 {
		return fmt.Errorf("expected one libllama.v*.so and one libggml.v*.so in %s", libdir)
	}
	if _, err := sh("gcc", "-O2", filepath.Join(top, ".ci/llamacpp/llbench.c"), "-I"+filepath.Join(src, "include"), "-I"+filepath.Join(src, "ggml/include"),
		"-L"+libdir, "-l:"+filepath.Base(libs[0]), "-l:"+filepath.Base(ggml[0]), "-l:libggml-base.so", "-Wl,-rpath,"+libdir, "-o", llb); err != nil {
		return err
	}
	sieve := filepath.Join(dir, "sieve")
	if _, err := sh("go", "build", "-o", sieve, filepath.Join(top, "cmd/sieve")); err != nil {
		return err
	}
	if len(models) == 0 {
		for _, typ := range []string{"F16", "Q8_0", "Q4_0"} {
			p := filepath.Join(dir, "tinyllama-1.1b-"+strings.ToLower(typ)+".gguf")
			if _, err := os.Stat(p); err != nil {
				fmt.Fprintf(os.Stderr, "vsllama: synthesizing %s\n", p)
				if _, err := sh(sieve, "synth", "-o", p, "--shape", "tinyllama-1.1b", "--type", typ,
					"--tokenizer-from", filepath.Join(top, "testdata/fixtures/llama-2-tiny-random.gguf")); err != nil {
					return err
				}
			}
			models = append(models, p)
		}
	}
	pairs := make([]modelPair, len(models))
	for i, m := range models {
		pairs[i] = modelPair{m, m, "auto"}
		if l, r, ok := strings.Cut(m, "="); ok {
			pairs[i].ll, pairs[i].sieve = l, r
			if p, pol, ok := strings.Cut(r, "@"); ok {
				pairs[i].sieve, pairs[i].policy = p, pol
			}
		}
	}
	type result struct{ sievePP, sieveTG, llPP, llTG, readBW, weightGB []float64 }
	results := make([]result, len(models))
	fmt.Fprintf(os.Stderr, "vsllama: %d threads, pp%d, tg%d, %d alternating runs per engine\n", threads, pp, tg, reps)
	for r := 0; r < reps; r++ {
		for i, pr := range pairs {
			// llama.cpp: one warm-up plus one timed repetition per run.
			out, err := sh("env", "LLAMA_LIBDIR="+libdir, llb, pr.ll, strconv.Itoa(threads), strconv.Itoa(pp), strconv.Itoa(tg), "1")
			if err != nil {
				return err
			}
			var ll struct{ PP, TG float64 }
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				json.Unmarshal(sc.Bytes(), &struct {
					PP *float64 `json:"pp"`
					TG *float64 `json:"tg"`
				}{&ll.PP, &ll.TG})
			}
			// sieve, with the memory read bandwidth measured right after its
			// decode test in the same process.
			args := append([]string{"bench", pr.sieve, "--sparse", pr.policy, "-p", strconv.Itoa(pp), "-n", strconv.Itoa(tg), "-r", "1", "-o", "json", "--bandwidth", "--threads", strconv.Itoa(threads)}, extra...)
			out, err = sh(sieve, args...)
			if err != nil {
				return err
			}
			var rows []struct {
				Test   string
				Mean   float64 `json:"mean_tok_per_s"`
				GBps   float64 `json:"weight_gb_per_s"`
				ReadBW float64 `json:"read_bw_gb_per_s"`
			}
			if err := json.Unmarshal(out, &rows); err != nil {
				return fmt.Errorf("sieve bench output: %v", err)
			}
			res := &results[i]
			for _, row := range rows {
				if strings.HasPrefix(row.Test, "pp") {
					res.sievePP = append(res.sievePP, row.Mean)
				} else {
					res.sieveTG = append(res.sieveTG, row.Mean)
					res.readBW = append(res.readBW, row.ReadBW)
					res.weightGB = append(res.weightGB, row.GBps)
				}
			}
			res.llPP, res.llTG = append(res.llPP, ll.PP), append(res.llTG, ll.TG)
			fmt.Fprintf(os.Stderr, "vsllama: run %d %s: llama.cpp pp %.2f tg %.2f, sieve pp %.2f tg %.2f\n", r+1, pr.name(),
				ll.PP, ll.TG, res.sievePP[len(res.sievePP)-1], res.sieveTG[len(res.sieveTG)-1])
		}
	}
	host, _ := os.Hostname()
	cpu := cpuName()
	fmt.Printf("%s, %s, %d threads, %s, sieve flags %q\n\n", time.Now().Format("2006-01-02"), cpu, threads, host, strings.Join(extra, " "))
	fmt.Println("| model | test | llama.cpp t/s (median) | sieve t/s (median) | sieve ÷ llama.cpp |")
	fmt.Println("| --- | --- | ---: | ---: | ---: |")
	for i, pr := range pairs {
		res := results[i]
		name := pr.name()
		a, b := median(res.llPP), median(res.sievePP)
		fmt.Printf("| %s | pp%d | %.2f | %.2f | %.2f |\n", name, pp, a, b, b/a)
		a, b = median(res.llTG), median(res.sieveTG)
		fmt.Printf("| %s | tg%d | %.2f | %.2f | %.2f |\n", name, tg, a, b, b/a)
	}
	fmt.Println("\nsieve's decode weight traffic against memory read bandwidth measured right after it in the same process (medians):")
	fmt.Println("\n| model | weights read GB/s | read bandwidth GB/s | share |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	for i, pr := range pairs {
		w, bw := median(results[i].weightGB), median(results[i].readBW)
		fmt.Printf("| %s | %.1f | %.1f | %.0f%% |\n", pr.name(), w, bw, 100*w/bw)
	}
	return nil
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if _, v, ok := strings.Cut(l, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}

// modelPair is what each engine runs: llama.cpp the file ll, sieve the file
// sieve with --sparse policy.
type modelPair struct{ ll, sieve, policy string }

func (p modelPair) name() string {
	if p.ll == p.sieve {
		return filepath.Base(p.ll)
	}
	return fmt.Sprintf("llama.cpp %s vs sieve %s --sparse %s", filepath.Base(p.ll), filepath.Base(p.sieve), p.policy)
}
