//! What a document is (by its content, not its name) and its text. PDFs through
//! `pdf-extract`, Word documents (`.docx`: `zip` and `quick-xml`, headings kept as
//! Markdown's), HTML through `html2text` (headings, lists and tables kept as
//! Markdown-like text, scripts and styles dropped), Markdown and plain text as they are.
//! Extraction is CPU work on untrusted bytes: it runs on a blocking thread, and a
//! parser that panics on a malformed file fails that document only.

use app::knowledge::MAX_DOCUMENT_BYTES;

/// What a document's bytes turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Docx,
    Markdown,
    Html,
    Text,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Docx => DOCX,
            MediaType::Markdown => "text/markdown",
            MediaType::Html => "text/html",
            MediaType::Text => "text/plain",
        }
    }

    pub fn parse(text: &str) -> Option<MediaType> {
        [
            MediaType::Pdf,
            MediaType::Docx,
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
        matches!(
            self,
            MediaType::Markdown | MediaType::Html | MediaType::Docx
        )
    }
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// The most a Word document's text part may unpack to (a zip bomb stops here).
const MAX_DOCX_XML_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file is refused at upload, in words for the person uploading it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is {0} MB; the most a document may have is {max} MB.", max = MAX_DOCUMENT_BYTES / (1024 * 1024))]
    TooLarge(usize),
    #[error(
        "This zipped file is not a Word document (.docx); other zipped formats are not read: save it as PDF, Markdown or plain text and upload that."
    )]
    Zipped,
    #[error(
        "This is not a document we can read: upload PDF, Word (.docx), Markdown, HTML or plain text (UTF-8)."
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
        let docx = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .is_ok_and(|archive| archive.index_for_name("word/document.xml").is_some());
        return if docx {
            Ok(MediaType::Docx)
        } else {
            Err(Unreadable::Zipped)
        };
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
    #[error(
        "This Word document could not be read ({0}). If it opens elsewhere, save it again as .docx or PDF and upload that."
    )]
    BadDocx(String),
    #[error("The document has no text.")]
    Empty,
}

/// The document's text (NUL-free, `\n` line ends).
pub fn text(media: MediaType, bytes: &[u8]) -> Result<String, NoText> {
    let text = match media {
        MediaType::Pdf => pdf_text(bytes)?,
        MediaType::Docx => docx_text(bytes)?,
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

/// The main part's paragraphs, a blank line apart; a heading style (`Heading1`…`Heading6`,
/// `Title`) becomes Markdown's `#`s, so the splitter follows the document's sections.
fn docx_text(bytes: &[u8]) -> Result<String, NoText> {
    use std::io::Read;

    use quick_xml::events::Event;

    let bad = |what: &str| NoText::BadDocx(what.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| bad("its zip container is damaged"))?;
    let part = archive
        .by_name("word/document.xml")
        .map_err(|_| bad("it has no main part"))?;
    if part.size() > MAX_DOCX_XML_BYTES {
        return Err(bad("its text part is larger than 64 MB"));
    }
    let mut xml = String::new();
    part.take(MAX_DOCX_XML_BYTES)
        .read_to_string(&mut xml)
        .map_err(|_| bad("its text part is not UTF-8 XML"))?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut text = String::new();
    let mut paragraph = String::new();
    let mut heading = 0usize;
    let mut in_text = false;
    loop {
        match reader
            .read_event()
            .map_err(|_| bad("its XML is malformed"))?
        {
            Event::Start(tag) | Event::Empty(tag) => match tag.name().as_ref() {
                b"w:t" => in_text = true,
                b"w:tab" => paragraph.push('\t'),
                b"w:br" => paragraph.push('\n'),
                b"w:pStyle" => {
                    let style = tag
                        .try_get_attribute("w:val")
                        .ok()
                        .flatten()
                        .and_then(|value| value.unescape_value().ok())
                        .unwrap_or_default();
                    heading = heading_level(&style);
                }
                _ => {}
            },
            Event::Text(chunk) if in_text => {
                paragraph.push_str(&chunk.decode().map_err(|_| bad("its text is not UTF-8"))?)
            }
            Event::GeneralRef(reference) if in_text => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    paragraph.push(c);
                } else {
                    paragraph.push_str(match &*reference {
                        b"amp" => "&",
                        b"lt" => "<",
                        b"gt" => ">",
                        b"quot" => "\"",
                        b"apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::End(tag) => match tag.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:p" => {
                    let line = paragraph.trim();
                    if !line.is_empty() {
                        if heading > 0 {
                            text.push_str(&"#".repeat(heading));
                            text.push(' ');
                        }
                        text.push_str(line);
                        text.push_str("\n\n");
                    }
                    paragraph.clear();
                    heading = 0;
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(text)
}

/// `Heading2` → 2, `Title` → 1, anything else → 0 (body text).
fn heading_level(style: &str) -> usize {
    if style == "Title" {
        return 1;
    }
    style
        .strip_prefix("Heading")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=6).contains(n))
        .unwrap_or(0)
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
        assert_eq!(sniff(&docx(&[]), "report", None), Ok(MediaType::Docx));
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

    /// A Word document whose body has these (style, text) paragraphs.
    pub fn docx(paragraphs: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let body: String = paragraphs
            .iter()
            .map(|(style, text)| {
                format!(
                    "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"
                )
            })
            .collect();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("word/document.xml", options).unwrap();
        write!(
            zip,
            "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        )
        .unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn word_documents_keep_their_headings() {
        let text = text(
            MediaType::Docx,
            &docx(&[
                ("Heading1", "Refunds"),
                ("Normal", "Paid within 30 days &amp; by card."),
                ("Heading2", "Exceptions"),
                ("Normal", "Gift cards."),
            ]),
        )
        .unwrap();
        assert_eq!(
            text,
            "# Refunds\n\nPaid within 30 days & by card.\n\n## Exceptions\n\nGift cards.\n\n"
        );
        assert_eq!(text_of_empty_docx(), Err(NoText::Empty));
    }

    fn text_of_empty_docx() -> Result<String, NoText> {
        super::text(MediaType::Docx, &docx(&[]))
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
