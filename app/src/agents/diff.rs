//! A line diff between two spec versions (longest common subsequence), small enough to
//! run in the browser and exact enough for specs of a few hundred lines.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Same,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub change: Change,
    pub text: String,
}

/// The lines of `old` and `new` in order, each marked kept, added or removed.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let line = |change, text: &str| DiffLine {
        change,
        text: text.to_string(),
    };
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(line(Change::Same, a[i]));
            (i, j) = (i + 1, j + 1);
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(line(Change::Removed, a[i]));
            i += 1;
        } else {
            out.push(line(Change::Added, b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|text| line(Change::Removed, text)));
    out.extend(b[j..].iter().map(|text| line(Change::Added, text)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_changed_lines() {
        let diff = diff_lines(
            "name: a\ntools: [calculator]\nx\n",
            "name: a\ntools: [web_search]\nx\ny\n",
        );
        let marks: Vec<(Change, &str)> = diff.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(
            marks,
            vec![
                (Change::Same, "name: a"),
                (Change::Removed, "tools: [calculator]"),
                (Change::Added, "tools: [web_search]"),
                (Change::Same, "x"),
                (Change::Added, "y"),
            ]
        );
        assert!(
            diff_lines("same\n", "same\n")
                .iter()
                .all(|l| l.change == Change::Same)
        );
    }
}
