// Package testfiles locates the module's shared test data (testdata/ at the
// module root) from any package's tests.
package testfiles

import (
	"path/filepath"
	goruntime "runtime"
)

// Path returns the absolute path of name under the module's testdata/.
func Path(name string) string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", filepath.FromSlash(name))
}
