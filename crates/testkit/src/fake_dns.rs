//! A DNS server on loopback UDP (and TCP, for answers too long for a datagram) answering from a zone given
//! in the test: the outside world of the email signals' MX, TXT and address lookups. Names not in the zone
//! are NXDOMAIN; a name in it without records of the asked type answers NOERROR with none.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, MX, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinEncodable};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// One record of the fake zone.
#[derive(Debug, Clone)]
pub enum Rec {
    Mx(u16, &'static str),
    Txt(&'static str),
    Addr(IpAddr),
}

/// A zone: name (without the trailing dot) → its records.
pub type Zone = BTreeMap<String, Vec<Rec>>;

/// The server; stops when dropped.
pub struct FakeDns {
    pub addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn answer(zone: &Zone, query: &Message) -> Message {
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(query.recursion_desired())
        .set_recursion_available(true)
        .set_authoritative(true);
    reply.add_queries(query.queries().to_vec());
    let Some(q) = query.queries().first() else {
        reply.set_response_code(ResponseCode::FormErr);
        return reply;
    };
    let name = q.name().to_ascii().trim_end_matches('.').to_ascii_lowercase();
    let Some(records) = zone.get(&name) else {
        reply.set_response_code(ResponseCode::NXDomain);
        return reply;
    };
    for rec in records {
        let rdata = match (rec, q.query_type()) {
            (Rec::Mx(pref, host), RecordType::MX) => {
                RData::MX(MX::new(*pref, Name::from_ascii(format!("{host}.")).expect("a host name")))
            }
            (Rec::Txt(text), RecordType::TXT) => RData::TXT(TXT::new(vec![text.to_string()])),
            (Rec::Addr(IpAddr::V4(ip)), RecordType::A) => RData::A(A(*ip)),
            (Rec::Addr(IpAddr::V6(ip)), RecordType::AAAA) => RData::AAAA(AAAA(*ip)),
            _ => continue,
        };
        reply.add_answer(Record::from_rdata(q.name().clone(), 60, rdata));
    }
    reply
}

impl FakeDns {
    /// Serves `zone` on a free loopback port (the same port for UDP and TCP).
    pub async fn start(zone: Zone) -> Self {
        let zone = Arc::new(zone);
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let addr = tcp.local_addr().expect("an address");
        let udp = UdpSocket::bind(addr).await.expect("the same port over UDP");
        let udp_zone = zone.clone();
        let udp_task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, peer)) = udp.recv_from(&mut buf).await else { return };
                let Ok(query) = Message::from_bytes(&buf[..n]) else { continue };
                let mut reply = answer(&udp_zone, &query);
                let mut bytes = reply.to_bytes().unwrap_or_default();
                if bytes.len() > 512 {
                    // Too long for a datagram: truncated, the client asks again over TCP.
                    reply.take_answers();
                    reply.set_truncated(true);
                    bytes = reply.to_bytes().unwrap_or_default();
                }
                let _ = udp.send_to(&bytes, peer).await;
            }
        });
        let tcp_task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = tcp.accept().await else { return };
                let zone = zone.clone();
                tokio::spawn(async move {
                    loop {
                        let Ok(len) = stream.read_u16().await else { return };
                        let mut buf = vec![0u8; usize::from(len)];
                        if stream.read_exact(&mut buf).await.is_err() {
                            return;
                        }
                        let Ok(query) = Message::from_bytes(&buf) else { return };
                        let bytes = answer(&zone, &query).to_bytes().unwrap_or_default();
                        let Ok(len) = u16::try_from(bytes.len()) else { return };
                        if stream.write_u16(len).await.is_err() || stream.write_all(&bytes).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { addr, tasks: vec![udp_task, tcp_task] }
    }
}
