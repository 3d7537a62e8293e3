//! Exact vector search: a dense row-major matrix of unit vectors scanned with a dot product.
//!
//! The limit is memory bandwidth: a scan reads every allowed row once. Rows are addressed by
//! slot; a removed entity's slot is reused.

use fixedbitset::FixedBitSet;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Dimension of multilingual-e5-small vectors.
pub const DIMENSION: usize = 384;

/// Dot product of two equally long slices, written with eight independent accumulators so the
/// compiler vectorises it.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks_a = a.chunks_exact(8);
    let chunks_b = b.chunks_exact(8);
    let (rest_a, rest_b) = (chunks_a.remainder(), chunks_b.remainder());
    for (x, y) in chunks_a.zip(chunks_b) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut sum = acc.iter().sum::<f32>();
    for (x, y) in rest_a.iter().zip(rest_b) {
        sum += x * y;
    }
    sum
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// A slot and its similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Row.
    pub slot: usize,
    /// Dot product with the query (cosine, since rows are unit vectors).
    pub score: f32,
}

impl Eq for Scored {}

impl Ord for Scored {
    // Reversed, so `BinaryHeap` keeps the worst of the best on top; ties prefer lower slots.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.slot.cmp(&other.slot))
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Keeps the `k` best of a stream of scored slots.
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Scored>,
}

impl TopK {
    /// An empty selection of at most `k`.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// Offers one candidate.
    #[inline]
    pub fn push(&mut self, slot: usize, score: f32) {
        if self.heap.len() < self.k {
            self.heap.push(Scored { slot, score });
        } else if let Some(worst) = self.heap.peek()
            && score > worst.score
        {
            self.heap.pop();
            self.heap.push(Scored { slot, score });
        }
    }

    /// The selection, best first.
    pub fn into_sorted(self) -> Vec<Scored> {
        // `Ord` is reversed, so ascending order is best first.
        self.heap.into_sorted_vec()
    }
}

/// Unit vectors by slot.
#[derive(Debug, Clone)]
pub struct VectorMatrix {
    dim: usize,
    data: Vec<f32>,
    present: FixedBitSet,
}

impl VectorMatrix {
    /// An empty matrix of `dim`-dimensional rows.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            data: Vec::new(),
            present: FixedBitSet::new(),
        }
    }

    /// Dimension of the rows.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of slots (present or not).
    pub fn slots(&self) -> usize {
        self.present.len()
    }

    fn grow_to(&mut self, slots: usize) {
        if slots > self.present.len() {
            self.present.grow(slots);
            self.data.resize(slots * self.dim, 0.0);
        }
    }

    /// Stores `vector` at `slot`; a vector of another dimension is ignored and reported.
    pub fn set(&mut self, slot: usize, vector: &[f32]) -> bool {
        if vector.len() != self.dim {
            return false;
        }
        self.grow_to(slot + 1);
        self.data[slot * self.dim..(slot + 1) * self.dim].copy_from_slice(vector);
        self.present.insert(slot);
        true
    }

    /// Forgets the vector at `slot`.
    pub fn clear(&mut self, slot: usize) {
        if slot < self.present.len() {
            self.present.set(slot, false);
        }
    }

    /// The vector at `slot`, if any.
    pub fn row(&self, slot: usize) -> Option<&[f32]> {
        self.present
            .contains(slot)
            .then(|| &self.data[slot * self.dim..(slot + 1) * self.dim])
    }

    /// The `k` rows most similar to `query` among the `allowed` slots.
    pub fn top_k(&self, query: &[f32], allowed: &FixedBitSet, k: usize) -> Vec<Scored> {
        let mut top = TopK::new(k);
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut candidates = allowed.clone();
        candidates.grow(self.present.len());
        candidates.intersect_with(&self.present);
        for slot in candidates.ones() {
            let row = &self.data[slot * self.dim..(slot + 1) * self.dim];
            top.push(slot, dot(query, row));
        }
        top.into_sorted()
    }

    /// The `k` best rows of each group among the allowed ones, in one pass over the matrix: a
    /// scan per group would read rows with gaps, which defeats the prefetcher (four times
    /// slower at 100k rows than one sequential pass).
    pub fn top_k_by_group(
        &self,
        query: &[f32],
        allowed: &FixedBitSet,
        groups: &[&FixedBitSet],
        k: usize,
    ) -> Vec<Vec<Scored>> {
        let mut tops: Vec<TopK> = groups.iter().map(|_| TopK::new(k)).collect();
        if query.len() != self.dim || k == 0 {
            return tops.into_iter().map(TopK::into_sorted).collect();
        }
        let mut candidates = allowed.clone();
        candidates.grow(self.present.len());
        candidates.intersect_with(&self.present);
        for slot in candidates.ones() {
            let Some(group) = groups.iter().position(|g| g.contains(slot)) else {
                continue;
            };
            let row = &self.data[slot * self.dim..(slot + 1) * self.dim];
            tops[group].push(slot, dot(query, row));
        }
        tops.into_iter().map(TopK::into_sorted).collect()
    }

    /// The `k` best rows among the allowed ones, with how the scores of each group's allowed
    /// rows spread (the background a score stands out from), in one pass.
    pub fn top_k_with_spread(
        &self,
        query: &[f32],
        allowed: &FixedBitSet,
        groups: &[&FixedBitSet],
        k: usize,
    ) -> (Vec<Scored>, Vec<Spread>) {
        let mut top = TopK::new(k);
        let mut spreads: Vec<Welford> = groups.iter().map(|_| Welford::default()).collect();
        if query.len() != self.dim || k == 0 {
            return (Vec::new(), spreads.iter().map(Welford::spread).collect());
        }
        let mut candidates = allowed.clone();
        candidates.grow(self.present.len());
        candidates.intersect_with(&self.present);
        for slot in candidates.ones() {
            let row = &self.data[slot * self.dim..(slot + 1) * self.dim];
            let score = dot(query, row);
            top.push(slot, score);
            if let Some(group) = groups.iter().position(|g| g.contains(slot)) {
                spreads[group].add(score);
            }
        }
        (
            top.into_sorted(),
            spreads.iter().map(Welford::spread).collect(),
        )
    }

    /// Bytes held by the rows.
    pub fn memory_bytes(&self) -> usize {
        self.data.len() * std::mem::size_of::<f32>()
    }
}

/// How a set of scores spreads: their number, mean and standard deviation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Spread {
    /// Scores seen.
    pub count: usize,
    /// Their mean.
    pub mean: f32,
    /// Their standard deviation.
    pub sd: f32,
}

/// Fewest scores whose mean and deviation say how much one stands out: with fewer, the
/// estimates are too rough (and with n scores none can stand more than (n − 1)/√n deviations
/// above their mean).
pub const MIN_BACKGROUND: usize = 30;

impl Spread {
    /// How many standard deviations `score` stands above the mean; `None` with fewer than
    /// [`MIN_BACKGROUND`] scores, where that cannot be told.
    pub fn standardise(&self, score: f32) -> Option<f32> {
        (self.count >= MIN_BACKGROUND && self.sd > 0.0).then(|| (score - self.mean) / self.sd)
    }

    /// The spread of the union of several sets of scores.
    pub fn pooled(spreads: &[Spread]) -> Spread {
        let count: usize = spreads.iter().map(|s| s.count).sum();
        if count == 0 {
            return Spread::default();
        }
        let mean = spreads
            .iter()
            .map(|s| s.count as f64 * f64::from(s.mean))
            .sum::<f64>()
            / count as f64;
        let m2: f64 = spreads
            .iter()
            .map(|s| {
                let within = f64::from(s.sd).powi(2) * s.count.saturating_sub(1) as f64;
                within + s.count as f64 * (f64::from(s.mean) - mean).powi(2)
            })
            .sum();
        let variance = if count > 1 {
            m2 / (count - 1) as f64
        } else {
            0.0
        };
        Spread {
            count,
            mean: mean as f32,
            sd: variance.sqrt() as f32,
        }
    }
}

/// Running mean and variance (Welford), exact in one pass.
#[derive(Default)]
struct Welford {
    count: usize,
    mean: f64,
    m2: f64,
}

impl Welford {
    fn add(&mut self, value: f32) {
        self.count += 1;
        let delta = f64::from(value) - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (f64::from(value) - self.mean);
    }

    fn spread(&self) -> Spread {
        let variance = if self.count > 1 {
            self.m2 / (self.count - 1) as f64
        } else {
            0.0
        };
        Spread {
            count: self.count,
            mean: self.mean as f32,
            sd: variance.sqrt() as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spread_of_scores_is_their_mean_and_sample_deviation() {
        let mut w = Welford::default();
        for v in [1.0, 2.0, 3.0, 4.0] {
            w.add(v);
        }
        let spread = w.spread();
        assert_eq!((spread.count, spread.mean), (4, 2.5));
        assert!((spread.sd - 1.290_994_4).abs() < 1e-5);
        assert_eq!(
            spread.standardise(2.5),
            None,
            "four scores are too few to tell"
        );
        let mut w = Welford::default();
        for i in 0..MIN_BACKGROUND {
            w.add(if i % 2 == 0 { 1.0 } else { 3.0 });
        }
        let z = w.spread().standardise(2.0).unwrap_or(f32::NAN);
        assert!(z.abs() < 1e-6, "{z}");

        let (mut a, mut b, mut all) = (Welford::default(), Welford::default(), Welford::default());
        for v in [0.1f32, 0.5, 0.9] {
            a.add(v);
            all.add(v);
        }
        for v in [2.0f32, 4.0] {
            b.add(v);
            all.add(v);
        }
        let pooled = Spread::pooled(&[a.spread(), b.spread()]);
        let direct = all.spread();
        assert_eq!(pooled.count, direct.count);
        assert!((pooled.mean - direct.mean).abs() < 1e-5 && (pooled.sd - direct.sd).abs() < 1e-5);
    }

    fn unit(values: &[f32]) -> Vec<f32> {
        let mut v = values.to_vec();
        normalise(&mut v);
        v
    }

    #[test]
    fn dot_matches_the_naive_sum_for_any_length() {
        for len in [0, 1, 7, 8, 9, 384] {
            let a: Vec<f32> = (0..len).map(|i| i as f32 * 0.5).collect();
            let b: Vec<f32> = (0..len).map(|i| 1.0 - i as f32 * 0.25).collect();
            let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!(
                (dot(&a, &b) - naive).abs() <= naive.abs() * 1e-5 + 1e-5,
                "len {len}"
            );
        }
    }

    #[test]
    fn top_k_respects_the_filter_and_orders_best_first() {
        let mut m = VectorMatrix::new(2);
        m.set(0, &unit(&[1.0, 0.0]));
        m.set(1, &unit(&[0.9, 0.1]));
        m.set(2, &unit(&[0.0, 1.0]));
        m.set(3, &unit(&[0.99, 0.01]));
        let mut allowed = FixedBitSet::with_capacity(4);
        allowed.insert_range(..);
        allowed.set(3, false);
        let top = m.top_k(&unit(&[1.0, 0.0]), &allowed, 2);
        assert_eq!(top.iter().map(|s| s.slot).collect::<Vec<_>>(), vec![0, 1]);
        m.clear(0);
        let top = m.top_k(&unit(&[1.0, 0.0]), &allowed, 5);
        assert_eq!(top.iter().map(|s| s.slot).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn one_pass_by_group_equals_a_scan_per_group() {
        let mut m = VectorMatrix::new(3);
        let rows = [
            [1.0, 0.0, 0.0],
            [0.9, 0.1, 0.0],
            [0.0, 1.0, 0.0],
            [0.5, 0.5, 0.1],
            [0.8, 0.0, 0.6],
            [0.1, 0.2, 0.9],
        ];
        for (slot, row) in rows.iter().enumerate() {
            m.set(slot, &unit(row));
        }
        let mut allowed = FixedBitSet::with_capacity(6);
        allowed.insert_range(..);
        allowed.set(1, false);
        let mut even = FixedBitSet::with_capacity(6);
        let mut odd = FixedBitSet::with_capacity(6);
        for slot in 0..6 {
            if slot % 2 == 0 {
                even.insert(slot)
            } else {
                odd.insert(slot)
            }
        }
        let query = unit(&[1.0, 0.2, 0.1]);
        let grouped = m.top_k_by_group(&query, &allowed, &[&even, &odd], 2);
        for (group, set) in [&even, &odd].iter().enumerate() {
            let mut subset = allowed.clone();
            subset.intersect_with(set);
            let slots = |v: &[Scored]| v.iter().map(|s| s.slot).collect::<Vec<_>>();
            assert_eq!(slots(&grouped[group]), slots(&m.top_k(&query, &subset, 2)));
        }
    }
}
