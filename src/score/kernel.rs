//! Dot-product kernels: AVX-512, AVX2+FMA (x86_64) and NEON (aarch64), chosen at run time, and
//! the scalar loop every one of them is checked against.
//!
//! This is the only file of the crate that uses `unsafe`: the SIMD intrinsics read through raw
//! pointers and must only run on a CPU that has the instruction set. Both are argued at each
//! block. A [`Kernel`] for an instruction set can only be obtained after run-time detection
//! found that instruction set, so dispatching on it is sound.
#![allow(unsafe_code)]
// The AVX-512 intrinsics are stable since Rust 1.89 (the crate declares 1.85 until the lead
// raises it; building this file needs 1.89).
#![allow(clippy::incompatible_msrv)]

/// The instruction set a [`Kernel`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "aarch64")]
    Neon,
}

/// A dot-product implementation for this CPU. Obtained from [`Kernel::detect`] (the fastest
/// available), [`Kernel::scalar`] or [`Kernel::available`]; never for an instruction set the CPU
/// lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    f32_isa: Isa,
    i8_isa: Isa,
}

impl Kernel {
    /// The portable scalar loops.
    pub const fn scalar() -> Kernel {
        Kernel {
            f32_isa: Isa::Scalar,
            i8_isa: Isa::Scalar,
        }
    }

    /// The fastest kernel this CPU supports (AVX-512F, then AVX2+FMA, then scalar on x86_64;
    /// NEON on aarch64).
    pub fn detect() -> Kernel {
        Kernel::available()
            .into_iter()
            .next()
            .unwrap_or(Kernel::scalar())
    }

    /// Every kernel this CPU supports, fastest first, scalar last.
    pub fn available() -> Vec<Kernel> {
        #[allow(unused_mut)]
        let mut v = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
            if is_x86_feature_detected!("avx512f") {
                // The i8 path needs AVX-512BW (byte/word widening); without it, AVX2 does i8.
                let i8_isa = if is_x86_feature_detected!("avx512bw") {
                    Isa::Avx512
                } else if avx2 {
                    Isa::Avx2Fma
                } else {
                    Isa::Scalar
                };
                v.push(Kernel {
                    f32_isa: Isa::Avx512,
                    i8_isa,
                });
            }
            if avx2 {
                v.push(Kernel {
                    f32_isa: Isa::Avx2Fma,
                    i8_isa: Isa::Avx2Fma,
                });
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                v.push(Kernel {
                    f32_isa: Isa::Neon,
                    i8_isa: Isa::Neon,
                });
            }
        }
        v.push(Kernel::scalar());
        v
    }

    /// A short name: `avx512`, `avx2+fma`, `neon` or `scalar` (with the i8 path's ISA after a
    /// slash when it differs).
    pub fn name(self) -> String {
        let f = isa_name(self.f32_isa);
        let i = isa_name(self.i8_isa);
        if f == i {
            f.to_owned()
        } else {
            format!("{f}/i8:{i}")
        }
    }

    /// Σ a[i]·b[i] over f32. Panics if the lengths differ.
    #[inline]
    pub fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len(), "dot: length mismatch");
        match self.f32_isa {
            Isa::Scalar => dot_scalar(a, b),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a Kernel with Avx2Fma is only built by `available()` after
            // is_x86_feature_detected!("avx2") and ("fma") returned true.
            Isa::Avx2Fma => unsafe { x86::dot_avx2(a, b) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a Kernel with Avx512 is only built after is_x86_feature_detected!("avx512f").
            Isa::Avx512 => unsafe { x86::dot_avx512(a, b) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: a Kernel with Neon is only built after is_aarch64_feature_detected!("neon").
            Isa::Neon => unsafe { arm::dot_neon(a, b) },
        }
    }

    /// Σ a[i]·b[i] over i8, exact in i32 (for lengths below 131,072). Panics if the lengths
    /// differ.
    #[inline]
    pub fn dot_i8(self, a: &[i8], b: &[i8]) -> i32 {
        assert_eq!(a.len(), b.len(), "dot_i8: length mismatch");
        match self.i8_isa {
            Isa::Scalar => dot_i8_scalar(a, b),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an i8 path of Avx2Fma is only chosen after is_x86_feature_detected!("avx2").
            Isa::Avx2Fma => unsafe { x86::dot_i8_avx2(a, b) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an i8 path of Avx512 is only chosen after is_x86_feature_detected!
            // ("avx512f") and ("avx512bw").
            Isa::Avx512 => unsafe { x86::dot_i8_avx512(a, b) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: a Kernel with Neon is only built after is_aarch64_feature_detected!("neon").
            Isa::Neon => unsafe { arm::dot_i8_neon(a, b) },
        }
    }
}

fn isa_name(i: Isa) -> &'static str {
    match i {
        Isa::Scalar => "scalar",
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Fma => "avx2+fma",
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => "avx512",
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => "neon",
    }
}

/// The reference: one f32 accumulator, in index order.
pub fn dot_scalar(a: &[f32], b: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

/// The i8 reference, exact in i32.
pub fn dot_i8_scalar(a: &[i8], b: &[i8]) -> i32 {
    let mut s = 0i32;
    for (x, y) in a.iter().zip(b) {
        s += i32::from(*x) * i32::from(*y);
    }
    s
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;

    /// AVX2+FMA f32 dot product: four 8-lane accumulators over 32-element blocks, then 8-lane
    /// steps, then a scalar tail.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        #[allow(unused_unsafe)]
        // SAFETY: every load reads 8 f32 at offset i with i + 8 <= n, inside both slices
        // (loadu has no alignment requirement); the caller guarantees AVX2 and FMA.
        unsafe {
            let mut acc = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            while i + 32 <= n {
                for (k, ac) in acc.iter_mut().enumerate() {
                    let o = i + 8 * k;
                    *ac = _mm256_fmadd_ps(
                        _mm256_loadu_ps(pa.add(o)),
                        _mm256_loadu_ps(pb.add(o)),
                        *ac,
                    );
                }
                i += 32;
            }
            while i + 8 <= n {
                acc[0] = _mm256_fmadd_ps(
                    _mm256_loadu_ps(pa.add(i)),
                    _mm256_loadu_ps(pb.add(i)),
                    acc[0],
                );
                i += 8;
            }
            let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
            let lo = _mm256_castps256_ps128(s);
            let hi = _mm256_extractf128_ps(s, 1);
            let q = _mm_add_ps(lo, hi);
            let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
            let q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
            let mut r = _mm_cvtss_f32(q);
            while i < n {
                r += *pa.add(i) * *pb.add(i);
                i += 1;
            }
            r
        }
    }

    /// AVX-512F f32 dot product: four 16-lane accumulators over 64-element blocks, then 16-lane
    /// steps, then a masked load for the tail.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn dot_avx512(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        #[allow(unused_unsafe)]
        // SAFETY: full loads read 16 f32 at offset i with i + 16 <= n; the tail load is masked to
        // the n - i < 16 remaining lanes, and masked-off lanes are not read (no fault); loadu has
        // no alignment requirement; the caller guarantees AVX-512F.
        unsafe {
            let mut acc = [_mm512_setzero_ps(); 4];
            let mut i = 0;
            while i + 64 <= n {
                for (k, ac) in acc.iter_mut().enumerate() {
                    let o = i + 16 * k;
                    *ac = _mm512_fmadd_ps(
                        _mm512_loadu_ps(pa.add(o)),
                        _mm512_loadu_ps(pb.add(o)),
                        *ac,
                    );
                }
                i += 64;
            }
            while i + 16 <= n {
                acc[0] = _mm512_fmadd_ps(
                    _mm512_loadu_ps(pa.add(i)),
                    _mm512_loadu_ps(pb.add(i)),
                    acc[0],
                );
                i += 16;
            }
            if i < n {
                let m: __mmask16 = (1u32 << (n - i)).wrapping_sub(1) as __mmask16;
                let x = _mm512_maskz_loadu_ps(m, pa.add(i));
                let y = _mm512_maskz_loadu_ps(m, pb.add(i));
                acc[1] = _mm512_fmadd_ps(x, y, acc[1]);
            }
            let s = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
            _mm512_reduce_add_ps(s)
        }
    }

    /// AVX2 i8 dot product: 16 bytes at a time sign-extended to i16, multiplied and pair-summed
    /// to i32 (`vpmaddwd`, exact), accumulated in i32.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        #[allow(unused_unsafe)]
        // SAFETY: every 128-bit load reads 16 bytes at offset i with i + 16 <= n (or at i + 16
        // with i + 32 <= n), inside both slices; loadu has no alignment requirement; the caller
        // guarantees AVX2.
        unsafe {
            let mut acc0 = _mm256_setzero_si256();
            let mut acc1 = _mm256_setzero_si256();
            let mut i = 0;
            while i + 32 <= n {
                let x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pa.add(i).cast()));
                let y0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb.add(i).cast()));
                let x1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pa.add(i + 16).cast()));
                let y1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb.add(i + 16).cast()));
                acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x0, y0));
                acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x1, y1));
                i += 32;
            }
            while i + 16 <= n {
                let x = _mm256_cvtepi8_epi16(_mm_loadu_si128(pa.add(i).cast()));
                let y = _mm256_cvtepi8_epi16(_mm_loadu_si128(pb.add(i).cast()));
                acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x, y));
                i += 16;
            }
            let s = _mm256_add_epi32(acc0, acc1);
            let q = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            let q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0b01_00_11_10));
            let q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0b10_11_00_01));
            let mut r = _mm_cvtsi128_si32(q);
            while i < n {
                r += i32::from(*pa.add(i)) * i32::from(*pb.add(i));
                i += 1;
            }
            r
        }
    }

    /// AVX-512BW i8 dot product: 32 bytes at a time sign-extended to i16, `vpmaddwd` to i32.
    ///
    /// # Safety
    /// The CPU must support AVX-512F and AVX-512BW.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn dot_i8_avx512(a: &[i8], b: &[i8]) -> i32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        #[allow(unused_unsafe)]
        // SAFETY: every 256-bit load reads 32 bytes at offset i (or i + 32) wholly inside both
        // slices (i + 32 <= n, resp. i + 64 <= n); loadu has no alignment requirement; the caller
        // guarantees AVX-512F and AVX-512BW.
        unsafe {
            let mut acc0 = _mm512_setzero_si512();
            let mut acc1 = _mm512_setzero_si512();
            let mut i = 0;
            while i + 64 <= n {
                let x0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(pa.add(i).cast()));
                let y0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(pb.add(i).cast()));
                let x1 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(pa.add(i + 32).cast()));
                let y1 = _mm512_cvtepi8_epi16(_mm256_loadu_si256(pb.add(i + 32).cast()));
                acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(x0, y0));
                acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(x1, y1));
                i += 64;
            }
            while i + 32 <= n {
                let x = _mm512_cvtepi8_epi16(_mm256_loadu_si256(pa.add(i).cast()));
                let y = _mm512_cvtepi8_epi16(_mm256_loadu_si256(pb.add(i).cast()));
                acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(x, y));
                i += 32;
            }
            let mut r = _mm512_reduce_add_epi32(_mm512_add_epi32(acc0, acc1));
            while i < n {
                r += i32::from(*pa.add(i)) * i32::from(*pb.add(i));
                i += 1;
            }
            r
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use core::arch::aarch64::*;

    /// NEON f32 dot product: four 4-lane FMA accumulators over 16-element blocks.
    ///
    /// # Safety
    /// The CPU must support NEON (every AArch64 CPU Linux runs on does).
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn dot_neon(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        #[allow(unused_unsafe)]
        // SAFETY: every load reads 4 f32 at offset i with i + 4 <= n, inside both slices (vld1q
        // has no alignment requirement beyond the element's); the caller guarantees NEON.
        unsafe {
            let mut acc = [vdupq_n_f32(0.0); 4];
            let mut i = 0;
            while i + 16 <= n {
                for (k, ac) in acc.iter_mut().enumerate() {
                    let o = i + 4 * k;
                    *ac = vfmaq_f32(*ac, vld1q_f32(pa.add(o)), vld1q_f32(pb.add(o)));
                }
                i += 16;
            }
            while i + 4 <= n {
                acc[0] = vfmaq_f32(acc[0], vld1q_f32(pa.add(i)), vld1q_f32(pb.add(i)));
                i += 4;
            }
            let s = vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3]));
            let mut r = vaddvq_f32(s);
            while i < n {
                r += *pa.add(i) * *pb.add(i);
                i += 1;
            }
            r
        }
    }

    /// NEON i8 dot product: widening multiplies to i16 (`smull`/`smull2`), pairwise
    /// accumulate to i32 (`sadalp`).
    ///
    /// # Safety
    /// The CPU must support NEON.
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn dot_i8_neon(a: &[i8], b: &[i8]) -> i32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        #[allow(unused_unsafe)]
        // SAFETY: every load reads 16 bytes at offset i with i + 16 <= n, inside both slices;
        // the caller guarantees NEON.
        unsafe {
            let mut acc = vdupq_n_s32(0);
            let mut i = 0;
            while i + 16 <= n {
                let x = vld1q_s8(pa.add(i));
                let y = vld1q_s8(pb.add(i));
                acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(x), vget_low_s8(y)));
                acc = vpadalq_s16(acc, vmull_high_s8(x, y));
                i += 16;
            }
            let mut r = vaddvq_s32(acc);
            while i < n {
                r += i32::from(*pa.add(i)) * i32::from(*pb.add(i));
                i += 1;
            }
            r
        }
    }
}
