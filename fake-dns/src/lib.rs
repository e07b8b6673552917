//! A fake DNS server: answers TXT queries over UDP, in the real wire format, from records
//! a test (or a person trying single sign-on locally) sets. Domain verification then runs
//! exactly as in production: the server's resolver asks a name server, which answers.
//!
//! Records are set in process ([`FakeDns::set_txt`]) or over HTTP:
//! `PUT /records/<name>` with one TXT value per line, `DELETE /records/<name>`, and
//! `GET /records` to list them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::sync::watch;

/// TXT values by name (lowercase, without the final dot).
type Zone = Arc<Mutex<HashMap<String, Vec<String>>>>;

pub struct FakeDns {
    dns_addr: SocketAddr,
    http_addr: SocketAddr,
    zone: Zone,
    _shutdown: watch::Sender<()>,
}

impl FakeDns {
    /// Serves DNS on `dns_addr` (UDP) and the record API on `http_addr` (TCP).
    pub async fn start(dns_addr: &str, http_addr: &str) -> std::io::Result<FakeDns> {
        let socket = UdpSocket::bind(dns_addr).await?;
        let listener = tokio::net::TcpListener::bind(http_addr).await?;
        let (dns_addr, http_addr) = (socket.local_addr()?, listener.local_addr()?);
        let zone = Zone::default();
        let (shutdown, stopped) = watch::channel(());
        tokio::spawn(answer(socket, zone.clone(), stopped.clone()));
        let api = Router::new()
            .route("/records", get(list))
            .route("/records/{name}", put(set).delete(remove))
            .with_state(zone.clone());
        let mut stopped = stopped;
        tokio::spawn(async move {
            let _ = axum::serve(listener, api)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await;
        });
        Ok(FakeDns {
            dns_addr,
            http_addr,
            zone,
            _shutdown: shutdown,
        })
    }

    /// Where to send queries: what the app's `DNS_RESOLVER` names.
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns_addr
    }

    /// `http://127.0.0.1:PORT`: the record API.
    pub fn api(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Publishes `values` as the TXT records of `name` (none removes them).
    pub fn set_txt(&self, name: &str, values: Vec<String>) {
        store(&self.zone, name, values);
    }
}

fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn store(zone: &Zone, name: &str, values: Vec<String>) {
    let mut zone = zone.lock().unwrap_or_else(PoisonError::into_inner);
    if values.is_empty() {
        zone.remove(&normalise(name));
    } else {
        zone.insert(normalise(name), values);
    }
}

async fn answer(socket: UdpSocket, zone: Zone, mut stopped: watch::Receiver<()>) {
    let mut buffer = vec![0_u8; 4096];
    loop {
        let (len, from) = tokio::select! {
            received = socket.recv_from(&mut buffer) => match received {
                Ok(received) => received,
                Err(_) => continue,
            },
            _ = stopped.changed() => return,
        };
        let Ok(query) = Message::from_vec(&buffer[..len]) else {
            continue;
        };
        if let Ok(bytes) = respond(&query, &zone).to_vec() {
            let _ = socket.send_to(&bytes, from).await;
        }
    }
}

/// The answer to one query: its TXT records, or NXDOMAIN for a name without any.
fn respond(query: &Message, zone: &Zone) -> Message {
    let mut response = Message::response(query.metadata.id, query.metadata.op_code);
    response.metadata.message_type = MessageType::Response;
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = query.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.queries = query.queries.clone();
    response.edns = query.edns.clone();
    let zone = zone.lock().unwrap_or_else(PoisonError::into_inner);
    for question in &query.queries {
        let name = normalise(&question.name().to_ascii());
        match zone.get(&name) {
            Some(values) if question.query_type() == RecordType::TXT => {
                for value in values {
                    let data = RData::TXT(TXT::new(vec![value.clone()]));
                    response.add_answer(Record::from_rdata(question.name().clone(), 0, data));
                }
            }
            Some(_) => {}
            None => response.metadata.response_code = ResponseCode::NXDomain,
        }
    }
    response
}

async fn list(State(zone): State<Zone>) -> String {
    let zone = zone.lock().unwrap_or_else(PoisonError::into_inner);
    let mut lines: Vec<String> = zone
        .iter()
        .flat_map(|(name, values)| values.iter().map(move |v| format!("{name} TXT \"{v}\"")))
        .collect();
    lines.sort();
    lines.join("\n")
}

async fn set(State(zone): State<Zone>, Path(name): Path<String>, body: String) -> StatusCode {
    let values: Vec<String> = body
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    store(&zone, &name, values);
    StatusCode::NO_CONTENT
}

async fn remove(State(zone): State<Zone>, Path(name): Path<String>) -> StatusCode {
    store(&zone, &name, Vec::new());
    StatusCode::NO_CONTENT
}
