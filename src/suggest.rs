//! "Did you mean …?" for misspelt instructions, flags and values, and for missing files.

/// The candidate closest to `input` (case-insensitively), if it is close enough to be a
/// plausible typo: one edit for short words, two for longer ones.
pub(crate) fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let input: Vec<char> = input.chars().map(|c| c.to_ascii_lowercase()).collect();
    if input.len() > 64 {
        return None;
    }
    let limit = if input.len() < 4 { 1 } else { 2 };
    candidates
        .iter()
        // The lengths alone rule most candidates out: the distance is at least their gap.
        .filter(|candidate| candidate.chars().count().abs_diff(input.len()) <= limit)
        .map(|&candidate| (distance(&input, candidate), candidate))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between `a` (lowercased already) and `b` lowercased, with one row
/// of memory.
fn distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["RUN", "COPY", "ENTRYPOINT", "WORKDIR"];
        assert_eq!(did_you_mean("RUNN", &names), Some("RUN"));
        assert_eq!(did_you_mean("copi", &names), Some("COPY"));
        assert_eq!(did_you_mean("ENTRYPONT", &names), Some("ENTRYPOINT"));
        assert_eq!(did_you_mean("BUILD", &names), None);
        assert_eq!(did_you_mean("X", &names), None);
    }

    #[test]
    fn distance_counts_edits() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(distance(&chars("kitten"), "sitting"), 3);
        assert_eq!(distance(&chars(""), "abc"), 3);
        assert_eq!(distance(&chars("abc"), "ABC"), 0);
    }
}
