//! A fake SMTP server for tests and local demos. It speaks enough SMTP for a real client
//! (lettre, here) to deliver to it — EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT —
//! keeps every message instead of delivering it, and shows them in a web inbox with a
//! JSON API. Tests read mail through [`FakeSmtp::wait_for`] (in-process) or
//! `GET /mails?to=…` (over HTTP), never by peeking at the sender's database.

mod inbox;
mod smtp;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use inbox::Inbox;
pub use inbox::Mail;

/// A running fake. Dropping it stops both servers.
pub struct FakeSmtp {
    smtp: SocketAddr,
    web: Option<SocketAddr>,
    inbox: Arc<Inbox>,
    _shutdown: watch::Sender<()>,
}

impl FakeSmtp {
    /// SMTP only, for tests.
    pub async fn start(smtp_addr: &str) -> std::io::Result<FakeSmtp> {
        Self::listen(smtp_addr, None).await
    }

    /// SMTP and the web inbox beside it.
    pub async fn start_with_inbox(smtp_addr: &str, web_addr: &str) -> std::io::Result<FakeSmtp> {
        Self::listen(smtp_addr, Some(web_addr)).await
    }

    async fn listen(smtp_addr: &str, web_addr: Option<&str>) -> std::io::Result<FakeSmtp> {
        let (shutdown, stopped) = watch::channel(());
        let inbox = Arc::new(Inbox::default());
        let listener = TcpListener::bind(smtp_addr).await?;
        let smtp = listener.local_addr()?;
        tokio::spawn(smtp::serve(listener, Arc::clone(&inbox), stopped.clone()));
        let web = match web_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr).await?;
                let web = listener.local_addr()?;
                tokio::spawn(web::serve(listener, Arc::clone(&inbox), stopped));
                Some(web)
            }
            None => None,
        };
        Ok(FakeSmtp {
            smtp,
            web,
            inbox,
            _shutdown: shutdown,
        })
    }

    /// `smtp://127.0.0.1:PORT`: what `SMTP_URL` is set to.
    pub fn smtp_url(&self) -> String {
        format!("smtp://{}", self.smtp)
    }

    /// The web inbox, when started with one.
    pub fn web_url(&self) -> Option<String> {
        self.web.map(|addr| format!("http://{addr}"))
    }

    /// Every message received so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        self.inbox.all()
    }

    /// What `pick` finds among the messages received, waiting up to `timeout` for it to
    /// arrive.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        pick: impl Fn(&[Mail]) -> Option<Mail>,
    ) -> Option<Mail> {
        self.inbox.wait_for(timeout, pick).await
    }
}
