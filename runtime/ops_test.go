package runtime

import (
	"math"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

func TestSoftmax(t *testing.T) {
	for _, im := range asm.Impls() {
		x := []float32{1, 2, 3, -50, 0.5, 3, 2.5, -1e30, 0, 1}
		want := make([]float64, len(x))
		var sum float64
		for i, v := range x {
			want[i] = math.Exp((float64(v) - 3) * 0.5)
			sum += want[i]
		}
		softmax(im, x, 0.5)
		for i := range x {
			if d := math.Abs(float64(x[i]) - want[i]/sum); d > 1e-6*want[i]/sum+1e-30 {
				t.Errorf("%s: softmax[%d] = %g, want %g", im.Name, i, x[i], want[i]/sum)
			}
		}
	}
}
