//! Every kernel of this CPU (NEON on aarch64; AVX-512F / AVX2+FMA on x86_64) agrees with the
//! scalar loop within 1e-5 (relative to Σ|a·b|, at least absolute 1e-5) on random, tiny, huge
//! and denormal inputs, and the i8 kernels are exact.

use score_neon_check::{Kernel, dot_i8_scalar, dot_scalar};

/// splitmix64: reproducible test data.
struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    fn gauss(&mut self) -> f32 {
        (0..6).map(|_| self.f()).sum::<f32>() / 1.41
    }
    fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.gauss()).collect()
    }
}

/// L2-normalised copy (scale computed in f64, as cybriq's `Vector` does).
fn normalised(v: Vec<f32>) -> Vec<f32> {
    let n: f64 = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
    if n == 0.0 {
        return v;
    }
    v.iter().map(|x| (f64::from(*x) / n) as f32).collect()
}

fn check_all(a: &[f32], b: &[f32]) {
    let scalar = dot_scalar(a, b);
    let magnitude: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) * f64::from(*y)).abs())
        .sum();
    let tol = 1e-5 * magnitude.max(1.0);
    assert_eq!(Kernel::scalar().dot(a, b), scalar);
    for k in Kernel::available() {
        let got = k.dot(a, b);
        assert!(
            (f64::from(got) - f64::from(scalar)).abs() <= tol,
            "{}: {got} vs scalar {scalar} (n = {}, tol {tol})",
            k.name(),
            a.len()
        );
    }
}

#[test]
fn the_simd_kernel_of_this_architecture_is_detected() {
    let names: Vec<String> = Kernel::available().into_iter().map(|k| k.name()).collect();
    assert_eq!(names.last().map(String::as_str), Some("scalar"), "{names:?}");
    if cfg!(target_arch = "aarch64") {
        // Every AArch64 Linux CPU (and qemu-aarch64) has NEON: a scalar-only list would make
        // the comparisons below vacuous.
        assert_eq!(Kernel::detect().name(), "neon", "{names:?}");
        assert_eq!(names.len(), 2, "{names:?}");
    }
}

#[test]
fn random_normalised_vectors() {
    let mut r = Rng(1);
    for n in [
        1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256, 257, 1000,
    ] {
        for _ in 0..20 {
            let a = normalised(r.vec(n));
            let b = normalised(r.vec(n));
            check_all(&a, &b);
            check_all(&a, &a);
        }
    }
}

#[test]
fn tiny_and_empty_inputs() {
    check_all(&[], &[]);
    check_all(&[0.5], &[0.25]);
    check_all(&[1e-3, -2e-3], &[3e-3, 4e-3]);
    check_all(&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0]);
    check_all(&[-1.0; 3], &[1.0; 3]);
}

#[test]
fn huge_inputs() {
    let mut r = Rng(2);
    let a = normalised(r.vec(1 << 16));
    let b = normalised(r.vec(1 << 16));
    check_all(&a, &b);
    let a: Vec<f32> = r.vec(256).iter().map(|x| x * 1e15).collect();
    let b: Vec<f32> = r.vec(256).iter().map(|x| x * 1e15).collect();
    check_all(&a, &b);
    let a: Vec<f32> = r.vec(4099).iter().map(|x| x * 1e16).collect();
    check_all(&a, &a);
}

#[test]
fn denormal_inputs() {
    let mut r = Rng(3);
    let a: Vec<f32> = r.vec(300).iter().map(|x| x * 1e-39).collect();
    let b: Vec<f32> = r.vec(300).iter().map(|x| x * 1e-3).collect();
    assert!(a.iter().any(|x| x.is_subnormal()));
    check_all(&a, &b);
    check_all(&a, &a);
    let c: Vec<f32> = (0..77).map(|i| f32::from_bits(1 + i)).collect();
    check_all(&c, &c);
}

#[test]
fn i8_kernels_are_exact() {
    let mut r = Rng(4);
    for n in [0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 256, 1000, 4096] {
        let a: Vec<i8> = (0..n).map(|_| r.next_u64() as i8).collect();
        let b: Vec<i8> = (0..n).map(|_| r.next_u64() as i8).collect();
        let want = dot_i8_scalar(&a, &b);
        assert_eq!(Kernel::scalar().dot_i8(&a, &b), want);
        for k in Kernel::available() {
            assert_eq!(k.dot_i8(&a, &b), want, "{} n={n}", k.name());
        }
    }
    let a = vec![-128i8; 4096];
    for k in Kernel::available() {
        assert_eq!(k.dot_i8(&a, &a), 4096 * 128 * 128, "{}", k.name());
    }
    let b = vec![127i8; 4096];
    for k in Kernel::available() {
        assert_eq!(k.dot_i8(&a, &b), -4096 * 128 * 127, "{}", k.name());
    }
}
