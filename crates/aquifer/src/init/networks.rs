//! Random network topologies for spiking reservoirs, with excitatory and inhibitory neurons
//! (Dale's law).
//!
//! A topology says *who connects to whom*: [`erdos_renyi`] (every ordered pair independently
//! with probability `p`), [`watts_strogatz`] (a ring lattice of `k` nearest neighbours with each
//! edge rewired with probability `p_rewire`: small world), [`barabasi_albert`] (growth by
//! preferential attachment, `m` edges per new neuron: scale free). The last two are undirected
//! graphs; each undirected edge becomes two synapses with independent weights. No neuron
//! connects to itself.
//!
//! [`dale_matrix`] turns a topology into a weight matrix `W` (`W[i, j]` is the synapse from
//! neuron `j` to neuron `i`) that obeys Dale's law: the first `round(exc_ratio n)` neurons are
//! excitatory and **every outgoing** weight of an excitatory neuron (its column) is `>= 0`, of an
//! inhibitory one `<= 0`. Magnitudes are `|N(0, 1)|`, inhibitory ones multiplied by
//! `inhibitory_gain`.
//!
//! Spectral radius of E/I matrices: the mean weight `mu` of such a matrix is not zero, so besides
//! the disk of radius about `sqrt(n p var)` (circular law) it has one real outlier eigenvalue near
//! `n p mu`. With `inhibitory_gain = exc / inh` (the default, [`Inhibition::Balanced`]) the mean
//! is zero, the outlier disappears, and rescaling to a spectral radius scales the whole bulk. With
//! a gain of 1 (the magnitudes of the library this API comes from) the outlier dominates: the
//! radius is set by the mean excitation and the bulk shrinks as `n` grows. The radius is computed
//! exactly for small matrices and by a converged Krylov-Schur estimate for large ones.
//!
//! ```
//! use aquifer::init::networks::{dale_matrix, erdos_renyi, Inhibition};
//! let edges = erdos_renyi(200, 0.1, 7)?;
//! let w = dale_matrix(200, &edges, 0.8, Inhibition::Balanced, Some(0.9), 7)?;
//! // neurons 0..160 are excitatory: their outgoing weights are >= 0
//! let dense = w.to_dense();
//! assert!((0..200).all(|i| (0..160).all(|j| dense[(i, j)] >= 0.0)));
//! assert!((0..200).all(|i| (160..200).all(|j| dense[(i, j)] <= 0.0)));
//! # Ok::<(), aquifer::Error>(())
//! ```

use super::{csr_from_sorted, scale_spectral_radius, Csr};
use crate::error::{Error, Result};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// A directed synapse `(post, pre)`: neuron `pre` projects to neuron `post`.
pub type Synapse = (usize, usize);

fn check_units(n: usize) -> Result<()> {
    if n < 2 {
        return Err(Error::invalid("units", n, "a network needs >= 2 neurons"));
    }
    if n > u32::MAX as usize {
        return Err(Error::invalid("units", n, "must fit in u32"));
    }
    Ok(())
}

fn check_probability(name: &'static str, p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::invalid(name, p, "must be a probability in [0, 1]"));
    }
    Ok(())
}

/// Erdos-Renyi: every ordered pair `(post, pre)` with `post != pre` is a synapse independently
/// with probability `p`. Sorted by `(post, pre)`.
pub fn erdos_renyi(n: usize, p: f64, seed: u64) -> Result<Vec<Synapse>> {
    check_units(n)?;
    check_probability("connection probability", p)?;
    let mut rng = crate::rng::from_seed(seed);
    let mut edges = Vec::with_capacity((p * (n * (n - 1)) as f64 * 1.05) as usize + 16);
    for i in 0..n {
        for j in 0..n {
            if i != j && rng.random::<f64>() < p {
                edges.push((i, j));
            }
        }
    }
    Ok(edges)
}

/// Undirected adjacency sets as sorted neighbour lists, turned into both synapse directions.
fn both_directions(adjacency: &[Vec<usize>]) -> Vec<Synapse> {
    let mut edges: Vec<Synapse> = adjacency
        .iter()
        .enumerate()
        .flat_map(|(i, nb)| nb.iter().map(move |&j| (i, j)))
        .collect();
    edges.sort_unstable();
    edges
}

/// Watts-Strogatz small world: a ring where each neuron is linked to its `k` nearest neighbours
/// (`k / 2` on each side), then each link `(i, i + s)` is rewired with probability `p_rewire` to
/// `(i, r)` with `r` uniform among the neurons not yet linked to `i` (the procedure of Watts and
/// Strogatz 1998, as in networkx). `k` must be even and `< n`. Both directions of each link are
/// synapses.
pub fn watts_strogatz(n: usize, k: usize, p_rewire: f64, seed: u64) -> Result<Vec<Synapse>> {
    check_units(n)?;
    check_probability("rewiring probability", p_rewire)?;
    if k == 0 || k % 2 == 1 || k >= n {
        return Err(Error::invalid(
            "k (neighbours)",
            k,
            &format!("must be even, >= 2 and < the number of neurons ({n})"),
        ));
    }
    let mut adj: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); n];
    for i in 0..n {
        for s in 1..=k / 2 {
            let j = (i + s) % n;
            adj[i].insert(j);
            adj[j].insert(i);
        }
    }
    let mut rng = crate::rng::from_seed(seed);
    for s in 1..=k / 2 {
        for i in 0..n {
            let j = (i + s) % n;
            if rng.random::<f64>() < p_rewire && adj[i].contains(&j) && adj[i].len() < n - 1 {
                // a uniform neuron that is neither i nor already linked to i
                let r = loop {
                    let r = rng.random_range(0..n);
                    if r != i && !adj[i].contains(&r) {
                        break r;
                    }
                };
                adj[i].remove(&j);
                adj[j].remove(&i);
                adj[i].insert(r);
                adj[r].insert(i);
            }
        }
    }
    let lists: Vec<Vec<usize>> = adj.into_iter().map(|s| s.into_iter().collect()).collect();
    Ok(both_directions(&lists))
}

/// Barabasi-Albert scale free: starts from a star of `m + 1` neurons, then each new neuron links
/// to `m` distinct existing ones chosen with probability proportional to their degree
/// (preferential attachment, as in networkx). `1 <= m < n`. Both directions of each link are
/// synapses.
pub fn barabasi_albert(n: usize, m: usize, seed: u64) -> Result<Vec<Synapse>> {
    check_units(n)?;
    if m == 0 || m >= n {
        return Err(Error::invalid(
            "m (links per new neuron)",
            m,
            &format!("must be >= 1 and < the number of neurons ({n})"),
        ));
    }
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    // every link end, so that a uniform pick from it is a degree-proportional pick of a neuron
    let mut ends: Vec<usize> = Vec::with_capacity(2 * m * n);
    for j in 1..=m {
        adj[0].push(j);
        adj[j].push(0);
        ends.extend([0, j]);
    }
    let mut rng = crate::rng::from_seed(seed);
    let mut targets: Vec<usize> = Vec::with_capacity(m);
    for new in m + 1..n {
        targets.clear();
        while targets.len() < m {
            let t = ends[rng.random_range(0..ends.len())];
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        for &t in &targets {
            adj[new].push(t);
            adj[t].push(new);
            ends.extend([new, t]);
        }
    }
    for nb in &mut adj {
        nb.sort_unstable();
    }
    Ok(both_directions(&adj))
}

/// How strong inhibitory synapses are relative to excitatory ones.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inhibition {
    /// Inhibitory magnitudes multiplied by `excitatory / inhibitory` neuron counts, so that the
    /// mean weight is zero (a balanced network; see the [module documentation](self)).
    Balanced,
    /// Inhibitory magnitudes multiplied by this gain (`1.0`: same distribution as excitatory).
    Gain(f64),
}

/// Number of excitatory neurons among `n` for a ratio: `round(exc_ratio n)`.
pub fn excitatory_count(n: usize, exc_ratio: f64) -> Result<usize> {
    check_probability("exc_ratio", exc_ratio)?;
    Ok((exc_ratio * n as f64).round() as usize)
}

/// A weight matrix obeying Dale's law on the given synapses (see the
/// [module documentation](self)): column `j` (neuron `j`'s outgoing weights) is `>= 0` for the
/// first `round(exc_ratio n)` neurons and `<= 0` for the others. Rescaled to `spectral_radius`
/// if given.
pub fn dale_matrix(
    n: usize,
    synapses: &[Synapse],
    exc_ratio: f64,
    inhibition: Inhibition,
    spectral_radius: Option<f64>,
    seed: u64,
) -> Result<Csr> {
    check_units(n)?;
    let n_exc = excitatory_count(n, exc_ratio)?;
    let gain = match inhibition {
        Inhibition::Balanced if n_exc < n => n_exc as f64 / (n - n_exc) as f64,
        Inhibition::Balanced => 1.0,
        Inhibition::Gain(g) => {
            if !(g.is_finite() && g >= 0.0) {
                return Err(Error::invalid(
                    "inhibitory gain",
                    g,
                    "must be finite and >= 0",
                ));
            }
            g
        }
    };
    let mut rng = crate::rng::from_seed(crate::rng::derive(seed, 0xDA1E));
    let mut entries = Vec::with_capacity(synapses.len());
    let mut last = None;
    for &(post, pre) in synapses {
        if post >= n || pre >= n || post == pre || last.is_some_and(|l| l >= (post, pre)) {
            return Err(Error::invalid(
                "synapses",
                format!("({post}, {pre})"),
                &format!("must be sorted, distinct, without self-loops, indices < {n}"),
            ));
        }
        last = Some((post, pre));
        let magnitude: f64 = StandardNormal.sample(&mut rng);
        let magnitude = magnitude.abs();
        let w = if pre < n_exc {
            magnitude
        } else {
            -gain * magnitude
        };
        entries.push((post, pre, w));
    }
    let mut w = csr_from_sorted(n, n, &entries)?;
    if let Some(sr) = spectral_radius {
        scale_spectral_radius(&mut w, sr)?;
    }
    Ok(w)
}

/// Undirected degree of each neuron (links in either direction counted once).
pub fn degrees(n: usize, synapses: &[Synapse]) -> Vec<usize> {
    neighbours(n, synapses).iter().map(Vec::len).collect()
}

fn neighbours(n: usize, synapses: &[Synapse]) -> Vec<Vec<usize>> {
    let mut nb = vec![Vec::new(); n];
    for &(i, j) in synapses {
        if i < n && j < n && i != j {
            nb[i].push(j);
            nb[j].push(i);
        }
    }
    for v in &mut nb {
        v.sort_unstable();
        v.dedup();
    }
    nb
}

/// Average clustering coefficient of the undirected graph (the fraction of a neuron's pairs of
/// neighbours that are linked, averaged over neurons; 0 for neurons with < 2 neighbours).
pub fn clustering(n: usize, synapses: &[Synapse]) -> f64 {
    let nb = neighbours(n, synapses);
    let mut total = 0.0;
    for v in &nb {
        let d = v.len();
        if d < 2 {
            continue;
        }
        let mut links = 0usize;
        for (a, &x) in v.iter().enumerate() {
            for &y in &v[a + 1..] {
                if nb[x].binary_search(&y).is_ok() {
                    links += 1;
                }
            }
        }
        total += 2.0 * links as f64 / (d * (d - 1)) as f64;
    }
    total / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_reproducible_and_valid() {
        for edges in [
            erdos_renyi(300, 0.05, 1).unwrap(),
            watts_strogatz(300, 6, 0.2, 1).unwrap(),
            barabasi_albert(300, 3, 1).unwrap(),
        ] {
            assert!(edges.windows(2).all(|w| w[0] < w[1]));
            assert!(edges.iter().all(|&(i, j)| i != j && i < 300 && j < 300));
        }
        assert_eq!(
            erdos_renyi(100, 0.1, 4).unwrap(),
            erdos_renyi(100, 0.1, 4).unwrap()
        );
        assert_ne!(
            erdos_renyi(100, 0.1, 4).unwrap(),
            erdos_renyi(100, 0.1, 5).unwrap()
        );
        assert_eq!(
            watts_strogatz(100, 4, 0.3, 4).unwrap(),
            watts_strogatz(100, 4, 0.3, 4).unwrap()
        );
        assert_eq!(
            barabasi_albert(100, 2, 4).unwrap(),
            barabasi_albert(100, 2, 4).unwrap()
        );
    }

    #[test]
    fn watts_strogatz_keeps_the_number_of_links() {
        // rewiring moves links, it never adds or removes one
        for p in [0.0, 0.3, 1.0] {
            assert_eq!(watts_strogatz(200, 6, p, 2).unwrap().len(), 2 * 200 * 3);
        }
        // p = 0 is the ring lattice
        let lattice = watts_strogatz(10, 2, 0.0, 2).unwrap();
        assert!(lattice.contains(&(0, 1)) && lattice.contains(&(0, 9)) && lattice.len() == 20);
    }

    #[test]
    fn barabasi_albert_adds_m_links_per_neuron() {
        let (n, m) = (500, 3);
        assert_eq!(
            barabasi_albert(n, m, 3).unwrap().len(),
            2 * (m + (n - m - 1) * m)
        );
    }

    #[test]
    fn invalid_parameters_are_errors() {
        assert!(erdos_renyi(10, 1.5, 0).is_err());
        assert!(erdos_renyi(1, 0.5, 0).is_err());
        assert!(watts_strogatz(10, 3, 0.1, 0).is_err());
        assert!(watts_strogatz(10, 10, 0.1, 0).is_err());
        assert!(watts_strogatz(10, 4, -0.1, 0).is_err());
        assert!(barabasi_albert(10, 10, 0).is_err());
        assert!(barabasi_albert(10, 0, 0).is_err());
        assert!(dale_matrix(10, &[(0, 0)], 0.8, Inhibition::Balanced, None, 0).is_err());
        assert!(dale_matrix(10, &[(1, 0), (0, 1)], 0.8, Inhibition::Balanced, None, 0).is_err());
        assert!(dale_matrix(10, &[(0, 1)], 1.2, Inhibition::Balanced, None, 0).is_err());
        assert!(dale_matrix(10, &[(0, 1)], 0.8, Inhibition::Gain(-1.0), None, 0).is_err());
    }
}
