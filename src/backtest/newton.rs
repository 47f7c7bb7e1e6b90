//! L2-regularised logistic regression by Newton's method (iteratively reweighted
//! least squares), on sparse binary features: what `learn` fits
//! (docs/decisions/0022-learn-with-own-newton-solver.md).

/// Training rows: each row's active features (indices below `features`), in any order.
pub struct Rows<'a> {
    pub active: &'a [Vec<u32>],
    pub converted: &'a [bool],
    pub features: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub intercept: f64,
    pub coefficients: Vec<f64>,
    /// Square roots of the diagonal of the inverse penalised Hessian at the optimum.
    pub standard_errors: Vec<f64>,
    pub iterations: u32,
    pub converged: bool,
}

pub const MAX_ITERATIONS: u32 = 50;
const TOLERANCE: f64 = 1e-6;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// The linear predictor of one row: the intercept plus its features' coefficients.
pub fn eta(intercept: f64, coefficients: &[f64], active: &[u32]) -> f64 {
    intercept + active.iter().filter_map(|&f| coefficients.get(f as usize)).sum::<f64>()
}

/// A symmetric positive-definite matrix of order n, kept whole in rows.
struct Matrix {
    n: usize,
    a: Vec<f64>,
}

// The linear algebra indexes within n × n, the order every caller gives and
// every loop runs below: no index can leave the matrix. Written as the textbook
// writes it, with indices.
#[allow(clippy::indexing_slicing, clippy::needless_range_loop)]
impl Matrix {
    fn zero(n: usize) -> Matrix {
        Matrix { n, a: vec![0.0; n * n] }
    }

    fn add(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] += v;
    }

    /// The Cholesky factor L (A = L Lᵀ) in place of the lower triangle, or None
    /// when A is not positive definite.
    fn cholesky(mut self) -> Option<Matrix> {
        let n = self.n;
        for j in 0..n {
            let mut d = self.a[j * n + j];
            for k in 0..j {
                d -= self.a[j * n + k] * self.a[j * n + k];
            }
            if d <= 0.0 || !d.is_finite() {
                return None;
            }
            let d = d.sqrt();
            self.a[j * n + j] = d;
            for i in j + 1..n {
                let mut s = self.a[i * n + j];
                for k in 0..j {
                    s -= self.a[i * n + k] * self.a[j * n + k];
                }
                self.a[i * n + j] = s / d;
            }
        }
        Some(self)
    }

    /// Solves L Lᵀ x = b with this Cholesky factor.
    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut y = b.to_vec();
        y.resize(n, 0.0);
        for i in 0..n {
            let mut s = y[i];
            for k in 0..i {
                s -= self.a[i * n + k] * y[k];
            }
            y[i] = s / self.a[i * n + i];
        }
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..n {
                s -= self.a[k * n + i] * y[k];
            }
            y[i] = s / self.a[i * n + i];
        }
        y
    }
}

/// Fits the model minimising the negative log-likelihood plus `l2` / 2 × |β|²
/// (the intercept not penalised), calling `progress(iteration)` after each step.
pub fn fit(rows: &Rows, l2: f64, progress: &mut dyn FnMut(u32)) -> Fit {
    let p = rows.features + 1; // the intercept is parameter 0
    let mut beta = vec![0.0; p];
    // Starting at the base rate takes an iteration or two off.
    let positives = rows.converted.iter().filter(|&&c| c).count() as f64;
    let n = rows.converted.len().max(1) as f64;
    let base = (positives.max(0.5) / (n - positives).max(0.5)).ln();
    if let Some(b0) = beta.first_mut() {
        *b0 = base;
    }
    let mut iterations = 0;
    let mut converged = false;
    let mut factor = None;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let (gradient, hessian) = gradient_and_hessian(rows, &beta, l2);
        let Some(l) = hessian.cholesky() else { break };
        let step = l.solve(&gradient);
        let largest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
        }
        factor = Some(l);
        progress(iterations);
        if largest < TOLERANCE {
            converged = true;
            break;
        }
    }
    // Standard errors at the optimum.
    if converged {
        factor = gradient_and_hessian(rows, &beta, l2).1.cholesky().or(factor);
    }
    let standard_errors = match &factor {
        Some(l) => (1..p)
            .map(|j| {
                let mut unit = vec![0.0; p];
                if let Some(u) = unit.get_mut(j) {
                    *u = 1.0;
                }
                l.solve(&unit).get(j).copied().unwrap_or(f64::INFINITY).max(0.0).sqrt()
            })
            .collect(),
        None => vec![f64::INFINITY; p - 1],
    };
    let intercept = beta.first().copied().unwrap_or(0.0);
    Fit { intercept, coefficients: beta.into_iter().skip(1).collect(), standard_errors, iterations, converged }
}

/// The gradient of the penalised log-likelihood and the penalised Hessian of its
/// negative at `beta`.
fn gradient_and_hessian(rows: &Rows, beta: &[f64], l2: f64) -> (Vec<f64>, Matrix) {
    let p = beta.len();
    let mut gradient = vec![0.0; p];
    let mut hessian = Matrix::zero(p);
    let (intercept, coefficients) = beta.split_first().map_or((0.0, &[][..]), |(i, c)| (*i, c));
    let mut index: Vec<usize> = Vec::new();
    for (active, &y) in rows.active.iter().zip(rows.converted) {
        let mu = sigmoid(eta(intercept, coefficients, active));
        let w = (mu * (1.0 - mu)).max(1e-12);
        let r = f64::from(u8::from(y)) - mu;
        index.clear();
        index.push(0);
        index.extend(active.iter().map(|&f| f as usize + 1).filter(|&j| j < p));
        for &i in &index {
            if let Some(g) = gradient.get_mut(i) {
                *g += r;
            }
            for &j in &index {
                hessian.add(i, j, w);
            }
        }
    }
    for j in 1..p {
        if let (Some(g), Some(b)) = (gradient.get_mut(j), beta.get(j)) {
            *g -= l2 * b;
        }
        hessian.add(j, j, l2);
    }
    (gradient, hessian)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_small_system() {
        let mut m = Matrix::zero(2);
        for (i, j, v) in [(0, 0, 4.0), (0, 1, 2.0), (1, 0, 2.0), (1, 1, 3.0)] {
            m.add(i, j, v);
        }
        let x = m.cholesky().unwrap().solve(&[2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12);
    }

    #[test]
    fn the_fit_recovers_the_log_odds_of_one_binary_feature() {
        // Feature on: 30 of 40 convert (log odds ln 3); off: 10 of 40 (ln 1/3).
        let mut active = Vec::new();
        let mut converted = Vec::new();
        for i in 0..80 {
            let on = i < 40;
            active.push(if on { vec![0] } else { vec![] });
            converted.push(if on { i < 30 } else { i < 50 });
        }
        let f = fit(&Rows { active: &active, converted: &converted, features: 1 }, 1e-9, &mut |_| {});
        assert!(f.converged);
        assert!((f.intercept - (1.0f64 / 3.0).ln()).abs() < 1e-6, "{f:?}");
        assert!((f.coefficients[0] - 9.0f64.ln()).abs() < 1e-6, "{f:?}");
        // The textbook standard error of a log odds ratio: sqrt(1/30 + 1/10 + 1/10 + 1/30).
        assert!((f.standard_errors[0] - (1.0f64 / 30.0 + 0.1 + 0.1 + 1.0 / 30.0).sqrt()).abs() < 1e-4);
        // A penalty pulls the coefficient towards 0.
        let g = fit(&Rows { active: &active, converted: &converted, features: 1 }, 10.0, &mut |_| {});
        assert!(g.coefficients[0] > 0.0 && g.coefficients[0] < f.coefficients[0]);
    }
}
