package asm

// gemvF32Ref is the reference matrix–vector product:
//
//	dst[r] = Σ_{c<len(x)} w[r*ldw+c] · x[c]   for r < len(dst)
//
// accumulated in float32 in column order.
func gemvF32Ref(dst []float32, w []float32, ldw int, x []float32) {
	for r := range dst {
		row := w[r*ldw : r*ldw+len(x)]
		var acc float32
		for c, v := range x {
			acc += row[c] * v
		}
		dst[r] = acc
	}
}

// gemvF16Ref is gemvF32Ref with half-precision weights:
//
//	dst[r] = Σ_{c<len(x)} f16(w[r*ldw+c]) · x[c]
func gemvF16Ref(dst []float32, w []uint16, ldw int, x []float32) {
	tab := f16Table()
	for r := range dst {
		row := w[r*ldw : r*ldw+len(x)]
		var acc float32
		for c, v := range x {
			acc += tab[row[c]] * v
		}
		dst[r] = acc
	}
}

// gemmF32Ref is the reference of the 4-row × 3-token micro-kernel:
//
//	dst[(3j+t)*ldd + r] = Σ_{c<k} w[r*ldw+c] · x[(3j+t)*ldx+c]
//
// for j < ntrip, t < 3, r < 4; with add != 0 the sums are added to dst.
func gemmF32Ref(dst []float32, ldd int, w []float32, ldw int, x []float32, ldx, k, ntrip, add int) {
	var tmp [4]float32
	for t := range 3 * ntrip {
		gemvF32Ref(tmp[:], w, ldw, x[t*ldx:t*ldx+k])
		storeOrAdd(dst[t*ldd:t*ldd+4], tmp[:], add)
	}
}

// gemmF16Ref is gemmF32Ref with half-precision weights.
func gemmF16Ref(dst []float32, ldd int, w []uint16, ldw int, x []float32, ldx, k, ntrip, add int) {
	var tmp [4]float32
	for t := range 3 * ntrip {
		gemvF16Ref(tmp[:], w, ldw, x[t*ldx:t*ldx+k])
		storeOrAdd(dst[t*ldd:t*ldd+4], tmp[:], add)
	}
}

func storeOrAdd(dst, v []float32, add int) {
	if add == 0 {
		copy(dst, v)
		return
	}
	for i, x := range v {
		dst[i] += x
	}
}
