//! Where to go after signing in. Only paths on this site are followed, so a crafted
//! link cannot send someone elsewhere (an open redirect).

pub fn local_path_or(candidate: Option<&str>, default: &str) -> String {
    match candidate {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => default.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path_or;

    #[test]
    fn follows_local_paths_only() {
        assert_eq!(local_path_or(Some("/agents?x=1"), "/d"), "/agents?x=1");
        for hostile in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(local_path_or(Some(hostile), "/d"), "/d", "{hostile:?}");
        }
        assert_eq!(local_path_or(None, "/d"), "/d");
    }
}
