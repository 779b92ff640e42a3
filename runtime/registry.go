package runtime

import (
	"fmt"
	"sort"
	"strings"
)

// Arch describes what distinguishes one GGUF architecture in the llama
// family: how rotary embeddings pair dimensions, and which optional tensors
// the attention block has. Each architecture is one file that registers its
// Arch under its general.architecture name.
type Arch struct {
	Name    string
	Rope    RopeMode
	QKVBias bool // attn_{q,k,v}.bias tensors are required
	QKNorm  bool // attn_{q,k}_norm.weight tensors are required
}

var archs = map[string]*Arch{}

// Register adds an architecture. It panics on a duplicate name.
func Register(a *Arch) {
	if _, dup := archs[a.Name]; dup {
		panic("runtime: architecture registered twice: " + a.Name)
	}
	archs[a.Name] = a
}

// Supported lists the registered architecture names, sorted.
func Supported() []string {
	names := make([]string, 0, len(archs))
	for n := range archs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupArch(name string) (*Arch, error) {
	a, ok := archs[name]
	if !ok {
		return nil, fmt.Errorf("architecture %q is not supported (supported: %s)", name, strings.Join(Supported(), ", "))
	}
	return a, nil
}
