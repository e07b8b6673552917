//! Outgoing email: SMTP through `lettre` (TLS or STARTTLS, with authentication), fed by
//! a durable outbox. An action that sends mail writes an outbox row in its own
//! transaction ([`outbox::enqueue`]); the workers send it ([`sender`]), retrying with
//! backoff, and count each outcome in `/metrics`. Without `SMTP_URL` email is off and
//! the features that need it say so.

pub mod outbox;
pub mod sender;
pub mod templates;

use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentTransferEncoding};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Secret;
pub use templates::Rendered;

/// `SMTP_URL` and `MAIL_FROM`.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtps://user:pass@host:465` (TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), or `smtp://host:port` (plain, for a local sink).
    pub smtp_url: Secret,
    pub from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("SMTP_URL is not a usable SMTP address: {0}")]
    Url(lettre::transport::smtp::Error),
    #[error("MAIL_FROM is not an email address: {0}")]
    From(lettre::address::AddressError),
    #[error("not a deliverable address")]
    Recipient(#[from] lettre::address::AddressError),
    #[error("the message could not be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP server refused or could not be reached: {0}")]
    Send(#[from] lettre::transport::smtp::Error),
}

impl MailError {
    /// A failure sending again cannot fix (the address is malformed).
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Recipient(_) | MailError::Build(_) => true,
            MailError::Send(error) => error.is_permanent(),
            MailError::Url(_) | MailError::From(_) => false,
        }
    }
}

/// The SMTP connection pool and the sender's address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose())
            .map_err(MailError::Url)?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = settings.from.parse().map_err(MailError::From)?;
        Ok(Self { transport, from })
    }

    /// Sends `mail` to `to` as text and HTML alternatives.
    pub async fn send(&self, to: &str, mail: &Rendered) -> Result<(), MailError> {
        // Quoted-printable keeps the text readable in the raw message and safe on 7-bit
        // relays, whatever the template's characters.
        let part = |content_type, body: &str| {
            SinglePart::builder()
                .header(content_type)
                .header(ContentTransferEncoding::QuotedPrintable)
                .body(body.to_owned())
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(&mail.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(part(
                        lettre::message::header::ContentType::TEXT_PLAIN,
                        &mail.text,
                    ))
                    .singlepart(part(
                        lettre::message::header::ContentType::TEXT_HTML,
                        &mail.html,
                    )),
            )?;
        self.transport.send(message).await?;
        Ok(())
    }
}
