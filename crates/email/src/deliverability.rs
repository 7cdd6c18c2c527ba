//! Whether mail to an address would arrive, in three states: `valid` only when the domain's server
//! accepted the recipient and refused a random one; `invalid` when the address cannot work (bad syntax, a
//! domain that does not exist or takes no mail, a disposable service, a recipient the server refused);
//! `unknown` otherwise — catch-all servers, unreachable servers, temporary answers and unchecked
//! addresses are never called valid.

use leadsmith_core::Email;
use serde::{Deserialize, Serialize};

use crate::{DomainSignals, SmtpVerdict, classify};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    Invalid,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliverability {
    pub status: Status,
    pub reason: String,
}

/// Judges `address` from what DNS said of its domain and, when the RCPT check ran, what the server said.
pub fn judge(address: &str, dns: Option<&DomainSignals>, smtp: Option<&SmtpVerdict>) -> Deliverability {
    let verdict = |status, reason: &str| Deliverability { status, reason: reason.to_string() };
    let Ok(email) = Email::parse(address) else {
        return verdict(Status::Invalid, "not a valid address");
    };
    let (local, domain) = email.as_str().rsplit_once('@').unwrap_or_default();
    if classify(local, domain).disposable {
        return verdict(Status::Invalid, "a disposable-address service");
    }
    if let Some(d) = dns {
        if d.nx_domain {
            return verdict(Status::Invalid, "the domain does not exist");
        }
        if d.null_mx {
            return verdict(Status::Invalid, "the domain publishes that it takes no mail (null MX)");
        }
        if d.mx.is_empty() && !d.has_address && d.error.is_none() {
            return verdict(Status::Invalid, "the domain has neither MX records nor an address");
        }
    }
    match smtp {
        Some(SmtpVerdict::Accepted { catch_all: false }) => {
            verdict(Status::Valid, "the mail server accepts this recipient and refuses unknown ones")
        }
        Some(SmtpVerdict::Accepted { catch_all: true }) => {
            verdict(Status::Unknown, "the mail server accepts any recipient (catch-all)")
        }
        Some(SmtpVerdict::Rejected { code, message }) => Deliverability {
            status: Status::Invalid,
            reason: format!("the mail server refused this recipient ({code} {message})"),
        },
        Some(SmtpVerdict::Inconclusive { code, message }) => Deliverability {
            status: Status::Unknown,
            reason: format!("the mail server did not say ({code} {message})"),
        },
        Some(SmtpVerdict::Unreachable { reason }) => Deliverability {
            status: Status::Unknown,
            reason: format!("the mail server could not be reached: {reason}"),
        },
        None => match dns {
            Some(d) if d.error.is_some() => Deliverability {
                status: Status::Unknown,
                reason: format!("DNS lookup incomplete: {}", d.error.as_deref().unwrap_or_default()),
            },
            Some(d) if !d.mx.is_empty() => {
                verdict(Status::Unknown, "the domain takes mail; the recipient was not checked")
            }
            Some(_) => verdict(Status::Unknown, "the domain has no MX but an address; the recipient was not checked"),
            None => verdict(Status::Unknown, "not checked"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mx;

    fn with_mx() -> DomainSignals {
        DomainSignals {
            domain: "acme.test".into(),
            mx: vec![Mx { priority: 10, host: "mx.acme.test".into() }],
            ..Default::default()
        }
    }

    #[test]
    fn three_states_with_reasons() {
        let s = |d: Deliverability| d.status;
        assert_eq!(s(judge("not an address", None, None)), Status::Invalid);
        assert_eq!(s(judge("x@mailinator.com", None, None)), Status::Invalid);
        let nx = DomainSignals { nx_domain: true, ..Default::default() };
        assert_eq!(judge("jo@nowhere.test", Some(&nx), None).reason, "the domain does not exist");
        let null = DomainSignals { null_mx: true, ..Default::default() };
        assert_eq!(s(judge("jo@acme.test", Some(&null), None)), Status::Invalid);
        assert_eq!(s(judge("jo@acme.test", Some(&DomainSignals::default()), None)), Status::Invalid);
        assert_eq!(s(judge("jo@acme.test", Some(&with_mx()), None)), Status::Unknown);
        let ok = SmtpVerdict::Accepted { catch_all: false };
        assert_eq!(s(judge("jo@acme.test", Some(&with_mx()), Some(&ok))), Status::Valid);
        let all = SmtpVerdict::Accepted { catch_all: true };
        assert_eq!(
            judge("jo@acme.test", Some(&with_mx()), Some(&all)).reason,
            "the mail server accepts any recipient (catch-all)"
        );
        let no = SmtpVerdict::Rejected { code: 550, message: "no such user".into() };
        assert_eq!(s(judge("jo@acme.test", Some(&with_mx()), Some(&no))), Status::Invalid);
        let grey = SmtpVerdict::Inconclusive { code: 451, message: "try later".into() };
        assert_eq!(s(judge("jo@acme.test", Some(&with_mx()), Some(&grey))), Status::Unknown);
        let down = SmtpVerdict::Unreachable { reason: "timed out".into() };
        assert_eq!(s(judge("jo@acme.test", Some(&with_mx()), Some(&down))), Status::Unknown);
        let failed = DomainSignals { error: Some("MX: timed out".into()), ..Default::default() };
        assert_eq!(s(judge("jo@acme.test", Some(&failed), None)), Status::Unknown);
    }
}
