//! The TLS certificates the pool's https connections were verified with. rustls verifies each server's
//! chain against the Mozilla roots (plus any extra roots the config names) as usual; the verifier here
//! delegates that unchanged and, on the way, notes when the server's own certificate expires, so the
//! website audit can warn about a certificate near its end without a second handshake.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use x509_cert::der::Decode;

use super::FetchError;

/// Hosts remembered at most; the memo is emptied when it fills (a long crawl meets each host once, and
/// the audit reads a host's entry right after its pages were fetched).
const MEMO_HOSTS: usize = 4096;

/// When each host's certificate stops being valid (Unix seconds), as last seen in a handshake.
#[derive(Debug, Default)]
pub(crate) struct CertificateMemo {
    not_after: Mutex<HashMap<String, i64>>,
}

impl CertificateMemo {
    pub(crate) fn not_after(&self, host: &str) -> Option<i64> {
        self.not_after.lock().unwrap_or_else(|e| e.into_inner()).get(host).copied()
    }

    fn note(&self, host: String, not_after: i64) {
        let mut memo = self.not_after.lock().unwrap_or_else(|e| e.into_inner());
        if memo.len() >= MEMO_HOSTS && !memo.contains_key(&host) {
            memo.clear();
        }
        memo.insert(host, not_after);
    }
}

/// The end of a DER certificate's validity, in Unix seconds.
pub(crate) fn not_after(der: &[u8]) -> Option<i64> {
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    i64::try_from(cert.tbs_certificate.validity.not_after.to_unix_duration().as_secs()).ok()
}

#[derive(Debug)]
struct Recording {
    verifier: Arc<WebPkiServerVerifier>,
    memo: Arc<CertificateMemo>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        if let Some(at) = not_after(end_entity) {
            self.memo.note(server_name.to_str().to_ascii_lowercase(), at);
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.verifier.supported_verify_schemes()
    }
}

/// The pool's TLS client: the Mozilla roots and `extra_roots` (DER), the usual verification, and the memo
/// it fills.
pub(crate) fn client_config(extra_roots: &[Vec<u8>]) -> Result<(ClientConfig, Arc<CertificateMemo>), FetchError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for (i, der) in extra_roots.iter().enumerate() {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| FetchError::Tls(format!("extra root certificate {}: {e}", i + 1)))?;
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .build()
        .map_err(|e| FetchError::Tls(e.to_string()))?;
    let memo = Arc::new(CertificateMemo::default());
    let recording = Arc::new(Recording { verifier, memo: Arc::clone(&memo) });
    let config = ClientConfig::builder_with_provider(provider as Arc<CryptoProvider>)
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recording)
        .with_no_client_auth();
    Ok((config, memo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_stays_bounded() {
        let memo = CertificateMemo::default();
        for i in 0..MEMO_HOSTS + 10 {
            memo.note(format!("host{i}.test"), 1);
        }
        assert!(memo.not_after.lock().unwrap().len() <= MEMO_HOSTS);
        assert_eq!(memo.not_after(&format!("host{}.test", MEMO_HOSTS + 9)), Some(1));
    }

    #[test]
    fn garbage_is_no_certificate() {
        assert_eq!(not_after(b"not a certificate"), None);
    }
}
