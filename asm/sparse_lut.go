package asm

import "math/bits"

// Lookup tables of the bitmask kernels (read by the assembly), indexed by one
// mask byte m covering 8 consecutive weights:
//
//	spExpF16[m]  16-byte PSHUFB/TBL control that expands the first
//	             popcount(m) packed halves of a 16-byte load to the 8 lanes
//	             whose bits are set (lanes with a clear bit get 0x80/0xff:
//	             zero)
//	spExpI8[m]   the same for 8 int8 lanes (8 bytes; one spare entry so a
//	             16-byte load at the last entry stays inside the table)
//	spCnt2[m]    2·popcount(m): the bytes of m's packed halves
//	spCnt1[m]    popcount(m)
var (
	spExpF16 [256][16]byte
	spExpI8  [257][8]byte
	spCnt2   [256]uint64
	spCnt1   [256]uint64
)

func init() {
	for m := range 256 {
		n := 0
		for j := range 8 {
			if m>>j&1 != 0 {
				spExpF16[m][2*j] = byte(2 * n)
				spExpF16[m][2*j+1] = byte(2*n + 1)
				spExpI8[m][j] = byte(n)
				n++
			} else {
				spExpF16[m][2*j], spExpF16[m][2*j+1] = 0xff, 0xff
				spExpI8[m][j] = 0xff
			}
		}
		spCnt2[m] = uint64(2 * bits.OnesCount8(uint8(m)))
		spCnt1[m] = uint64(bits.OnesCount8(uint8(m)))
	}
}
