package asm

import "math/bits"

// Reference kernels of the sparse formats (layouts in sparse_pack.go). Each
// GEMV kernel computes len(dst)/RB whole row blocks starting at the first
// row block of its slices; sums run in float32 in column order per row
// (per 32-column block for the int8 formats, like gemvQ8Ref).

// bmGemvF16Ref: dst[4rb+i] = Σ_c f16(W[4rb+i][c])·x[c]; masks and vals
// start at the first row block.
func bmGemvF16Ref(dst []float32, masks []uint32, vals []uint16, x []float32) {
	bmGemvF16Lanes(dst, masks, vals, x, &plainLanes, 1)
}

// bmGemvF16sRef is bmGemvF16Ref reading x in SplitF16Act's form.
func bmGemvF16sRef(dst []float32, masks []uint32, vals []uint16, x []float32) {
	bmGemvF16Lanes(dst, masks, vals, x, &splitLanes, 1/splitScale)
}

// plainLanes and splitLanes give the index in a 32-column block of x of
// column j: x itself, or SplitF16Act's form (even columns, then odd).
var plainLanes, splitLanes = func() (p, s [32]uint8) {
	for j := range uint8(32) {
		p[j], s[j] = j, j&1*16+j>>1
	}
	return p, s
}()

// bmGemvF16Lanes is the bitmask-f16 GEMV reading column j of a block at
// lane[j] of x, each row sum times scale.
func bmGemvF16Lanes(dst []float32, masks []uint32, vals []uint16, x []float32, lane *[32]uint8, scale float32) {
	tab := f16Table()
	ncb := len(x) / 32
	p := 0
	for rb := range len(dst) / bmF16RB {
		var acc [bmF16RB]float32
		for cb := range ncb {
			xb := x[cb*32 : cb*32+32]
			for i := range bmF16RB {
				m := masks[(rb*ncb+cb)*bmF16RB+i]
				for m != 0 {
					j := bits.TrailingZeros32(m)
					m &= m - 1
					acc[i] += tab[vals[p]] * xb[lane[j]]
					p++
				}
			}
		}
		for i, a := range acc {
			dst[rb*bmF16RB+i] = a * scale
		}
	}
}

// bmGemvI8Ref: with q, d the Q8 activations (len(q)/32 blocks),
//
//	dst[8rb+i] = Σ_cb float32(Σ_j qw·q[32cb+j]) · (f16(scale[rb,cb,i])·d[cb])
//
// The last argument, the block sums of q (QuantizeQ8's s), is for kernels
// that multiply biased weights and must remove 128·s[cb].
func bmGemvI8Ref(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, _ []int32) {
	tab := f16Table()
	ncb := len(q) / 32
	p := 0
	for rb := range len(dst) / sp8RB {
		var acc [sp8RB]float32
		for cb := range ncb {
			var dot [sp8RB]int32
			qb := q[cb*32 : cb*32+32]
			for u := range 8 {
				m := masks[(rb*ncb+cb)*8+u]
				for m != 0 {
					l := bits.TrailingZeros32(m)
					m &= m - 1
					dot[l/4] += int32(vals[p]) * int32(qb[4*u+l%4])
					p++
				}
			}
			for i := range sp8RB {
				acc[i] += float32(dot[i]) * (tab[scales[(rb*ncb+cb)*sp8RB+i]] * d[cb])
			}
		}
		copy(dst[rb*sp8RB:], acc[:])
	}
}

// nmGemvF16Ref: dst[8rb+i] = Σ_g Σ_s f16(vals[g,s,i])·x[4g+idx(g,s,i)].
func nmGemvF16Ref(dst []float32, vals []uint16, idx []uint32, x []float32) {
	tab := f16Table()
	ng := len(x) / 4
	for rb := range len(dst) / sp8RB {
		var acc [sp8RB]float32
		for g := range ng {
			id := idx[rb*ng+g]
			v := vals[(rb*ng+g)*16:]
			for i := range sp8RB {
				acc[i] += tab[v[i]] * x[4*g+int(id>>(2*i))&3]
				acc[i] += tab[v[8+i]] * x[4*g+int(id>>(16+2*i))&3]
			}
		}
		copy(dst[rb*sp8RB:], acc[:])
	}
}

// nmGemvI8Ref: the 2:4 int8 product, accumulated like bmGemvI8Ref.
func nmGemvI8Ref(dst []float32, vals []int8, idx []uint8, scales []uint16, q []int8, d []float32) {
	tab := f16Table()
	nu, ncb := len(q)/8, len(q)/32
	for rb := range len(dst) / sp8RB {
		var acc [sp8RB]float32
		for cb := range ncb {
			var dot [sp8RB]int32
			for u := cb * 4; u < cb*4+4; u++ {
				for i := range sp8RB {
					id := idx[(rb*nu+u)*8+i]
					v := vals[((rb*nu+u)*8+i)*4:]
					for k := range 4 {
						c := 8*u + 4*(k/2) + int(id>>(2*k))&3
						dot[i] += int32(v[k]) * int32(q[c])
					}
				}
			}
			for i := range sp8RB {
				acc[i] += float32(dot[i]) * (tab[scales[(rb*ncb+cb)*sp8RB+i]] * d[cb])
			}
		}
		copy(dst[rb*sp8RB:], acc[:])
	}
}

// spmmF32Ref is the sparse × dense-tile kernel of the prefill path: rows
// given as lists (row r: entries ptr[r] ≤ k < ptr[r+1] of idx, val), a tile
// of tw tokens transposed (xt[c*tw + t] = token t, column c):
//
//	out[r*tw + t] = Σ_k val[k]·xt[idx[k]*tw + t]   for r < len(ptr)-1, t < tw
func spmmF32Ref(out []float32, ptr, idx []int32, val []float32, xt []float32, tw int) {
	for r := range len(ptr) - 1 {
		o := out[r*tw : r*tw+tw]
		clear(o)
		for k := ptr[r]; k < ptr[r+1]; k++ {
			v := val[k]
			xs := xt[int(idx[k])*tw : int(idx[k])*tw+tw]
			for t, xv := range xs {
				o[t] += v * xv
			}
		}
	}
}

// Decoders: rows of row blocks [rb0, rb1) into lists for spmm (ptr has
// (rb1-rb0)·RB+1 entries, ptr[0] = 0; rows past m.Rows are empty). Stored
// zeros are skipped. They return the number of entries.

func (m *BitmaskF16) decode(ptr, idx []int32, val []float32, rb0, rb1 int) int {
	tab := f16Table()
	ncb := m.Cols / 32
	n := 0
	ptr[0] = 0
	for rb := rb0; rb < rb1; rb++ {
		// Count each row's values, then place them: the stream is ordered
		// by column block, then row.
		base := (rb - rb0) * bmF16RB
		var cnt [bmF16RB]int
		for cb := range ncb {
			for i, mk := range m.Masks[(rb*ncb+cb)*bmF16RB : (rb*ncb+cb+1)*bmF16RB] {
				cnt[i] += bits.OnesCount32(mk)
			}
		}
		var pos [bmF16RB]int
		for i := range bmF16RB {
			pos[i] = n
			n += cnt[i]
		}
		p := int(m.Offs[rb])
		fixed := m.kindOf(rb) == bmFixed
		for cb := range ncb {
			for i := range bmF16RB {
				mk := m.Masks[(rb*ncb+cb)*bmF16RB+i]
				for mk != 0 {
					j := bits.TrailingZeros32(mk)
					mk &= mk - 1
					idx[pos[i]] = int32(cb*32 + j)
					if fixed {
						val[pos[i]] = float32(int16(m.Vals[p])) * m.sc[rb*bmF16RB+i]
					} else {
						val[pos[i]] = tab[m.Vals[p]]
					}
					pos[i]++
					p++
				}
			}
		}
		for i := range bmF16RB {
			ptr[base+i+1] = int32(pos[i])
		}
	}
	return n
}

func (m *BitmaskI8) decode(ptr, idx []int32, val []float32, rb0, rb1 int) int {
	tab := f16Table()
	ncb := m.Cols / 32
	n := 0
	ptr[0] = 0
	for rb := rb0; rb < rb1; rb++ {
		base := (rb - rb0) * sp8RB
		var cnt [sp8RB]int
		for cb := range ncb {
			for _, mk := range m.Masks[(rb*ncb+cb)*8 : (rb*ncb+cb+1)*8] {
				for i := range sp8RB {
					cnt[i] += bits.OnesCount32(mk >> (4 * i) & 15)
				}
			}
		}
		var pos [sp8RB]int
		for i := range sp8RB {
			pos[i] = n
			n += cnt[i]
		}
		p := int(m.Offs[rb])
		for cb := range ncb {
			sc := m.Scales[(rb*ncb+cb)*sp8RB:]
			for u := range 8 {
				mk := m.Masks[(rb*ncb+cb)*8+u]
				for mk != 0 {
					l := bits.TrailingZeros32(mk)
					mk &= mk - 1
					i := l / 4
					idx[pos[i]] = int32(cb*32 + 4*u + l%4)
					val[pos[i]] = float32(m.Vals[p]) * tab[sc[i]]
					pos[i]++
					p++
				}
			}
		}
		for i := range sp8RB {
			ptr[base+i+1] = int32(pos[i])
		}
	}
	return n
}

func (m *NM24F16) decode(ptr, idx []int32, val []float32, rb0, rb1 int) int {
	tab := f16Table()
	ng := m.Cols / 4
	n := 0
	ptr[0] = 0
	for rb := rb0; rb < rb1; rb++ {
		for i := range sp8RB {
			for g := range ng {
				id := m.Idx[rb*ng+g]
				v := m.Vals[(rb*ng+g)*16:]
				for s := range 2 {
					if w := tab[v[8*s+i]]; w != 0 {
						idx[n] = int32(4*g + int(id>>(16*s+2*i))&3)
						val[n] = w
						n++
					}
				}
			}
			ptr[(rb-rb0)*sp8RB+i+1] = int32(n)
		}
	}
	return n
}

func (m *NM24I8) decode(ptr, idx []int32, val []float32, rb0, rb1 int) int {
	tab := f16Table()
	nu, ncb := m.Cols/8, m.Cols/32
	n := 0
	ptr[0] = 0
	for rb := rb0; rb < rb1; rb++ {
		for i := range sp8RB {
			for u := range nu {
				id := m.Idx[(rb*nu+u)*8+i]
				v := m.Vals[((rb*nu+u)*8+i)*4:]
				d := tab[m.Scales[(rb*ncb+u/4)*sp8RB+i]]
				for k := range 4 {
					if v[k] != 0 {
						idx[n] = int32(8*u + 4*(k/2) + int(id>>(2*k))&3)
						val[n] = float32(v[k]) * d
						n++
					}
				}
			}
			ptr[(rb-rb0)*sp8RB+i+1] = int32(n)
		}
	}
	return n
}

// maxNNZ bounds the entries decode produces for row blocks [rb0, rb1).
func (m *BitmaskF16) maxNNZ(rb0, rb1 int) int { return int(m.Offs[rb1] - m.Offs[rb0]) }
func (m *BitmaskI8) maxNNZ(rb0, rb1 int) int  { return int(m.Offs[rb1] - m.Offs[rb0]) }
func (m *NM24F16) maxNNZ(rb0, rb1 int) int    { return (rb1 - rb0) * sp8RB * m.Cols / 2 }
func (m *NM24I8) maxNNZ(rb0, rb1 int) int     { return (rb1 - rb0) * sp8RB * m.Cols / 2 }
