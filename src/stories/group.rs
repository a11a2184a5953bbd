//! Grouping entries into stories.

use std::collections::BTreeMap;

use super::tokens::{Doc, SAME_STORY, similarity};

/// Groups entries into stories: two are one story when their titles are alike or their
/// (normalized) links are the same, and so on transitively. Grouping by pairs makes the result
/// independent of the order entries are compared in. Each story lists member indices in
/// order, so with entries given oldest first its first member is its earliest report.
pub fn group(links: &[String], docs: &[Doc]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..links.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let union = |parent: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (root(parent, a), root(parent, b));
        // The lower index stays the root, so roots do not depend on the order of unions.
        parent[ra.max(rb)] = ra.min(rb);
    };
    let mut first_with_link: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, link) in links.iter().enumerate() {
        let first = *first_with_link.entry(link).or_insert(i);
        union(&mut parent, first, i);
        for j in 0..i {
            if similarity(&docs[j], &docs[i]) >= SAME_STORY {
                union(&mut parent, j, i);
            }
        }
    }
    let mut stories: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..links.len() {
        let r = root(&mut parent, i);
        stories.entry(r).or_default().push(i);
    }
    stories.into_values().collect()
}
