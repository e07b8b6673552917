//! What the fake received: each message parsed once, on arrival, into what tests and the
//! web inbox read (subject, text, HTML), with the envelope beside it.

use std::sync::Mutex;
use std::time::Duration;

use mail_parser::MessageParser;
use serde::Serialize;
use tokio::sync::watch;

#[derive(Debug, Clone, Serialize)]
pub struct Mail {
    pub id: usize,
    /// The envelope's sender and recipients (`MAIL FROM`, `RCPT TO`).
    pub from: String,
    pub to: Vec<String>,
    /// The `From` header, as the reader sees it.
    pub from_header: String,
    pub subject: String,
    pub text: String,
    /// The HTML part (made from the text when the message has none).
    pub html: Option<String>,
}

#[derive(Default)]
pub(crate) struct Inbox {
    mails: Mutex<Vec<Mail>>,
    /// How many messages have arrived; waiters watch it.
    arrived: watch::Sender<usize>,
}

impl Inbox {
    pub(crate) fn receive(&self, from: String, to: Vec<String>, raw: &[u8]) {
        let parsed = MessageParser::default().parse(raw);
        let text = |part: Option<std::borrow::Cow<'_, str>>| part.map(|t| t.into_owned());
        let (from_header, subject, body, html) = match &parsed {
            Some(message) => (
                message
                    .from()
                    .and_then(|a| a.first())
                    .map(|a| match (&a.name, &a.address) {
                        (Some(name), Some(address)) => format!("{name} <{address}>"),
                        (_, Some(address)) => address.to_string(),
                        _ => String::new(),
                    })
                    .unwrap_or_default(),
                message.subject().unwrap_or_default().to_owned(),
                text(message.body_text(0)).unwrap_or_default(),
                text(message.body_html(0)),
            ),
            None => Default::default(),
        };
        let Ok(mut mails) = self.mails.lock() else {
            return;
        };
        let id = mails.len();
        mails.push(Mail {
            id,
            from,
            to,
            from_header,
            subject,
            text: body,
            html,
        });
        self.arrived.send_replace(mails.len());
    }

    pub(crate) fn all(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub(crate) fn get(&self, id: usize) -> Option<Mail> {
        self.mails.lock().ok()?.get(id).cloned()
    }

    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        pick: impl Fn(&[Mail]) -> Option<Mail>,
    ) -> Option<Mail> {
        let mut arrived = self.arrived.subscribe();
        let wait = async {
            loop {
                if let Some(mail) = pick(&self.mails.lock().ok()?) {
                    return Some(mail);
                }
                arrived.changed().await.ok()?;
            }
        };
        tokio::time::timeout(timeout, wait).await.ok().flatten()
    }
}
