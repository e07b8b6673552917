//! Template descriptions: Markdown rendered on the server into HTML that is safe to
//! insert. Raw HTML in the source is shown as text, and links and images keep only
//! http(s) and mailto addresses, so a description cannot run script or phish with
//! `javascript:` links.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

pub fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let allowed = ["http://", "https://", "mailto:", "#", "/"]
        .iter()
        .any(|prefix| lower.starts_with(prefix));
    if allowed && !lower.starts_with("//") {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn nesting_thousands_deep_renders_without_recursion() {
        // pulldown-cmark keeps its tree in an arena and renders by iteration: a
        // description nested this deep must render, not overflow the stack. Run on a
        // small thread stack so a recursive renderer would fail here.
        let deep = [
            ">".repeat(50_000),
            "- ".repeat(20_000) + "x",
            "[".repeat(20_000) + &"](https://example.com)".repeat(20_000),
            "*".repeat(50_000) + "x" + &"*".repeat(50_000),
        ];
        let rendered = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || deep.iter().map(|text| render(text).len()).sum::<usize>())
            .expect("thread")
            .join()
            .expect("rendering overflowed or panicked");
        assert!(rendered > 0);
    }

    #[test]
    fn markdown_becomes_html() {
        let html = render("# Title\n\nSome **bold** and a [link](https://example.com).");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com">link</a>"#),
            "{html}"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render("Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn dangerous_link_targets_are_dropped() {
        for target in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example",
        ] {
            let html = render(&format!("[x]({target}) ![y]({target})"));
            assert!(!html.to_lowercase().contains("javascript"), "{html}");
            assert!(!html.contains("data:"), "{html}");
            assert!(!html.contains("//evil"), "{html}");
        }
    }
}
