// Package layering enforces the module's dependency direction:
//
//	cmd → server, prune → runtime → sparse, gguf → asm
//
// Imports only point down that list (siblings on one level do not import each
// other), only gguf imports ollama, only prune imports gonum, and the standard
// library's runtime package is always imported as goruntime.
package layering

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/sieve-llm/sieve"

// level of each top-level package; a package may import only packages with a
// larger level.
var levels = map[string]int{
	"cmd":     0,
	"server":  1,
	"prune":   1,
	"runtime": 2,
	"sparse":  3,
	"gguf":    3,
	"asm":     4,
}

// external modules and the top-level packages allowed to import them.
var external = map[string][]string{
	"github.com/ollama/ollama":   {"gguf"},
	"gonum.org/v1/gonum":         {"prune"},
	"github.com/klauspost/cpuid": {"asm"},
	"golang.org/x/sys":           {"gguf", "asm"},
}

type pkgImports struct {
	top     string              // top-level directory, "" for the root package
	imports map[string][]string // import path → files importing it
}

func root(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

func scan(t *testing.T) map[string]*pkgImports {
	dir := root(t)
	pkgs := map[string]*pkgImports{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		p := pkgs[rel]
		if p == nil {
			p = &pkgImports{top: strings.Split(rel, "/")[0], imports: map[string][]string{}}
			if rel == "." {
				p.top = ""
			}
			pkgs[rel] = p
		}
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			p.imports[ip] = append(p.imports[ip], rel+"/"+name)
			if ip == "runtime" && (im.Name == nil || im.Name.Name != "goruntime") {
				t.Errorf("%s/%s imports the standard library's runtime without the name goruntime", rel, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// lowest returns the smallest level number a package reaches through its
// module imports (internal packages have no level of their own: they count as
// what they import). ok is false if a package imports nothing layered.
func lowest(pkgs map[string]*pkgImports, rel string, seen map[string]bool) (int, bool) {
	if seen[rel] {
		return 0, false
	}
	seen[rel] = true
	p := pkgs[rel]
	if p == nil {
		return 0, false
	}
	best, found := 0, false
	for ip := range p.imports {
		if !strings.HasPrefix(ip, module+"/") {
			continue
		}
		dep := strings.TrimPrefix(ip, module+"/")
		top := strings.Split(dep, "/")[0]
		l, ok := levels[top]
		if top == "internal" {
			l, ok = lowest(pkgs, dep, seen)
		}
		if ok && (!found || l < best) {
			best, found = l, true
		}
	}
	return best, found
}

func TestImportDirection(t *testing.T) {
	pkgs := scan(t)
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages; is the module root right?", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// The checker itself catches each kind of violation.
func TestViolationsDetected(t *testing.T) {
	mk := func(top string, imports ...string) *pkgImports {
		p := &pkgImports{top: top, imports: map[string][]string{}}
		for _, ip := range imports {
			p.imports[ip] = []string{top + "/x.go"}
		}
		return p
	}
	m := module + "/"
	cases := []struct {
		pkgs map[string]*pkgImports
		bad  bool
	}{
		{map[string]*pkgImports{"runtime": mk("runtime", m+"sparse", m+"gguf", m+"asm")}, false},
		{map[string]*pkgImports{"asm": mk("asm", m+"gguf")}, true},
		{map[string]*pkgImports{"sparse": mk("sparse", m+"gguf")}, true},
		{map[string]*pkgImports{"server": mk("server", m+"prune")}, true},
		{map[string]*pkgImports{"runtime": mk("runtime", "github.com/ollama/ollama/fs/ggml")}, true},
		{map[string]*pkgImports{"gguf": mk("gguf", "gonum.org/v1/gonum/mat")}, true},
		{map[string]*pkgImports{"gguf": mk("gguf", m+"internal/conv"), "internal/conv": mk("internal", m+"runtime")}, true},
		{map[string]*pkgImports{"cmd/sieve": mk("cmd", m+"internal/conv"), "internal/conv": mk("internal", m+"gguf")}, false},
		{map[string]*pkgImports{"runtime": mk("runtime", m+"cmd/sieve")}, true},
	}
	for i, c := range cases {
		if got := len(violations(c.pkgs)) > 0; got != c.bad {
			t.Errorf("case %d: violation reported = %v, want %v (%v)", i, got, c.bad, violations(c.pkgs))
		}
	}
}

func violations(pkgs map[string]*pkgImports) []string {
	var out []string
	for rel, p := range pkgs {
		if p.top == "" || rel == "internal/layering" {
			continue // the root benchmark package sees everything
		}
		myLevel, layered := levels[p.top]
		for ip, files := range p.imports {
			for ext, allowed := range external {
				if strings.HasPrefix(ip, ext) && !contains(allowed, p.top) {
					out = append(out, fmt.Sprintf("%s imports %s; only %v may", files[0], ip, allowed))
				}
			}
			if !strings.HasPrefix(ip, module+"/") || !layered {
				continue
			}
			dep := strings.TrimPrefix(ip, module+"/")
			top := strings.Split(dep, "/")[0]
			if top == p.top {
				continue
			}
			depLevel, ok := levels[top]
			if top == "internal" {
				depLevel, ok = lowest(pkgs, dep, map[string]bool{})
			}
			if top == "cmd" || (ok && depLevel <= myLevel) {
				out = append(out, fmt.Sprintf("%s (%s, level %d) imports %s (level %d): imports must point down cmd → server, prune → runtime → sparse, gguf → asm",
					files[0], p.top, myLevel, ip, depLevel))
			}
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
