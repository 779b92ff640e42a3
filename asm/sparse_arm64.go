//go:build gc && !purego

package asm

// bmGemvF16NEON is bmGemvF16Ref: for each of the len(dst)/4 row blocks,
//
//	dst[4rb+i] = Σ_c f16(W[4rb+i][c])·x[c]
//
// Each 8-column group of a row is expanded from the packed halves at the
// value pointer with one TBL (control spExpF16[mask byte]; its out-of-range
// indices give zero lanes), widened by FCVTL/FCVTL2 and multiplied by x; the
// pointer advances by spCnt2[mask byte]. The 4 rows of a row block share the
// x registers of a 32-column block and walk one value stream; 16
// accumulators (4 per row) hide the FMLA latency.
//
//go:noescape
func bmGemvF16NEON(dst []float32, masks []uint32, vals []uint16, x []float32)

// nmGemvF16NEON is nmGemvF16Ref with rows in lanes (rows 0-3 and 4-7 of a
// row block in two vectors): per group of 4 columns, each byte of the index
// word (the 2-bit columns of 4 rows of one slot) selects the TBL control
// spNMCtl[byte] that gathers those rows' x values from the group's 4 floats,
// so the multiply–adds are those of the stored values only. Two groups run
// per step into 8 accumulators.
//
//go:noescape
func nmGemvF16NEON(dst []float32, vals []uint16, idx []uint32, x []float32)

// bmGemvI8NEON is bmGemvI8Ref using SDOT (dotprod): each 8-row × 4-column
// unit is expanded to 32 int8 lanes by four 8-byte TBLs (control
// spExpI8[mask byte], the value pointer advancing by spCnt1[mask byte])
// joined into two vectors, whose by-element SDOT with the unit's 4
// activations leaves row i in 32-bit lane i; every 32 columns the int32 sums
// are scaled into float32 accumulators.
//
//go:noescape
func bmGemvI8NEON(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, s []int32)

// nmGemvI8NEON is nmGemvI8Ref using SDOT (dotprod): per 8-column unit the
// 8 index bytes are turned into a TBL control (spread to the 4 slot lanes
// of each row, shifted, masked and offset by the constants of
// spNMI8Const) that gathers each slot's activation byte, and one SDOT per 4
// rows multiplies them with the stored values, so no mask or expansion
// tables are read.
//
//go:noescape
func nmGemvI8NEON(dst []float32, vals []int8, idx []uint8, scales []uint16, q []int8, d []float32)

// spNMI8Const holds the vectors nmGemvI8NEON keeps in V8..V15: TBL controls
// that spread index byte i (of the low or high 8-byte unit of a register)
// over the 4 bytes of lane i for rows 0-3 and 4-7, the per-slot right
// shifts 2k (as negative USHL counts), the 2-bit mask, and the slot's group
// offset 4·(k/2) plus 8 for the high unit.
var spNMI8Const [8][16]byte

// spNMCtl[b] is the 16-byte TBL control that moves float32 element
// (b>>2j)&3 of a 4-float register into lane j, j < 4: one byte of a 2:4
// index word covers 4 rows of one slot.
var spNMCtl [256][16]byte

func init() {
	for b := range 256 {
		for j := range 4 {
			e := b >> (2 * j) & 3
			for k := range 4 {
				spNMCtl[b][4*j+k] = byte(4*e + k)
			}
		}
	}
	for l := range 16 {
		i, k := l/4, l%4
		spNMI8Const[0][l] = byte(i)
		spNMI8Const[1][l] = byte(4 + i)
		spNMI8Const[2][l] = byte(8 + i)
		spNMI8Const[3][l] = byte(12 + i)
		spNMI8Const[4][l] = byte(-2 * k)
		spNMI8Const[5][l] = 3
		spNMI8Const[6][l] = byte(4 * (k / 2))
		spNMI8Const[7][l] = byte(8 + 4*(k/2))
	}
}
