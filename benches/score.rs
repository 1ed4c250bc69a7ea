//! Similarity scoring speed: one DNA against N baselines of D = 256 (N = 1,000,000 with
//! `cargo bench`, 10,000 in the quick `cargo test --benches` pass), in one run:
//! - `seq_read`: a plain sequential read of the same f32 matrix (the memory-bandwidth limit);
//! - `f32/<kernel>`: batch cosine with every kernel this CPU has (AVX-512F, AVX2+FMA, NEON) and
//!   the scalar loop;
//! - `i8/<kernel>`: the i8-quantised candidate pass;
//! - `top10/exact` and `top10/i8+rerank`: the searches built on them.
//!
//! With `--bench` it also times each pass (best of 5) and prints GB/s and the ratios the issue
//! sets targets for (f32 ≥ 70 % of the read bandwidth and ≥ 4× scalar; i8 ≥ 2.5× f32), also
//! written to `target/bench-score-report.txt`, with the CPU features used.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use ndarray::Array2;

use cybriq::score::{Kernel, Matrix, QuantisedMatrix, Vector};

const DIM: usize = 256;

fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// splitmix64, for reproducible data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

fn matrix(n: usize) -> (Matrix, Vector) {
    let mut r = Rng(42);
    let mut a = Array2::<f32>::zeros((n, DIM));
    for mut row in a.rows_mut() {
        let mut s = 0.0f32;
        for x in row.iter_mut() {
            *x = r.f();
            s += *x * *x;
        }
        let inv = 1.0 / s.sqrt();
        row.iter_mut().for_each(|x| *x *= inv);
    }
    let q = Vector::new((0..DIM).map(|_| r.f()).collect()).expect("finite");
    (Matrix::from_array(a).expect("finite"), q)
}

/// Sums the matrix's bits as integers, 16 lanes wide: a sequential read at memory speed.
fn seq_read(m: &Matrix) -> u32 {
    let flat = m.array().as_slice().expect("standard layout");
    let mut acc = [0u32; 16];
    let chunks = flat.chunks_exact(16);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(x.to_bits());
        }
    }
    let mut s = acc.iter().fold(0u32, |a, b| a.wrapping_add(*b));
    for x in rest {
        s = s.wrapping_add(x.to_bits());
    }
    s
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn cpu_flags() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let flags = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default();
    let want = [
        "avx2",
        "fma",
        "avx512f",
        "avx512bw",
        "avx512_vnni",
        "avx_vnni",
    ];
    let have: Vec<&str> = want
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .collect();
    format!("{model}; flags: {}", have.join(" "))
}

fn bench(c: &mut Criterion) {
    let n = if benchmarking() { 1_000_000 } else { 10_000 };
    let (m, q) = matrix(n);
    let qm = QuantisedMatrix::build(&m);
    let kernels = Kernel::available();
    let f32_bytes = (n * DIM * 4) as u64;

    let mut g = c.benchmark_group(format!("score_{n}x{DIM}"));
    g.sample_size(10)
        .measurement_time(Duration::from_secs(if benchmarking() { 8 } else { 1 }));
    g.throughput(Throughput::Bytes(f32_bytes));
    g.bench_function("seq_read", |b| {
        b.iter(|| black_box(seq_read(black_box(&m))))
    });
    let mut out = Vec::with_capacity(n);
    for k in &kernels {
        let mk = m.clone().with_kernel(*k);
        g.bench_function(format!("f32/{}", k.name()), |b| {
            b.iter(|| mk.score_into(black_box(&q), &mut out).expect("dims"))
        });
    }
    g.throughput(Throughput::Elements(n as u64));
    for k in &kernels {
        let qk = qm.clone().with_kernel(*k);
        g.bench_function(format!("i8/{}", k.name()), |b| {
            b.iter(|| qk.score_into(black_box(&q), &mut out).expect("dims"))
        });
    }
    g.bench_function("top10/exact", |b| {
        b.iter(|| m.top_k(black_box(&q), 10).expect("dims"))
    });
    g.bench_function("top10/i8+rerank", |b| {
        b.iter(|| qm.top_k(&m, black_box(&q), 10, 100).expect("dims"))
    });
    g.finish();

    if benchmarking() {
        report(&m, &qm, &q, n);
    }
}

fn report(m: &Matrix, qm: &QuantisedMatrix, q: &Vector, n: usize) {
    let gbs = |bytes: usize, d: Duration| bytes as f64 / d.as_secs_f64() / 1e9;
    let f32_bytes = n * DIM * 4;
    let mut out = Vec::with_capacity(n);
    let read = best_of(5, || {
        black_box(seq_read(m));
    });
    let best = Kernel::detect();
    let time_f32 = |k: Kernel, out: &mut Vec<f32>| {
        let mk = m.clone().with_kernel(k);
        best_of(5, || mk.score_into(q, out).expect("dims"))
    };
    let f32_best = time_f32(best, &mut out);
    let f32_scalar = time_f32(Kernel::scalar(), &mut out);
    let i8_best = {
        let qk = qm.clone().with_kernel(best);
        best_of(5, || qk.score_into(q, &mut out).expect("dims"))
    };
    let mut lines = vec![
        format!("score benchmark: one DNA against {n} baselines of D = {DIM}"),
        format!("cpu: {}", cpu_flags()),
        format!("kernel detected: {}", best.name()),
        format!(
            "sequential read (f32 matrix, {} MB): {:?} = {:.2} GB/s",
            f32_bytes / 1_000_000,
            read,
            gbs(f32_bytes, read)
        ),
        format!(
            "f32 {}: {:?} = {:.2} GB/s = {:.0}% of read bandwidth",
            best.name(),
            f32_best,
            gbs(f32_bytes, f32_best),
            100.0 * read.as_secs_f64() / f32_best.as_secs_f64()
        ),
        format!(
            "f32 scalar: {:?} = {:.2} GB/s; {} is {:.1}x scalar",
            f32_scalar,
            gbs(f32_bytes, f32_scalar),
            best.name(),
            f32_scalar.as_secs_f64() / f32_best.as_secs_f64()
        ),
        format!(
            "i8 {}: {:?} ({:.2} GB/s of i8); {:.1}x the f32 pass",
            best.name(),
            i8_best,
            gbs(n * DIM, i8_best),
            f32_best.as_secs_f64() / i8_best.as_secs_f64()
        ),
    ];
    for k in Kernel::available() {
        let t = time_f32(k, &mut out);
        lines.push(format!(
            "  f32 {}: {:?} ({:.0} M rows/s)",
            k.name(),
            t,
            n as f64 / t.as_secs_f64() / 1e6
        ));
    }
    let text = lines.join("\n");
    eprintln!("{text}");
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-score-report.txt"),
        text + "\n",
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
