//! What the criterion-free benches share, one copy each: every bench that needs it includes
//! this module with `mod support;` (a folder, so Cargo does not take it for a bench of its
//! own). Each bench uses only part of it.
#![allow(dead_code)]

/// The fetcher's allocator, so a bench times what the binary runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A fixed LCG: the same inputs on every run.
pub struct Lcg(pub u64);

impl Lcg {
    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize % n
    }
}

/// Word number `i`: pronounceable, distinct, no stop words ("xka", "xkabe", ...).
pub fn word(i: usize) -> String {
    const SYL: [&str; 10] = ["ka", "be", "ti", "do", "mu", "ra", "so", "ne", "li", "vo"];
    let mut w = String::from("x");
    let mut n = i;
    loop {
        w.push_str(SYL[n % 10]);
        n /= 10;
        if n == 0 {
            return w;
        }
    }
}
