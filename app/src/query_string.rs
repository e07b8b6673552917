//! Values put into a link's query string, encoded as a form would send them (space as
//! `+`, everything outside `A-Z a-z 0-9 - _ . *` percent-encoded).

pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(encode("a&b=c"), "a%26b%3Dc");
        assert_eq!(encode("market research"), "market+research");
        assert_eq!(
            encode("2026-12-06T10:00:00+00:00"),
            "2026-12-06T10%3A00%3A00%2B00%3A00"
        );
        assert_eq!(encode("ada@example.com"), "ada%40example.com");
    }
}
