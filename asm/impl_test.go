package asm_test

import (
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

func TestImpls(t *testing.T) {
	all := impls(t)
	if len(all) == 0 || all[len(all)-1] != asm.Ref() {
		t.Fatalf("Impls() = %v, want the reference last", all)
	}
	if asm.Best() != all[0] {
		t.Errorf("Best() = %v, want Impls()[0] = %v", asm.Best(), all[0])
	}
	if asm.Ref().Name != "ref" {
		t.Errorf("Ref().Name = %q", asm.Ref().Name)
	}
	if len(all) == 1 {
		t.Skipf("no SIMD implementation on this CPU/build (%s); only the reference was tested", goruntime.GOARCH)
	}
	want := map[string]string{"amd64": "avx2", "arm64": "neon"}[goruntime.GOARCH]
	// amd64 CPUs with AVX-512 (VBMI2, VNNI) prefer the "avx512" sparse kernels.
	if all[0].Name != want && (goruntime.GOARCH != "amd64" || all[0].Name != "avx512" || all[1].Name != "avx2") {
		t.Errorf("Best() = %q on %s, want %q", all[0].Name, goruntime.GOARCH, want)
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"", "auto"} {
		if im, err := asm.Lookup(name); err != nil || im != asm.Best() {
			t.Errorf("Lookup(%q) = %v, %v; want Best()", name, im, err)
		}
	}
	if im, err := asm.Lookup("ref"); err != nil || im != asm.Ref() {
		t.Errorf(`Lookup("ref") = %v, %v`, im, err)
	}
	for _, im := range asm.Impls() {
		if got, err := asm.Lookup(im.Name); err != nil || got != im {
			t.Errorf("Lookup(%q) = %v, %v", im.Name, got, err)
		}
	}
	_, err := asm.Lookup("sse9")
	if err == nil || !strings.Contains(err.Error(), "ref") || !strings.Contains(err.Error(), "unknown") {
		t.Errorf(`Lookup("sse9") error = %v; want an "unknown" error listing the available names`, err)
	}
	other := map[string]string{"amd64": "neon", "arm64": "avx2"}[goruntime.GOARCH]
	if other != "" {
		if _, err := asm.Lookup(other); err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("Lookup(%q) on %s: error = %v, want a not-supported error", other, goruntime.GOARCH, err)
		}
	}
}
