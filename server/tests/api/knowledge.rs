//! Knowledge bases through the running server, PostgreSQL with pgvector and row-level
//! security, the workers and the fake embeddings: each kind of document indexed and
//! found; a document without text failed with its reason, never "ready" with nothing;
//! the same bytes twice one document, and unchanged passages keeping their ids; another
//! team's chunks never found and a small team's top k complete beside a huge one;
//! a knowledge base moved to another embedding model while its searches go on.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with};
use crate::rest::{key, send};

/// A one-page PDF whose page shows these lines (Helvetica), or draws a box and has no
/// text at all (`lines` empty) — as a scanned page looks to a text extractor.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::new();
    if lines.is_empty() {
        content.push_str("0.5 g 72 600 200 100 re f");
    } else {
        content.push_str("BT /F1 12 Tf 72 720 Td 14 TL");
        for line in lines {
            content.push_str(&format!(" ({line}) Tj T*"));
        }
        content.push_str(" ET");
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (number, object) in (1..).zip(&objects) {
        offsets.push(out.len());
        out.extend(format!("{number} 0 obj\n{object}\nendobj\n").bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

/// A Word document: a heading, then body paragraphs.
fn word(paragraphs: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let body: String = (0..)
        .zip(paragraphs)
        .map(|(i, text)| {
            let style = if i == 0 { "Heading1" } else { "Normal" };
            format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>")
        })
        .collect();
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    archive
        .start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    let namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    write!(
        archive,
        "<w:document xmlns:w=\"{namespace}\"><w:body>{body}</w:body></w:document>"
    )
    .unwrap();
    archive.finish().unwrap().into_inner()
}

/// A member's key (read and run) on a server whose demo provider is the fake.
pub async fn knowledge_app(overrides: &[(&str, &str)]) -> (TestApp, String, fake_llm::FakeLlm) {
    let llm = fake().await;
    let mut vars = vec![("DEMO_LLM_BASE_URL", llm.base_url())];
    vars.extend(overrides.iter().map(|(k, v)| (*k, v.to_string())));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    app.sign_in_demo().await;
    let key = key(&app, &["read", "run"]).await;
    (app, key, llm)
}

pub async fn new_knowledge_base(app: &TestApp, key: &str, settings: Value) -> Value {
    let (status, created, _) = send(
        app,
        Method::POST,
        "/v1/knowledge-bases",
        key,
        Some(settings),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

/// Uploads a file as the form sends it; the answer's status and body.
pub async fn upload(
    app: &TestApp,
    key: &str,
    kb: &str,
    name: &str,
    bytes: Vec<u8>,
    tags: &[&str],
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    for tag in tags {
        form = form.text("tags", tag.to_string());
    }
    let response = reqwest::Client::new()
        .post(app.url(&format!("/v1/knowledge-bases/{kb}/documents")))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The document once the workers are done with it (ready or failed).
pub async fn indexed(app: &TestApp, key: &str, kb: &str, document: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, found, _) = send(
            app,
            Method::GET,
            &format!("/v1/knowledge-bases/{kb}/documents/{document}"),
            key,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        if found["state"] == "ready" || found["state"] == "failed" {
            return found;
        }
        assert!(Instant::now() < deadline, "still {found} after a minute");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn uploaded_and_indexed(
    app: &TestApp,
    key: &str,
    kb: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Value {
    let (status, upload) = upload(app, key, kb, name, bytes, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{upload}");
    indexed(app, key, kb, upload["document"]["id"].as_str().unwrap()).await
}

pub async fn search(app: &TestApp, key: &str, kb: &str, body: Value) -> (StatusCode, Value) {
    let (status, hits, _) = send(
        app,
        Method::POST,
        &format!("/v1/knowledge-bases/{kb}/search"),
        key,
        Some(body),
    )
    .await;
    (status, hits)
}

async fn chunks(app: &TestApp, key: &str, kb: &str, document: &str) -> Vec<Value> {
    let (status, chunks, _) = send(
        app,
        Method::GET,
        &format!("/v1/knowledge-bases/{kb}/documents/{document}/chunks"),
        key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{chunks}");
    chunks.as_array().unwrap().clone()
}

const REFUNDS: &str = "# Refunds\n\nA refund is paid within 30 days of the return reaching our warehouse. \
    It goes back to the card or account that paid, and we email you when it leaves.\n\n\
    ## Exceptions\n\nGift cards and opened software are not refundable. Items bought in a sale \
    can be exchanged but not refunded, and delivery costs are not returned.\n";
const SHIPPING_HTML: &str = "<!DOCTYPE html><html><head><title>Shipping</title>\
    <script>var tracking = 'pixel';</script><style>h1 { color: red }</style></head><body>\
    <h1>Shipping</h1><p>Parcels leave the warehouse on weekdays and arrive within three days.</p>\
    <ul><li>Express delivery costs extra</li><li>Islands take a week</li></ul></body></html>";
const WARRANTY_TEXT: &str = "The warranty covers manufacturing faults for two years.\n\
    It does not cover accidental damage or batteries.";

#[tokio::test]
async fn each_kind_of_document_is_indexed_and_found() {
    let (app, key, _llm) = knowledge_app(&[]).await;
    let kb = new_knowledge_base(
        &app,
        &key,
        json!({"name": "support", "chunk_tokens": 60, "chunk_overlap": 0}),
    )
    .await;
    assert_eq!(kb["embedding_model"], "demo-embed");
    assert_eq!(kb["dimensions"], 64);
    let kb = kb["id"].as_str().unwrap().to_string();

    let refunds = uploaded_and_indexed(&app, &key, &kb, "refunds.md", REFUNDS.into()).await;
    let shipping =
        uploaded_and_indexed(&app, &key, &kb, "shipping.html", SHIPPING_HTML.into()).await;
    let warranty =
        uploaded_and_indexed(&app, &key, &kb, "warranty.txt", WARRANTY_TEXT.into()).await;
    let returns = uploaded_and_indexed(
        &app,
        &key,
        &kb,
        "returns.docx",
        word(&[
            "Returns",
            "Unused items can be sent back by post within 60 days.",
        ]),
    )
    .await;
    let manual = uploaded_and_indexed(
        &app,
        &key,
        &kb,
        "manual.pdf",
        pdf(&[
            "Charging the battery",
            "Connect the charger for four hours before first use.",
        ]),
    )
    .await;
    for (document, media_type) in [
        (&refunds, "text/markdown"),
        (&shipping, "text/html"),
        (&warranty, "text/plain"),
        (&manual, "application/pdf"),
        (
            &returns,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ] {
        assert_eq!(document["state"], "ready", "{document}");
        assert_eq!(document["media_type"], media_type);
        assert!(document["chunk_count"].as_i64().unwrap() >= 1, "{document}");
        assert_eq!(document["chunks_embedded"], document["chunks_total"]);
        assert!(
            document["cost_micro_usd"].as_i64().unwrap() > 0,
            "{document}"
        );
    }

    // Markdown split along its sections; HTML's structure kept and its script dropped;
    // the PDF's words read.
    let refund_chunks = chunks(&app, &key, &kb, refunds["id"].as_str().unwrap()).await;
    assert_eq!(refund_chunks.len(), 2, "{refund_chunks:#?}");
    assert!(
        refund_chunks[1]["content"]
            .as_str()
            .unwrap()
            .starts_with("## Exceptions")
    );
    let shipping_text: String = chunks(&app, &key, &kb, shipping["id"].as_str().unwrap())
        .await
        .iter()
        .map(|c| c["content"].as_str().unwrap().to_string())
        .collect();
    assert!(shipping_text.contains("# Shipping"), "{shipping_text}");
    assert!(
        shipping_text.contains("Express delivery costs extra"),
        "{shipping_text}"
    );
    assert!(
        !shipping_text.contains("pixel") && !shipping_text.contains("color"),
        "{shipping_text}"
    );
    let manual_text = chunks(&app, &key, &kb, manual["id"].as_str().unwrap()).await[0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        manual_text.contains("Connect the charger for four hours"),
        "{manual_text}"
    );

    // Each question finds its document first, by meaning and by words.
    for (question, document) in [
        ("when is my refund paid", &refunds),
        ("how long does a parcel take to arrive", &shipping),
        ("is accidental damage covered by the warranty", &warranty),
        ("how long should I charge the battery", &manual),
        ("can unused items be sent back by post", &returns),
    ] {
        let (status, hits) = search(&app, &key, &kb, json!({"query": question, "k": 3})).await;
        assert_eq!(status, StatusCode::OK, "{hits}");
        let top = &hits[0];
        assert_eq!(
            top["chunk"]["document_id"], document["id"],
            "{question}: {hits:#}"
        );
        assert!(
            top["semantic_rank"].is_u64() && top["lexical_rank"].is_u64(),
            "{top}"
        );
        assert!(top["distance"].as_f64().unwrap() < 1.0);
    }
    // Filters: a document's id, and tags.
    let (_, hits) = search(
        &app,
        &key,
        &kb,
        json!({"query": "refund warranty parcel", "k": 10, "documents": [warranty["id"]]}),
    )
    .await;
    assert!(!hits.as_array().unwrap().is_empty());
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .all(|h| h["chunk"]["document_id"] == warranty["id"])
    );
    let (_, hits) = search(
        &app,
        &key,
        &kb,
        json!({"query": "refund", "tags": ["nothing-tagged"]}),
    )
    .await;
    assert_eq!(hits, json!([]));

    // The embeddings' cost is the team's usage, under the model.
    let owner = app.owner_pool().await;
    let (tokens, cost): (i64, i64) = sqlx::query_as(
        "SELECT sum(prompt_tokens)::bigint, sum(cost_micro_usd)::bigint FROM usage_daily WHERE model = 'demo-embed'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert!(tokens > 0 && cost > 0, "{tokens} {cost}");

    // One ranking alone: by words, the query is not embedded (nothing spent) and no hit
    // has a distance; by meaning, no hit has a word rank.
    let question = json!({"query": "when is my refund paid", "k": 3, "retrieval": "keyword"});
    let (status, by_words) = search(&app, &key, &kb, question).await;
    assert_eq!(status, StatusCode::OK, "{by_words}");
    assert_eq!(
        by_words[0]["chunk"]["document_id"], refunds["id"],
        "{by_words:#}"
    );
    assert!(by_words.as_array().unwrap().iter().all(|h| {
        h["lexical_rank"].is_u64() && h["semantic_rank"].is_null() && h["distance"].is_null()
    }));
    let (tokens_after,): (i64,) = sqlx::query_as(
        "SELECT sum(prompt_tokens)::bigint FROM usage_daily WHERE model = 'demo-embed'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(tokens_after, tokens);
    let question = json!({"query": "when is my refund paid", "k": 3, "retrieval": "semantic"});
    let (_, by_meaning) = search(&app, &key, &kb, question).await;
    assert_eq!(
        by_meaning[0]["chunk"]["document_id"], refunds["id"],
        "{by_meaning:#}"
    );
    assert!(
        by_meaning
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["semantic_rank"].is_u64() && h["lexical_rank"].is_null())
    );
    let (status, _) = search(&app, &key, &kb, json!({"query": "x", "retrieval": "fuzzy"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The knowledge base counts what it holds; bad input is refused and changes nothing.
    let (_, listed, _) = send(&app, Method::GET, "/v1/knowledge-bases", &key, None).await;
    assert_eq!(listed[0]["documents"], 5);
    assert_eq!(listed[0]["indexing"], 0);
    for (body, field) in [
        (json!({"query": ""}), "query"),
        (json!({"query": "x", "k": 0}), "k"),
        (json!({"query": "x", "k": 51}), "k"),
    ] {
        let (status, problem) = search(&app, &key, &kb, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    for (body, field) in [
        (json!({"name": "Support Docs"}), "name"),
        (json!({"name": "support"}), ""),
        (
            json!({"name": "x", "embedding_model": "gpt-4o"}),
            "embedding_model",
        ),
        (json!({"name": "x", "chunk_tokens": 10}), "chunk_tokens"),
        (
            json!({"name": "x", "chunk_tokens": 100, "chunk_overlap": 100}),
            "chunk_overlap",
        ),
        (json!({"name": "x", "language": "klingon"}), "language"),
    ] {
        let (status, problem, _) =
            send(&app, Method::POST, "/v1/knowledge-bases", &key, Some(body)).await;
        if field.is_empty() {
            assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
    }
    let (_, listed, _) = send(&app, Method::GET, "/v1/knowledge-bases", &key, None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn word_search_weighs_a_rare_word_over_a_common_one() {
    let (app, key, _llm) = knowledge_app(&[]).await;
    let kb = new_knowledge_base(&app, &key, json!({"name": "refunds"})).await;
    let kb = kb["id"].as_str().unwrap().to_string();
    let mut documents = Vec::new();
    for (name, text) in [
        (
            "rules.txt",
            "Refund rules. A refund is a refund: every refund is paid by card, and a refund is never paid in cash.",
        ),
        (
            "timing.txt",
            "Refund timing. Each refund takes a week; a refund over 500 takes two.",
        ),
        (
            "exceptions.txt",
            "Refund exceptions. Gift cards get no refund.",
        ),
        (
            "returns.txt",
            "Returns go to the warehouse in Leeds; a refund follows.",
        ),
    ] {
        documents.push(uploaded_and_indexed(&app, &key, &kb, name, text.into()).await);
    }
    // "refund" is in every chunk and says little; "warehouse" is in one. Ranked by
    // how often the words occur alone (ts_rank_cd), the rules came first.
    let question = json!({"query": "refund warehouse", "retrieval": "keyword"});
    let (status, hits) = search(&app, &key, &kb, question).await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    assert_eq!(hits.as_array().unwrap().len(), 4, "{hits:#}");
    assert_eq!(
        hits[0]["chunk"]["document_id"], documents[3]["id"],
        "{hits:#}"
    );
    // With the common word alone, more of it ranks higher.
    let (_, hits) = search(
        &app,
        &key,
        &kb,
        json!({"query": "refund", "retrieval": "keyword"}),
    )
    .await;
    assert_eq!(
        hits[0]["chunk"]["document_id"], documents[0]["id"],
        "{hits:#}"
    );
}

#[tokio::test]
async fn a_document_without_text_fails_with_its_reason_and_bad_files_are_refused() {
    let (app, key, _llm) = knowledge_app(&[]).await;
    let kb = new_knowledge_base(&app, &key, json!({"name": "scans"})).await;
    let kb = kb["id"].as_str().unwrap().to_string();

    let scanned = uploaded_and_indexed(&app, &key, &kb, "scan.pdf", pdf(&[])).await;
    assert_eq!(scanned["state"], "failed", "{scanned}");
    assert_eq!(scanned["chunk_count"], 0);
    assert!(
        scanned["failure"]
            .as_str()
            .unwrap()
            .contains("No text was found in this PDF"),
        "{scanned}"
    );
    let broken = uploaded_and_indexed(
        &app,
        &key,
        &kb,
        "broken.pdf",
        b"%PDF-1.4 not really".to_vec(),
    )
    .await;
    assert_eq!(broken["state"], "failed", "{broken}");
    assert!(
        broken["failure"]
            .as_str()
            .unwrap()
            .contains("could not be read"),
        "{broken}"
    );

    for (name, bytes, words) in [
        ("empty.txt", Vec::new(), "empty"),
        (
            "photo.md",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "not a document we can read",
        ),
        (
            "archive.zip",
            b"PK\x03\x04\x14\0\x06\0".to_vec(),
            "not a Word document",
        ),
        ("huge.txt", vec![b'a'; 16 * 1024 * 1024 + 1], "16 MB"),
    ] {
        let (status, problem) = upload(&app, &key, &kb, name, bytes, &[]).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], "file");
        assert!(
            problem["detail"].as_str().unwrap().contains(words),
            "{problem}"
        );
    }
    // Past the upload limit altogether, refused before it is read.
    let (status, _) = upload(
        &app,
        &key,
        &kb,
        "huger.txt",
        vec![b'a'; 17 * 1024 * 1024],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Not a form at all.
    let (status, problem, _) = send(
        &app,
        Method::POST,
        &format!("/v1/knowledge-bases/{kb}/documents"),
        &key,
        Some(json!({"file": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");

    // Only the two failed documents; nothing was made of the refused files.
    let (_, documents, _) = send(
        &app,
        Method::GET,
        &format!("/v1/knowledge-bases/{kb}/documents"),
        &key,
        None,
    )
    .await;
    assert_eq!(documents.as_array().unwrap().len(), 2, "{documents}");
    // A failed document can be queued again; it fails again for the same reason.
    let (status, again, _) = send(
        &app,
        Method::POST,
        &format!(
            "/v1/knowledge-bases/{kb}/documents/{}/reindex",
            scanned["id"].as_str().unwrap()
        ),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    let again = indexed(&app, &key, &kb, scanned["id"].as_str().unwrap()).await;
    assert_eq!(again["state"], "failed");
}

#[tokio::test]
async fn the_same_bytes_are_one_document_and_unchanged_passages_keep_their_ids() {
    let (app, key, llm) = knowledge_app(&[]).await;
    let kb = new_knowledge_base(
        &app,
        &key,
        json!({"name": "policies", "chunk_tokens": 50, "chunk_overlap": 0}),
    )
    .await;
    let kb = kb["id"].as_str().unwrap().to_string();
    let first = uploaded_and_indexed(&app, &key, &kb, "refunds.md", REFUNDS.into()).await;
    let id = first["id"].as_str().unwrap().to_string();
    let before = chunks(&app, &key, &kb, &id).await;
    let embedding_calls = llm.calls().len();

    // The same bytes again, under any name: nothing changes, nothing is embedded.
    for name in ["refunds.md", "copy of refunds.md"] {
        let (status, again) = upload(&app, &key, &kb, name, REFUNDS.into(), &[]).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["outcome"], "unchanged");
        assert_eq!(again["document"]["id"], first["id"]);
        assert_eq!(again["document"]["state"], "ready");
    }

    // A new version under the same name: the document is replaced in place, and only
    // its new passage is embedded; the others keep their ids.
    let revised = format!(
        "{REFUNDS}\n## Store credit\n\nStore credit never expires. It can be spent on anything in \
         the shop, online or in person, and shared with anyone in your household.\n"
    );
    let (status, replaced) = upload(&app, &key, &kb, "refunds.md", revised.into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["outcome"], "replaced");
    assert_eq!(replaced["document"]["id"], first["id"]);
    let ready = indexed(&app, &key, &kb, &id).await;
    assert_eq!(ready["state"], "ready");
    let after = chunks(&app, &key, &kb, &id).await;
    assert_eq!(after.len(), before.len() + 1, "{after:#?}");
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old["id"], new["id"]);
        assert_eq!(old["content"], new["content"]);
    }
    let embedded: Vec<String> = llm.calls()[embedding_calls..]
        .iter()
        .flat_map(|call| call.body["input"].as_array().cloned().unwrap_or_default())
        .map(|text| text.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(embedded.len(), 1, "{embedded:?}");
    assert!(embedded[0].contains("Store credit"));
    let (_, documents, _) = send(
        &app,
        Method::GET,
        &format!("/v1/knowledge-bases/{kb}/documents"),
        &key,
        None,
    )
    .await;
    assert_eq!(documents.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_team_finds_only_its_own_chunks_and_its_full_top_k_beside_a_huge_team() {
    // Past 100 chunks a knowledge base is searched through its HNSW index.
    let (app, key, _llm) = knowledge_app(&[("KNOWLEDGE_EXACT_SEARCH_BELOW", "100")]).await;
    let huge = new_knowledge_base(&app, &key, json!({"name": "huge"})).await;
    let huge = huge["id"].as_str().unwrap().to_string();
    let (other, _) = app.signed_up("Small Team").await;
    let other_key = key_of(&other).await;
    let small = new_knowledge_base(&other, &other_key, json!({"name": "small"})).await;
    let small = small["id"].as_str().unwrap().to_string();

    // The huge team's 6,000 chunks and the small team's 200, written straight to the
    // database: the same words everywhere, so the two compete for every query.
    let owner = app.owner_pool().await;
    for (kb, chunks) in [(&huge, 6_000), (&small, 200)] {
        sqlx::query(
            "WITH kb AS (SELECT id, team_id FROM knowledge_bases WHERE id = $1::uuid),
                  doc AS (INSERT INTO kb_documents (team_id, knowledge_base_id, name, media_type, content,
                                                    bytes, content_sha256, state, chunk_count)
                          SELECT team_id, id, 'bulk.txt', 'text/plain', '\\x00', 1, sha256(id::text::bytea), 'ready', $2
                            FROM kb RETURNING id, team_id, knowledge_base_id),
                  chunk AS (INSERT INTO kb_chunks (id, team_id, knowledge_base_id, document_id, position, content, tokens, tsv, live)
                            SELECT gen_random_uuid(), doc.team_id, doc.knowledge_base_id, doc.id, n,
                                   'shared passage about refunds number ' || n, 6,
                                   to_tsvector('english', 'shared passage about refunds number ' || n), true
                              FROM doc, generate_series(0, $2 - 1) n
                            RETURNING id, team_id, knowledge_base_id, document_id, position)
             INSERT INTO kb_embeddings (chunk_id, model, team_id, knowledge_base_id, document_id, dimensions, live, embedding)
             SELECT id, 'demo-embed', team_id, knowledge_base_id, document_id, 64, true,
                    (SELECT array_agg(sin(position * 7 + d)) FROM generate_series(1, 64) d)::vector
               FROM chunk",
        )
        .bind(kb)
        .bind(chunks)
        .execute(&owner)
        .await
        .unwrap();
    }
    sqlx::query("ANALYZE kb_embeddings")
        .execute(&owner)
        .await
        .unwrap();

    // The small team's search comes back full, with its own chunks only: words none of
    // the chunks have, so every hit is one the vector search found.
    let (status, hits) = search(
        &other,
        &other_key,
        &small,
        json!({"query": "zebra quantum", "k": 20}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 20);
    assert!(
        hits.iter()
            .all(|h| h["semantic_rank"].is_u64() && h["lexical_rank"].is_null())
    );
    let (own,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM kb_chunks WHERE knowledge_base_id = $1::uuid AND id = ANY($2::uuid[])",
    )
    .bind(&small)
    .bind(hits.iter().map(|h| h["chunk"]["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap()).collect::<Vec<_>>())
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(own, 20);
    // The huge team's knowledge base, its documents and its search are not there for it.
    let (status, _) = search(&other, &other_key, &huge, json!({"query": "refunds"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [
        format!("/v1/knowledge-bases/{huge}"),
        format!("/v1/knowledge-bases/{huge}/documents"),
    ] {
        let (status, _, _) = send(&other, Method::GET, &path, &other_key, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // And the huge team's own search is full too.
    let (_, hits) = search(
        &app,
        &key,
        &huge,
        json!({"query": "refunds passage", "k": 50}),
    )
    .await;
    assert_eq!(hits.as_array().unwrap().len(), 50);
}

#[tokio::test]
async fn a_deleted_document_or_knowledge_base_is_gone_and_another_team_cannot_delete_them() {
    let (app, key, _llm) = knowledge_app(&[]).await;
    let kb = new_knowledge_base(&app, &key, json!({"name": "scratch"})).await;
    let kb = kb["id"].as_str().unwrap().to_string();
    let document = uploaded_and_indexed(&app, &key, &kb, "refunds.md", REFUNDS.into()).await;
    let document = format!(
        "/v1/knowledge-bases/{kb}/documents/{}",
        document["id"].as_str().unwrap()
    );
    let base = format!("/v1/knowledge-bases/{kb}");
    let (other, _) = app.signed_up("Other Team").await;
    let other_key = key_of(&other).await;
    for path in [&document, &base] {
        let (status, _, _) = send(&other, Method::DELETE, path, &other_key, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let refund = || json!({"query": "refund"});
    let (_, hits) = search(&app, &key, &kb, refund()).await;
    assert!(!hits.as_array().unwrap().is_empty(), "{hits}");

    let (status, _, _) = send(&app, Method::DELETE, &document, &key, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(&app, Method::DELETE, &document, &key, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, hits) = search(&app, &key, &kb, refund()).await;
    assert_eq!(hits, json!([]));

    let (status, _, _) = send(&app, Method::DELETE, &base, &key, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(&app, Method::GET, &base, &key, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn key_of(app: &TestApp) -> String {
    key(app, &["read", "run"]).await
}

#[tokio::test]
async fn a_new_embedding_model_is_moved_to_while_searches_go_on() {
    let (app, key, _llm) = knowledge_app(&[]).await;
    let kb = new_knowledge_base(
        &app,
        &key,
        json!({"name": "moving", "chunk_tokens": 50, "chunk_overlap": 0}),
    )
    .await;
    let kb = kb["id"].as_str().unwrap().to_string();
    let document = uploaded_and_indexed(&app, &key, &kb, "refunds.md", REFUNDS.into()).await;
    let (_, before) = search(&app, &key, &kb, json!({"query": "refund paid"})).await;
    let top = before[0]["chunk"]["id"].clone();

    let (status, moving, _) = send(
        &app,
        Method::PATCH,
        &format!("/v1/knowledge-bases/{kb}"),
        &key,
        Some(json!({"embedding_model": "demo-embed-v2"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moving}");
    assert_eq!(moving["embedding_model"], "demo-embed");
    assert_eq!(moving["next_embedding_model"], "demo-embed-v2");

    // Every search while the move is under way answers, from whichever vectors serve.
    let deadline = Instant::now() + Duration::from_secs(60);
    let moved = loop {
        let (status, hits) = search(&app, &key, &kb, json!({"query": "refund paid"})).await;
        assert_eq!(status, StatusCode::OK, "{hits}");
        assert_eq!(hits[0]["chunk"]["id"], top, "{hits:#}");
        let (_, now, _) = send(
            &app,
            Method::GET,
            &format!("/v1/knowledge-bases/{kb}"),
            &key,
            None,
        )
        .await;
        if now["next_embedding_model"].is_null() {
            break now;
        }
        assert!(Instant::now() < deadline, "still moving: {now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(moved["embedding_model"], "demo-embed-v2");
    assert_eq!(moved["dimensions"], 384);
    let owner = app.owner_pool().await;
    let models: Vec<(String, i64)> = sqlx::query_as(
        "SELECT model, count(*) FROM kb_embeddings WHERE knowledge_base_id = $1::uuid GROUP BY model",
    )
    .bind(&kb)
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(
        models,
        vec![(
            "demo-embed-v2".to_string(),
            document["chunk_count"].as_i64().unwrap()
        )]
    );
    // New documents are embedded with the new model.
    let warranty =
        uploaded_and_indexed(&app, &key, &kb, "warranty.txt", WARRANTY_TEXT.into()).await;
    assert_eq!(warranty["state"], "ready");
    let (_, hits) = search(
        &app,
        &key,
        &kb,
        json!({"query": "warranty accidental damage"}),
    )
    .await;
    assert_eq!(hits[0]["chunk"]["document_id"], warranty["id"]);
}

/// A new agent of this spec (saved with the admin key), run on `q` and awaited.
async fn answered(app: &TestApp, (admin, key): (&str, &str), spec: &str, q: &str) -> Value {
    let agent = crate::conversations::agent(app, admin, json!(spec)).await;
    let (status, run, _) = send(
        app,
        Method::POST,
        &format!("/v1/agents/{agent}/runs?wait=true"),
        key,
        Some(json!({"input": {"q": q}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "succeeded", "{run}");
    run
}

#[tokio::test]
async fn an_agent_answers_from_its_knowledge_base_and_cites_it() {
    let (app, key, llm) = knowledge_app(&[]).await;
    let admin = crate::rest::key(&app, &["read", "run", "admin"]).await;
    let kb = new_knowledge_base(
        &app,
        &key,
        json!({"name": "support", "chunk_tokens": 60, "chunk_overlap": 0}),
    )
    .await;
    let kb = kb["id"].as_str().unwrap().to_string();
    let refunds = uploaded_and_indexed(&app, &key, &kb, "refunds.md", REFUNDS.into()).await;

    // A spec naming a knowledge base the team does not have is refused where it says so.
    let (status, problem, _) = send(
        &app,
        Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({"spec": "name: Helper\ninstructions: Answer {{input.q}}\ninputs:\n  q: {type: string, required: true}\nknowledge: [support, handbook]\n"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let error = &problem["errors"][0];
    assert_eq!(error["field"], "spec.knowledge[1]", "{problem}");
    assert_eq!(error["line"], 5);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no knowledge base is named `handbook`; the team's are support"),
        "{problem}"
    );

    // The model searches with the tool, and its answer cites the passage as [1]; the
    // trace keeps the query, the passages and where each came from.
    let run = answered(
        &app,
        (&admin, &key),
        "name: Helper\ninstructions: Answer {{input.q}} from the knowledge base.\ninputs:\n  q: {type: string, required: true}\nknowledge: [support]\n",
        "When is a refund paid? [fake:tool=knowledge_search {\"query\": \"refund paid\"}]",
    )
    .await;
    let answer = run["output"].as_str().unwrap_or_default().to_string();
    assert!(answer.contains("[1] (refunds.md) # Refunds"), "{answer}");
    let search = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["kind"] == "tool_call")
        .unwrap_or_else(|| panic!("no search in {run:#}"));
    assert_eq!(search["detail"]["tool"], "knowledge_search");
    assert_eq!(search["detail"]["input"]["query"], "refund paid");
    let citation = &search["detail"]["citations"][0];
    assert_eq!(citation["n"], 1);
    assert_eq!(citation["document_id"], refunds["id"]);
    assert_eq!(citation["document"], "refunds.md");
    assert!(citation["score"].as_f64().unwrap() > 0.0);
    // The model was offered the tool.
    let offered = llm.calls().iter().any(|call| {
        call.body["tools"].as_array().is_some_and(|tools| {
            tools
                .iter()
                .any(|t| t["function"]["name"] == "knowledge_search")
        })
    });
    assert!(offered);

    // Always-retrieving: the passages are in front of the model before its first call.
    let run = answered(
        &app,
        (&admin, &key),
        "name: Always\ninstructions: Answer {{input.q}}\ninputs:\n  q: {type: string, required: true}\nknowledge:\n  bases: [support]\n  mode: always\n  results: 2\n",
        "Are gift cards refundable?",
    )
    .await;
    let retrieval = &run["steps"][0];
    assert_eq!(retrieval["kind"], "tool_call", "{run:#}");
    assert_eq!(retrieval["detail"]["before_first_call"], true);
    assert!(retrieval["detail"]["citations"].as_array().unwrap().len() <= 2);
    let last = llm.calls().last().unwrap().body.clone();
    let system = last["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        system.contains("Passages from the team's knowledge bases")
            && system.contains("Gift cards"),
        "{last:#}"
    );
    assert!(last["tools"].is_null(), "no tool offered: {last:#}");

    // Ranked by words only, as the spec asks: no passage has a place by meaning.
    let run = answered(
        &app,
        (&admin, &key),
        "name: Words\ninstructions: Answer {{input.q}}\ninputs:\n  q: {type: string, required: true}\nknowledge:\n  bases: [support]\n  mode: always\n  retrieval: keyword\n",
        "Are gift cards refundable?",
    )
    .await;
    let citations = run["steps"][0]["detail"]["citations"].as_array().unwrap();
    assert!(!citations.is_empty(), "{run:#}");
    assert!(
        citations
            .iter()
            .all(|c| c["semantic_rank"].is_null() && c["lexical_rank"].is_number()),
        "{run:#}"
    );
}

#[tokio::test]
async fn a_page_is_imported_through_the_outbound_guard() {
    // A small site of our own, the one address the guard lets through.
    let site = axum::Router::new()
        .route(
            "/help/shipping",
            axum::routing::get(|| async { axum::response::Html(SHIPPING_HTML) }),
        )
        .route(
            "/moved",
            axum::routing::get(|| async { axum::response::Redirect::to("/help/shipping") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, site).await });
    let (app, key, _llm) = knowledge_app(&[("OUTBOUND_ALLOWLIST", &authority)]).await;
    let kb = new_knowledge_base(&app, &key, json!({"name": "imported"})).await;
    let kb = kb["id"].as_str().unwrap().to_string();
    let import = |url: String| {
        let (app, key, kb) = (&app, &key, &kb);
        async move {
            send(
                app,
                Method::POST,
                &format!("/v1/knowledge-bases/{kb}/documents/import"),
                key,
                Some(json!({"url": url, "tags": ["web"]})),
            )
            .await
        }
    };

    // Redirects are followed; the document is named by where it came from.
    let (status, imported, _) = import(format!("http://{authority}/moved")).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    let page = format!("http://{authority}/help/shipping");
    assert_eq!(imported["document"]["name"], page);
    assert_eq!(imported["document"]["source_url"], page);
    assert_eq!(imported["document"]["media_type"], "text/html");
    assert_eq!(imported["document"]["tags"], json!(["web"]));
    let ready = indexed(
        &app,
        &key,
        &kb,
        imported["document"]["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(ready["state"], "ready", "{ready}");
    // The same page again changes nothing.
    let (status, again, _) = import(page.clone()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["outcome"], "unchanged");

    // A page that is not there, and addresses the guard refuses: 422, nothing made.
    for (url, words) in [
        (format!("http://{authority}/nowhere"), "answered HTTP 404"),
        (
            "http://127.0.0.1:1/private".to_string(),
            "Could not fetch it",
        ),
        (
            "http://169.254.169.254/latest/meta-data".to_string(),
            "Could not fetch it",
        ),
        ("file:///etc/passwd".to_string(), "Could not fetch it"),
    ] {
        let (status, problem, _) = import(url.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "url");
        assert!(
            problem["detail"].as_str().unwrap().contains(words),
            "{url}: {problem}"
        );
    }
    let (_, documents, _) = send(
        &app,
        Method::GET,
        &format!("/v1/knowledge-bases/{kb}/documents"),
        &key,
        None,
    )
    .await;
    assert_eq!(documents.as_array().unwrap().len(), 1);
}
