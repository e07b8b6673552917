//! What a document is (by its content, not its name) and its text. PDFs through
//! `pdf-extract`, HTML through `html2text` (headings, lists and tables kept as
//! Markdown-like text, scripts and styles dropped), Markdown and plain text as they are.
//! Extraction is CPU work on untrusted bytes: it runs on a blocking thread, and a
//! parser that panics on a malformed file fails that document only.

use app::knowledge::MAX_DOCUMENT_BYTES;

/// What a document's bytes turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Markdown,
    Html,
    Text,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Markdown => "text/markdown",
            MediaType::Html => "text/html",
            MediaType::Text => "text/plain",
        }
    }

    pub fn parse(text: &str) -> Option<MediaType> {
        [
            MediaType::Pdf,
            MediaType::Markdown,
            MediaType::Html,
            MediaType::Text,
        ]
        .into_iter()
        .find(|media| media.as_str() == text)
    }

    /// Whether its text keeps Markdown's structure (headings, lists), which the
    /// splitter follows.
    pub fn is_structured(self) -> bool {
        matches!(self, MediaType::Markdown | MediaType::Html)
    }
}

/// Why a file is refused at upload, in words for the person uploading it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is {0} MB; the most a document may have is {max} MB.", max = MAX_DOCUMENT_BYTES / (1024 * 1024))]
    TooLarge(usize),
    #[error(
        "Word documents and other zipped formats are not read yet: save it as PDF, Markdown or plain text and upload that."
    )]
    Zipped,
    #[error(
        "This is not a document we can read: upload PDF, Markdown, HTML or plain text (UTF-8)."
    )]
    Unknown,
}

/// Finds what the bytes are. The name and declared type only choose between text
/// formats (a `.md` file is Markdown); binary content is recognised by its signature.
pub fn sniff(bytes: &[u8], name: &str, declared: Option<&str>) -> Result<MediaType, Unreadable> {
    if bytes.is_empty() {
        return Err(Unreadable::Empty);
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Unreadable::TooLarge(bytes.len().div_ceil(1024 * 1024)));
    }
    // The signature may follow a little junk (some writers put a BOM or bytes first).
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok(MediaType::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Unreadable::Zipped);
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| Unreadable::Unknown)?;
    // Text with control characters other than whitespace is binary in disguise.
    let sample: String = text.chars().take(8192).collect();
    if sample
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
    {
        return Err(Unreadable::Unknown);
    }
    let name = name.to_ascii_lowercase();
    let declared = declared.unwrap_or_default().to_ascii_lowercase();
    let start = sample
        .trim_start()
        .get(..256)
        .unwrap_or(sample.trim_start());
    let start = start.to_ascii_lowercase();
    if declared.starts_with("text/html")
        || name.ends_with(".html")
        || name.ends_with(".htm")
        || start.starts_with("<!doctype html")
        || start.starts_with("<html")
    {
        return Ok(MediaType::Html);
    }
    if declared.starts_with("text/markdown") || name.ends_with(".md") || name.ends_with(".markdown")
    {
        return Ok(MediaType::Markdown);
    }
    Ok(MediaType::Text)
}

/// Why a document yielded no text, for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoText {
    #[error(
        "No text was found in this PDF: it may be scanned pages (images). Run text recognition (OCR) on it and upload it again."
    )]
    ImagesOnly,
    #[error(
        "This PDF could not be read ({0}). If it opens elsewhere, print it to a new PDF and upload that."
    )]
    BadPdf(String),
    #[error("This PDF is encrypted: upload a copy without a password.")]
    Encrypted,
    #[error("The document has no text.")]
    Empty,
}

/// The document's text (NUL-free, `\n` line ends).
pub fn text(media: MediaType, bytes: &[u8]) -> Result<String, NoText> {
    let text = match media {
        MediaType::Pdf => pdf_text(bytes)?,
        MediaType::Html => html_text(bytes),
        MediaType::Markdown | MediaType::Text => {
            String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
                .into_owned()
        }
    };
    let text = text.replace("\r\n", "\n").replace(['\r', '\0'], "\n");
    if text.trim().is_empty() {
        return Err(match media {
            MediaType::Pdf => NoText::ImagesOnly,
            _ => NoText::Empty,
        });
    }
    Ok(text)
}

fn pdf_text(bytes: &[u8]) -> Result<String, NoText> {
    // pdf-extract panics on some malformed files: that is this document's failure.
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes))
        .map_err(|_| NoText::BadPdf("its structure is damaged".into()))?;
    extracted.map_err(|error| {
        let message = error.to_string();
        if message.to_ascii_lowercase().contains("encrypt") {
            NoText::Encrypted
        } else {
            NoText::BadPdf(message)
        }
    })
}

fn html_text(bytes: &[u8]) -> String {
    // Wide lines: the splitter, not the renderer, decides where text breaks.
    html2text::config::plain()
        .link_footnotes(false)
        .string_from_read(bytes, 10_000)
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_what_a_file_is() {
        assert_eq!(
            sniff(b"%PDF-1.7\n...", "notes.txt", None),
            Ok(MediaType::Pdf)
        );
        assert_eq!(
            sniff(b"PK\x03\x04rest", "report.docx", None),
            Err(Unreadable::Zipped)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0", "a.md", None),
            Err(Unreadable::Unknown)
        );
        assert_eq!(
            sniff(b"<!DOCTYPE html><p>x</p>", "page", None),
            Ok(MediaType::Html)
        );
        assert_eq!(sniff(b"# Title", "guide.md", None), Ok(MediaType::Markdown));
        assert_eq!(
            sniff(b"# Title", "guide", Some("text/markdown; charset=utf-8")),
            Ok(MediaType::Markdown)
        );
        assert_eq!(sniff(b"just words", "a.txt", None), Ok(MediaType::Text));
        assert_eq!(sniff(b"", "a.txt", None), Err(Unreadable::Empty));
    }

    #[test]
    fn html_keeps_structure_and_drops_scripts() {
        let text = text(
            MediaType::Html,
            b"<html><head><script>var secret = 1;</script><style>p{}</style></head>\
              <body><h1>Refunds</h1><ul><li>Within 30 days</li></ul>\
              <a href=\"https://x.example\">terms</a></body></html>",
        )
        .unwrap();
        assert!(text.contains("# Refunds"), "{text}");
        assert!(text.contains("Within 30 days"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn no_text_is_a_failure_with_a_reason() {
        assert_eq!(text(MediaType::Text, b"  \n\t "), Err(NoText::Empty));
        assert!(matches!(
            text(MediaType::Pdf, b"%PDF-1.4 garbage"),
            Err(NoText::BadPdf(_))
        ));
    }
}
