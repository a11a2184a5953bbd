//! A seeded random generator: the same cases on every run, so a failure names its seed and can
//! be replayed.

/// splitmix64: small, seedable, good enough to spread cases.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `[0, 1)`.
    pub fn fraction(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Up to `max` of `pieces` in a row, then cut anywhere (on a character boundary), as a
    /// capped read does.
    pub fn build(&mut self, pieces: &[&str], max: usize) -> String {
        let n = self.below(max);
        let mut s: String = (0..n).map(|_| self.pick(pieces)).collect();
        let cut = (self.next() % (s.len() as u64 + 1)) as usize;
        while !s.is_char_boundary(cut.min(s.len())) {
            s.pop();
        }
        s.truncate(cut.min(s.len()));
        s
    }
}
