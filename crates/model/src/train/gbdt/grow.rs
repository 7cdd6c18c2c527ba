//! Training: features cut into quantile bins once, then each tree grown depth-first on gradient histograms
//! (see the [module documentation](super) for the method).

use super::super::{Dataset, check_trainable};
use super::{GbdtConfig, Node, TrainError, TrainedGbdt, Tree};

/// Gradient statistics of a set of rows.
#[derive(Debug, Clone, Copy, Default)]
struct Stat {
    g: f64,
    h: f64,
    n: u32,
}

impl Stat {
    fn add(self, o: Stat) -> Stat {
        Stat { g: self.g + o.g, h: self.h + o.h, n: self.n + o.n }
    }

    fn sub(self, o: Stat) -> Stat {
        Stat { g: self.g - o.g, h: self.h - o.h, n: self.n - o.n }
    }
}

/// Every value replaced by its histogram slot. Feature `f` owns slots `offsets[f]..offsets[f + 1]`: one per bin
/// (bin `b` holds values in `[thresholds[f][b - 1], thresholds[f][b])`), then one for missing values.
struct Binned {
    p: usize,
    slots: Vec<u32>,
    offsets: Vec<usize>,
    thresholds: Vec<Vec<f64>>,
}

impl Binned {
    fn new(data: &Dataset, max_bins: usize) -> Self {
        let p = data.num_features();
        let thresholds: Vec<Vec<f64>> = (0..p)
            .map(|j| {
                let values: Vec<f64> = data.rows.iter().map(|r| r[j]).filter(|v| !v.is_nan()).collect();
                bin_thresholds(values, max_bins)
            })
            .collect();
        let mut offsets = vec![0];
        for t in &thresholds {
            offsets.push(offsets.last().copied().unwrap_or(0) + t.len() + 2);
        }
        let mut slots = Vec::with_capacity(data.num_rows() * p);
        for row in &data.rows {
            for (j, &x) in row.iter().enumerate() {
                let slot = if x.is_nan() {
                    offsets[j + 1] - 1
                } else {
                    offsets[j] + thresholds[j].partition_point(|&t| t <= x)
                };
                slots.push(slot as u32);
            }
        }
        Self { p, slots, offsets, thresholds }
    }

    fn total_slots(&self) -> usize {
        self.offsets[self.p]
    }

    fn histogram(&self, rows: &[u32], g: &[f64], h: &[f64]) -> Vec<Stat> {
        let mut hist = vec![Stat::default(); self.total_slots()];
        for &r in rows {
            let r = r as usize;
            let (gr, hr) = (g[r], h[r]);
            for &slot in &self.slots[r * self.p..(r + 1) * self.p] {
                let s = &mut hist[slot as usize];
                s.g += gr;
                s.h += hr;
                s.n += 1;
            }
        }
        hist
    }

    fn goes_left(&self, row: u32, split: &Candidate) -> bool {
        let f = split.feature;
        let slot = self.slots[row as usize * self.p + f] as usize;
        if slot == self.offsets[f + 1] - 1 { split.default_left } else { slot - self.offsets[f] < split.bin }
    }
}

/// Cut points for one feature's non-missing values: between each pair of distinct values when there are at
/// most `max_bins` of them, else at (approximate) quantiles: distinct values are gathered in order into bins
/// of about equal count, a bin closing once it holds its share of the values left, so a heavily repeated
/// value (zeros) fills a bin of its own and the other values still share the remaining bins.
pub(super) fn bin_thresholds(mut values: Vec<f64>, max_bins: usize) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &v in &values {
        match distinct.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => distinct.push((v, 1)),
        }
    }
    if distinct.len() <= max_bins {
        return distinct.windows(2).map(|w| midpoint(w[0].0, w[1].0)).collect();
    }
    let mut cuts = Vec::with_capacity(max_bins - 1);
    let (mut remaining, mut bins_left, mut filled) = (values.len(), max_bins, 0);
    for w in distinct.windows(2) {
        filled += w[0].1;
        if bins_left > 1 && filled * bins_left >= remaining {
            cuts.push(midpoint(w[0].0, w[1].0));
            remaining -= filled;
            bins_left -= 1;
            filled = 0;
        }
    }
    cuts
}

/// A threshold `t` with `a < t <= b`.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a / 2.0 + b / 2.0;
    if m > a && m <= b { m } else { b }
}

/// The best split of a node.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    feature: usize,
    /// Bins `< bin` go left.
    bin: usize,
    default_left: bool,
    gain: f64,
}

struct Grower<'a> {
    config: &'a GbdtConfig,
    binned: &'a Binned,
    g: &'a [f64],
    h: &'a [f64],
}

impl Grower<'_> {
    fn score(&self, s: Stat) -> f64 {
        s.g * s.g / (s.h + self.config.lambda)
    }

    fn leaf(&self, s: Stat) -> f64 {
        -self.config.learning_rate * s.g / (s.h + self.config.lambda)
    }

    fn best_split(&self, hist: &[Stat], total: Stat) -> Option<Candidate> {
        let min_gain = self.config.gamma.max(1e-12);
        let parent = self.score(total);
        let mut best: Option<Candidate> = None;
        let mut consider = |feature: usize, bin: usize, left: Stat, right: Stat, default_left: bool| {
            if left.n == 0 || right.n == 0 {
                return;
            }
            let mcw = self.config.min_child_weight;
            if left.h < mcw || right.h < mcw {
                return;
            }
            let gain = self.score(left) + self.score(right) - parent;
            if gain > min_gain && best.is_none_or(|b| gain > b.gain) {
                best = Some(Candidate { feature, bin, default_left, gain });
            }
        };
        for f in 0..self.binned.p {
            let (start, end) = (self.binned.offsets[f], self.binned.offsets[f + 1]);
            let missing = hist[end - 1];
            let bins = end - 1 - start;
            let mut left = Stat::default();
            for bin in 1..bins {
                left = left.add(hist[start + bin - 1]);
                let right = total.sub(left).sub(missing);
                if missing.n == 0 {
                    consider(f, bin, left, right, left.h >= right.h);
                } else {
                    consider(f, bin, left.add(missing), right, true);
                    consider(f, bin, left, right.add(missing), false);
                }
            }
        }
        best
    }

    /// Grows one tree, adding each leaf's value to the margin of the rows that reach it.
    fn grow(&self, margin: &mut [f64]) -> Tree {
        let binned = self.binned;
        let all: Vec<u32> = (0..margin.len() as u32).collect();
        let root_hist = binned.histogram(&all, self.g, self.h);
        let mut nodes = vec![Node::Leaf { value: 0.0, cover: 0.0 }];
        // Depth-first, so at most `max_depth + 1` histograms are alive at once.
        let mut stack = vec![(0usize, 0usize, all, root_hist)];
        while let Some((id, depth, rows, hist)) = stack.pop() {
            let total = hist[binned.offsets[0]..binned.offsets[1]].iter().fold(Stat::default(), |a, &s| a.add(s));
            let split =
                if depth < self.config.max_depth && rows.len() >= 2 { self.best_split(&hist, total) } else { None };
            let Some(split) = split else {
                let value = self.leaf(total);
                for &r in &rows {
                    margin[r as usize] += value;
                }
                nodes[id] = Node::Leaf { value, cover: total.h };
                continue;
            };
            let (left_rows, right_rows): (Vec<u32>, Vec<u32>) =
                rows.iter().partition(|&&r| binned.goes_left(r, &split));
            let (left, right) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::Leaf { value: 0.0, cover: 0.0 });
            nodes.push(Node::Leaf { value: 0.0, cover: 0.0 });
            let small_is_left = left_rows.len() <= right_rows.len();
            let small = binned.histogram(if small_is_left { &left_rows } else { &right_rows }, self.g, self.h);
            let large: Vec<Stat> = hist.iter().zip(&small).map(|(&p, &s)| p.sub(s)).collect();
            let (left_hist, right_hist) = if small_is_left { (small, large) } else { (large, small) };
            nodes[id] = Node::Split {
                feature: split.feature,
                threshold: binned.thresholds[split.feature][split.bin - 1],
                default_left: split.default_left,
                left,
                right,
                gain: split.gain,
                cover: total.h,
            };
            stack.push((right, depth + 1, right_rows, right_hist));
            stack.push((left, depth + 1, left_rows, left_hist));
        }
        Tree { nodes }
    }
}

/// Trains gradient-boosted trees on `data`.
pub fn train_gbdt(data: &Dataset, config: &GbdtConfig) -> Result<TrainedGbdt, TrainError> {
    config.check()?;
    check_trainable(data, config.min_per_class)?;
    if data.num_rows() > u32::MAX as usize {
        return Err(TrainError::InvalidData(format!("{} rows is more than this trainer handles", data.num_rows())));
    }
    let n = data.num_rows();
    let (won, lost) = data.class_counts();
    let weights: Vec<f64> = if config.balance_classes {
        let (w_won, w_lost) = (n as f64 / (2.0 * won as f64), n as f64 / (2.0 * lost as f64));
        data.labels.iter().map(|&l| if l { w_won } else { w_lost }).collect()
    } else {
        vec![1.0; n]
    };
    let weighted_won: f64 = data.labels.iter().zip(&weights).filter(|(l, _)| **l).map(|(_, w)| w).sum();
    let weighted_lost: f64 = weights.iter().sum::<f64>() - weighted_won;
    let base_score = (weighted_won / weighted_lost).ln();

    let binned = Binned::new(data, config.max_bins);
    let mut margin = vec![base_score; n];
    let (mut g, mut h) = (vec![0.0; n], vec![0.0; n]);
    let mut trees = Vec::with_capacity(config.trees);
    for _ in 0..config.trees {
        for i in 0..n {
            let p = crate::sigmoid(margin[i]);
            let y = f64::from(u8::from(data.labels[i]));
            g[i] = weights[i] * (p - y);
            h[i] = weights[i] * (p * (1.0 - p)).max(1e-16);
        }
        let grower = Grower { config, binned: &binned, g: &g, h: &h };
        trees.push(grower.grow(&mut margin));
    }
    Ok(TrainedGbdt::new(data.feature_names.clone(), base_score, trees))
}
