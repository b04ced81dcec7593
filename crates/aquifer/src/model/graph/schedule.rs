//! The order in which a graph's nodes run: a topological order of its edges, or the cycle
//! that prevents one.

use super::edge::Edge;

/// Kahn's topological order of `n` nodes; on a cycle, the nodes of one cycle in order.
pub(super) fn topological(n: usize, edges: &[Edge]) -> std::result::Result<Vec<usize>, Vec<usize>> {
    let mut indeg = vec![0usize; n];
    for e in edges {
        indeg[e.to.0] += 1;
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).rev().filter(|&i| indeg[i] == 0).collect();
    while let Some(i) = ready.pop() {
        order.push(i);
        for e in edges.iter().filter(|e| e.from.0 == i) {
            indeg[e.to.0] -= 1;
            if indeg[e.to.0] == 0 {
                ready.push(e.to.0);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk backwards along edges inside the remaining nodes until a node repeats.
    let left: Vec<bool> = (0..n).map(|i| indeg[i] > 0).collect();
    let mut path = vec![(0..n).find(|&i| left[i]).expect("a node is left")];
    loop {
        let cur = *path.last().expect("non-empty");
        let prev = edges
            .iter()
            .find(|e| e.to.0 == cur && left[e.from.0])
            .expect("a node on a cycle has a predecessor on it")
            .from
            .0;
        if let Some(pos) = path.iter().position(|&p| p == prev) {
            let mut cycle: Vec<usize> = path[pos..].to_vec();
            cycle.reverse();
            cycle.push(cycle[0]);
            return Err(cycle);
        }
        path.push(prev);
    }
}
