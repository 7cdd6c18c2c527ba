//! Probability calibration, fitted on held-out outcomes and attached to any binary model through its
//! manifest: Platt scaling (a logistic curve over the model's margin) or isotonic regression (a monotone
//! step function over its probability, pool-adjacent-violators). A model without one scores exactly as its
//! library does.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Calibration {
    /// p = sigmoid(a · margin + b).
    Platt { a: f64, b: f64 },
    /// Piecewise-linear through (x, y) points, x ascending; flat outside.
    Isotonic { x: Vec<f64>, y: Vec<f64> },
}

impl Calibration {
    /// The calibrated probability from the model's margin and uncalibrated probability.
    pub fn apply(&self, margin: f64, p: f64) -> f64 {
        match self {
            Self::Platt { a, b } => crate::sigmoid(a * margin + b),
            Self::Isotonic { x, y } => interpolate(x, y, p),
        }
    }

    /// Platt scaling by Newton's method on the log-loss, with Platt's smoothed targets so a perfectly
    /// separated holdout does not push the curve to a step.
    pub fn fit_platt(margins: &[f64], labels: &[bool]) -> Result<Self, String> {
        check(margins, labels)?;
        let pos = labels.iter().filter(|l| **l).count() as f64;
        let neg = labels.len() as f64 - pos;
        let hi = (pos + 1.0) / (pos + 2.0);
        let lo = 1.0 / (neg + 2.0);
        let loss = |a: f64, b: f64| -> f64 {
            margins
                .iter()
                .zip(labels)
                .map(|(&m, &l)| {
                    let t = if l { hi } else { lo };
                    let z = a * m + b;
                    // log(1 + e^z) − t·z, computed stably.
                    z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z
                })
                .sum()
        };
        let (mut a, mut b) = (1.0, 0.0);
        for _ in 0..100 {
            let (mut g_a, mut g_b, mut h_aa, mut h_ab, mut h_bb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (&m, &l) in margins.iter().zip(labels) {
                let t = if l { hi } else { lo };
                let p = crate::sigmoid(a * m + b);
                let w = (p * (1.0 - p)).max(1e-12);
                g_a += (p - t) * m;
                g_b += p - t;
                h_aa += w * m * m;
                h_ab += w * m;
                h_bb += w;
            }
            h_aa += 1e-9;
            h_bb += 1e-9;
            let det = h_aa * h_bb - h_ab * h_ab;
            if det.abs() < 1e-300 {
                break;
            }
            let da = (h_bb * g_a - h_ab * g_b) / det;
            let db = (h_aa * g_b - h_ab * g_a) / det;
            // Backtracking: take the largest fraction of the Newton step that lowers the loss.
            let before = loss(a, b);
            let mut step = 1.0;
            while step > 1e-10 && loss(a - step * da, b - step * db) > before {
                step /= 2.0;
            }
            a -= step * da;
            b -= step * db;
            if (step * da).abs() < 1e-12 && (step * db).abs() < 1e-12 {
                break;
            }
        }
        if !(a.is_finite() && b.is_finite()) {
            return Err("Platt scaling did not converge".into());
        }
        Ok(Self::Platt { a, b })
    }

    /// Isotonic regression of outcomes on probabilities (pool adjacent violators).
    pub fn fit_isotonic(probabilities: &[f64], labels: &[bool]) -> Result<Self, String> {
        check(probabilities, labels)?;
        let mut pairs: Vec<(f64, f64)> =
            probabilities.iter().zip(labels).map(|(&p, &l)| (p, f64::from(u8::from(l)))).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Blocks of (sum of x, sum of y, count), merged while their means decrease.
        let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
        for (p, y) in pairs {
            blocks.push((p, y, 1.0));
            while blocks.len() > 1 {
                let (x2, y2, n2) = blocks[blocks.len() - 1];
                let (x1, y1, n1) = blocks[blocks.len() - 2];
                if y1 / n1 <= y2 / n2 {
                    break;
                }
                blocks.truncate(blocks.len() - 2);
                blocks.push((x1 + x2, y1 + y2, n1 + n2));
            }
        }
        let x = blocks.iter().map(|(sx, _, n)| sx / n).collect();
        let y = blocks.iter().map(|(_, sy, n)| sy / n).collect();
        Ok(Self::Isotonic { x, y })
    }
}

fn check(xs: &[f64], labels: &[bool]) -> Result<(), String> {
    if xs.len() != labels.len() {
        return Err(format!("{} predictions for {} outcomes", xs.len(), labels.len()));
    }
    if !labels.iter().any(|l| *l) || labels.iter().all(|l| *l) {
        return Err("calibration needs both won and lost outcomes".into());
    }
    if xs.iter().any(|x| !x.is_finite()) {
        return Err("a prediction is not finite".into());
    }
    Ok(())
}

fn interpolate(x: &[f64], y: &[f64], p: f64) -> f64 {
    match x.iter().position(|&xi| xi >= p) {
        None => *y.last().unwrap_or(&p),
        Some(0) => y[0],
        Some(i) => {
            let (x0, x1, y0, y1) = (x[i - 1], x[i], y[i - 1], y[i]);
            if x1 == x0 { y1 } else { y0 + (y1 - y0) * (p - x0) / (x1 - x0) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outcomes drawn so that the true probability is sigmoid(0.5 · margin − 1): an overconfident model.
    fn overconfident() -> (Vec<f64>, Vec<bool>) {
        let mut state = 42u64;
        let mut margins = Vec::new();
        let mut labels = Vec::new();
        for i in 0..4000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let m = (i % 200) as f64 / 20.0 - 5.0;
            margins.push(m);
            labels.push(u < crate::sigmoid(0.5 * m - 1.0));
        }
        (margins, labels)
    }

    #[test]
    fn platt_recovers_the_true_curve() {
        let (m, l) = overconfident();
        let Calibration::Platt { a, b } = Calibration::fit_platt(&m, &l).unwrap() else { panic!() };
        assert!((a - 0.5).abs() < 0.1 && (b + 1.0).abs() < 0.15, "a {a} b {b}");
    }

    #[test]
    fn isotonic_is_monotone_and_tracks_rates() {
        let (m, l) = overconfident();
        let p: Vec<f64> = m.iter().map(|&x| crate::sigmoid(x)).collect();
        let cal = Calibration::fit_isotonic(&p, &l).unwrap();
        let Calibration::Isotonic { x, y } = &cal else { panic!() };
        assert!(x.windows(2).all(|w| w[0] <= w[1]) && y.windows(2).all(|w| w[0] <= w[1]));
        // At p = sigmoid(4) (margin 4) the truth is sigmoid(1) ≈ 0.73, far below the model's 0.98.
        let at = cal.apply(4.0, crate::sigmoid(4.0));
        assert!((at - crate::sigmoid(1.0)).abs() < 0.12, "{at}");
    }

    #[test]
    fn one_class_is_refused() {
        assert!(Calibration::fit_platt(&[0.1, 0.2], &[true, true]).is_err());
        assert!(Calibration::fit_isotonic(&[0.1], &[true, false]).is_err());
    }
}
