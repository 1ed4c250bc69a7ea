use super::*;

/// splitmix64: a reproducible generator for test data.
struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    fn f(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    fn gauss(&mut self) -> f32 {
        // Sum of uniforms: close enough to normal for test data.
        (0..6).map(|_| self.f()).sum::<f32>() / 1.41
    }
    fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.gauss()).collect()
    }
}

/// f64 reference dot product.
fn dot64(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

fn check_all_kernels(a: &[f32], b: &[f32]) {
    let scalar = Kernel::scalar().dot(a, b);
    let magnitude: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) * f64::from(*y)).abs())
        .sum();
    let tol = 1e-5 * magnitude.max(1.0);
    for k in Kernel::available() {
        let got = k.dot(a, b);
        assert!(
            (f64::from(got) - f64::from(scalar)).abs() <= tol,
            "{}: {got} vs scalar {scalar} (n = {}, tol {tol})",
            k.name(),
            a.len()
        );
    }
    assert!(
        (f64::from(scalar) - dot64(a, b)).abs() <= tol,
        "scalar vs f64"
    );
}

#[test]
fn kernels_agree_with_scalar_on_random_normalised_vectors() {
    let mut r = Rng(1);
    for n in [
        1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 255, 256, 257, 1000, 1024,
    ] {
        for _ in 0..20 {
            let a = Vector::new(r.vec(n)).unwrap();
            let b = Vector::new(r.vec(n)).unwrap();
            check_all_kernels(a.as_slice(), b.as_slice());
        }
    }
}

#[test]
fn kernels_agree_on_tiny_and_empty_inputs() {
    check_all_kernels(&[], &[]);
    check_all_kernels(&[0.5], &[0.25]);
    check_all_kernels(&[1e-3, -2e-3], &[3e-3, 4e-3]);
    for k in Kernel::available() {
        assert_eq!(k.dot(&[], &[]), 0.0, "{}", k.name());
        assert_eq!(k.dot_i8(&[], &[]), 0, "{}", k.name());
    }
}

#[test]
fn kernels_agree_on_huge_inputs() {
    let mut r = Rng(2);
    // Long vectors.
    let a = Vector::new(r.vec(1 << 16)).unwrap();
    let b = Vector::new(r.vec(1 << 16)).unwrap();
    check_all_kernels(a.as_slice(), b.as_slice());
    // Large magnitudes (relative tolerance).
    let a: Vec<f32> = r.vec(256).iter().map(|x| x * 1e15).collect();
    let b: Vec<f32> = r.vec(256).iter().map(|x| x * 1e15).collect();
    check_all_kernels(&a, &b);
    // ... which still normalise without overflow.
    let va = Vector::new(a).unwrap();
    let norm: f32 = va.as_slice().iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
}

#[test]
fn kernels_agree_on_denormal_inputs() {
    let mut r = Rng(3);
    let a: Vec<f32> = r.vec(300).iter().map(|x| x * 1e-39).collect();
    let b: Vec<f32> = r.vec(300).iter().map(|x| x * 1e-3).collect();
    assert!(a.iter().any(|x| x.is_subnormal()));
    check_all_kernels(&a, &b);
    check_all_kernels(&a, &a);
    // Denormal vectors normalise (the scale is computed in f64).
    let v = Vector::new(a).unwrap();
    let norm: f32 = v.as_slice().iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
}

#[test]
fn i8_kernels_are_exact() {
    let mut r = Rng(4);
    for n in [0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 256, 1000, 4096] {
        let a: Vec<i8> = (0..n).map(|_| r.next_u64() as i8).collect();
        let b: Vec<i8> = (0..n).map(|_| r.next_u64() as i8).collect();
        let want = dot_i8_scalar(&a, &b);
        for k in Kernel::available() {
            assert_eq!(k.dot_i8(&a, &b), want, "{} n={n}", k.name());
        }
    }
    // Extremes: -128 · -128 everywhere.
    let a = vec![-128i8; 256];
    for k in Kernel::available() {
        assert_eq!(k.dot_i8(&a, &a), 256 * 128 * 128, "{}", k.name());
    }
}

#[test]
fn nan_and_infinity_are_rejected_when_a_vector_is_built() {
    assert!(matches!(
        Vector::new(vec![1.0, f32::NAN, 0.0]),
        Err(ScoreError::NotFinite { index: 1, .. })
    ));
    assert!(matches!(
        Vector::new(vec![f32::INFINITY]),
        Err(ScoreError::NotFinite { index: 0, .. })
    ));
    assert!(matches!(
        Vector::from_normalised(vec![0.0, f32::NEG_INFINITY]),
        Err(ScoreError::NotFinite { index: 1, .. })
    ));
    assert_eq!(Vector::new(vec![]), Err(ScoreError::Empty));
    let mut m = ndarray::Array2::<f32>::zeros((2, 4));
    m[[1, 2]] = f32::NAN;
    assert!(matches!(
        Matrix::from_array(m),
        Err(ScoreError::NotFinite { index: 6, .. })
    ));
}

#[test]
fn similarity_is_clamped_cosine() {
    let a = Vector::new(vec![1.0, 0.0]).unwrap();
    let b = Vector::new(vec![-1.0, 0.0]).unwrap();
    let c = Vector::new(vec![1.0, 1.0]).unwrap();
    assert_eq!(similarity(&a, &b), 0.0);
    assert!((similarity(&a, &a) - 1.0).abs() < 1e-6);
    assert!((similarity(&a, &c) - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
}

fn random_matrix(r: &mut Rng, n: usize, d: usize) -> (Matrix, Vec<Vector>) {
    let mut m = Matrix::new(d);
    let mut rows = Vec::new();
    for _ in 0..n {
        let v = Vector::new(r.vec(d)).unwrap();
        m.push(&v).unwrap();
        rows.push(v);
    }
    (m, rows)
}

#[test]
fn batch_scores_and_top_k_match_one_by_one_scoring() {
    let mut r = Rng(5);
    let (m, rows) = random_matrix(&mut r, 500, 64);
    // A query near row 123: it must come first.
    let mut q: Vec<f32> = rows[123].as_slice().to_vec();
    q.iter_mut().for_each(|x| *x += r.f() * 0.01);
    let q = Vector::new(q).unwrap();
    let scores = m.scores(&q).unwrap();
    for (i, row) in rows.iter().enumerate() {
        assert!((scores[i] - similarity_with(Kernel::scalar(), row, &q)).abs() < 1e-5);
    }
    let top = m.top_k(&q, 5).unwrap();
    assert_eq!(top.len(), 5);
    assert_eq!(top[0].index, 123);
    assert!(top.windows(2).all(|w| w[0].score >= w[1].score));
    let mut sorted: Vec<(usize, f32)> = scores.iter().copied().enumerate().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let want: Vec<usize> = sorted.iter().take(5).map(|x| x.0).collect();
    assert_eq!(top.iter().map(|h| h.index).collect::<Vec<_>>(), want);
    // Every kernel gives the same ranking.
    for k in Kernel::available() {
        let mk = m.clone().with_kernel(k);
        assert_eq!(
            mk.top_k(&q, 5)
                .unwrap()
                .iter()
                .map(|h| h.index)
                .collect::<Vec<_>>(),
            want,
            "{}",
            k.name()
        );
    }
    assert!(m.top_k(&q, 0).unwrap().is_empty());
    assert_eq!(m.top_k(&q, 10_000).unwrap().len(), 500);
    let wrong = Vector::new(vec![1.0; 63]).unwrap();
    assert!(matches!(
        m.top_k(&wrong, 3),
        Err(ScoreError::Dimension { .. })
    ));
}

#[test]
fn quantised_candidate_pass_with_rerank_has_recall_at_10_of_at_least_0_99() {
    let mut r = Rng(6);
    let d = 256;
    // Baselines in clusters (devices of one model share most of their tokens), as DNAs are.
    let centres: Vec<Vec<f32>> = (0..200).map(|_| r.vec(d)).collect();
    let mut m = Matrix::new(d);
    for i in 0..20_000 {
        let c = &centres[i % centres.len()];
        let v: Vec<f32> = c.iter().map(|x| x + r.gauss() * 0.6).collect();
        m.push(&Vector::new(v).unwrap()).unwrap();
    }
    let qm = QuantisedMatrix::build(&m);
    assert_eq!(qm.len(), m.len());
    let (mut found, mut total) = (0usize, 0usize);
    for t in 0..100 {
        let c = &centres[(t * 7) % centres.len()];
        let q: Vec<f32> = c.iter().map(|x| x + r.gauss() * 0.6).collect();
        let q = Vector::new(q).unwrap();
        let exact: Vec<usize> = m.top_k(&q, 10).unwrap().iter().map(|h| h.index).collect();
        let approx = qm.top_k(&m, &q, 10, 100).unwrap();
        assert!(approx.windows(2).all(|w| w[0].score >= w[1].score));
        found += approx.iter().filter(|h| exact.contains(&h.index)).count();
        total += 10;
    }
    let recall = found as f64 / total as f64;
    assert!(recall >= 0.99, "recall@10 = {recall}");
    // The i8 scores approximate the f32 ones.
    let q = Vector::new(r.vec(d)).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    m.score_into(&q, &mut a).unwrap();
    qm.score_into(&q, &mut b).unwrap();
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(worst < 0.03, "{worst}");
}
