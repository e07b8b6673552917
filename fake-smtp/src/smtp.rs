//! The SMTP side: one task per connection, a line at a time (RFC 5321). Any credentials
//! are accepted; nothing is relayed.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::inbox::Inbox;

/// The largest message kept; a larger one ends the connection.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;
const MAX_LINE: usize = 4096;

pub(crate) async fn serve(
    listener: TcpListener,
    inbox: Arc<Inbox>,
    mut stopped: watch::Receiver<()>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(session(stream, Arc::clone(&inbox)));
                }
            }
            _ = stopped.changed() => return,
        }
    }
}

async fn session(stream: TcpStream, inbox: Arc<Inbox>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 fake-smtp ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = Vec::new();
    loop {
        if !read_line(&mut read, &mut line, MAX_LINE).await? {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let verb = command
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-fake-smtp\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN\r\n",
            "HELO" => b"250 fake-smtp\r\n",
            "AUTH" => {
                // `AUTH PLAIN <credentials>`, or the credentials on the next line.
                if command.split(' ').nth(2).is_none() {
                    write.write_all(b"334 \r\n").await?;
                    if !read_line(&mut read, &mut line, MAX_LINE).await? {
                        return Ok(());
                    }
                }
                b"235 2.7.0 Authentication succeeded\r\n"
            }
            "MAIL" => {
                from = address(&command);
                to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                to.push(address(&command));
                b"250 2.1.5 OK\r\n"
            }
            "DATA" if to.is_empty() => b"503 5.5.1 RCPT first\r\n",
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let Some(message) = read_data(&mut read).await? else {
                    write.write_all(b"552 5.3.4 Message too big\r\n").await?;
                    return Ok(());
                };
                inbox.receive(std::mem::take(&mut from), std::mem::take(&mut to), &message);
                b"250 2.0.0 OK: kept, not delivered\r\n"
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// Reads one line into `line` (with its line ending); `false` at the end of the stream.
async fn read_line(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<bool> {
    line.clear();
    let read = (&mut *reader)
        .take(max as u64)
        .read_until(b'\n', line)
        .await?;
    Ok(read > 0)
}

/// The message after DATA, up to the lone dot, with dot-stuffing undone; `None` when
/// it is too big.
async fn read_data(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut message = Vec::new();
    let mut line = Vec::new();
    loop {
        if !read_line(read, &mut line, MAX_LINE * 4).await? {
            return Ok(None);
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(message));
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        message.extend_from_slice(unstuffed);
        if message.len() > MAX_MESSAGE {
            return Ok(None);
        }
    }
}

/// The address in `MAIL FROM:<a@b>` or `RCPT TO:<a@b>`.
fn address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::address;

    #[test]
    fn addresses_come_out_of_their_brackets() {
        assert_eq!(
            address("MAIL FROM:<a@example.com> SIZE=10"),
            "a@example.com"
        );
        assert_eq!(address("RCPT TO:<b@example.com>"), "b@example.com");
        assert_eq!(address("RCPT TO:b@example.com"), "");
    }
}
