//! TLS to PostgreSQL with rustls, configured the way libpq is: `sslmode` and `sslrootcert` (plus `sslcert` /
//! `sslkey` for client certificates) in the URL's query string. tokio-postgres itself knows only
//! `disable`/`prefer`/`require` and no certificate options, so [`split`] takes ours out of the URL, leaves
//! the rest to tokio-postgres and builds the rustls configuration that gives each mode libpq's meaning:
//!
//! | `sslmode` | encrypted | server certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `allow`, `prefer` (default) | when the server offers TLS | no (as libpq, unless `sslrootcert` is set) |
//! | `require` | always | no; with `sslrootcert` the chain is checked (as `verify-ca`, like libpq) |
//! | `verify-ca` | always | chain to `sslrootcert` |
//! | `verify-full` | always | chain to `sslrootcert` and the host name |
//!
//! `sslrootcert` is a PEM file of one or more CA certificates (a self-signed server certificate is its own
//! CA), or `system` for the bundled Mozilla root set (which, as in libpq, implies `verify-full`). Without it,
//! `~/.postgresql/root.crt` is used when it exists, as libpq does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode as WireMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{Result, StoreError};

/// The connector every PostgreSQL connection of a store uses (pool, listener, scratch schemas).
pub(crate) type Tls = MakeRustlsConnect;

/// The stream type of a connection made with [`Tls`].
pub(crate) type TlsStream = <Tls as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::Stream;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self> {
        Ok(match value {
            "disable" => Self::Disable,
            // libpq's `allow` tries plain TCP first; tokio-postgres cannot, and TLS-when-offered is the
            // safer reading of "either is fine".
            "allow" | "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(StoreError::Pool(format!(
                    "invalid PostgreSQL URL: sslmode={other:?} is not one of disable, allow, prefer, require, \
                     verify-ca, verify-full"
                )));
            }
        })
    }

    fn wire(self) -> WireMode {
        match self {
            Self::Disable => WireMode::Disable,
            Self::Prefer => WireMode::Prefer,
            Self::Require | Self::VerifyCa | Self::VerifyFull => WireMode::Require,
        }
    }
}

/// What the URL asked of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlsOptions {
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file, or `system`.
    pub root_cert: Option<String>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// Options libpq has that we do not honour: refused by name rather than silently ignored.
const UNSUPPORTED: [&str; 4] = ["sslcrl", "sslcrldir", "sslpassword", "sslcertmode"];

/// Splits `url` into the URL tokio-postgres should parse (our TLS options removed) and those options.
pub(crate) fn split(url: &str) -> Result<(String, TlsOptions)> {
    let mut options = TlsOptions { mode: SslMode::Prefer, root_cert: None, client_cert: None, client_key: None };
    let Some((base, query)) = url.split_once('?') else { return Ok((url.to_string(), options)) };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| StoreError::Pool(format!("invalid PostgreSQL URL: {key} is not valid UTF-8")))?;
        match key {
            "sslmode" => options.mode = SslMode::parse(&value)?,
            "sslrootcert" => options.root_cert = Some(value.into_owned()),
            "sslcert" => options.client_cert = Some(PathBuf::from(value.as_ref())),
            "sslkey" => options.client_key = Some(PathBuf::from(value.as_ref())),
            k if UNSUPPORTED.contains(&k) => {
                return Err(StoreError::Pool(format!(
                    "invalid PostgreSQL URL: {k} is not supported (supported TLS options: sslmode, sslrootcert, \
                     sslcert, sslkey)"
                )));
            }
            _ => kept.push(pair),
        }
    }
    if options.client_cert.is_some() != options.client_key.is_some() {
        return Err(StoreError::Pool(
            "invalid PostgreSQL URL: sslcert and sslkey go together (a client certificate needs its key)".into(),
        ));
    }
    if options.root_cert.as_deref() == Some("system") && options.mode != SslMode::Disable {
        // As libpq: trusting every public CA is only safe when the host name is checked too.
        options.mode = SslMode::VerifyFull;
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((url, options))
}

/// The tokio-postgres mode for `options` (verification is the connector's business).
pub(crate) fn wire_mode(options: &TlsOptions) -> WireMode {
    options.mode.wire()
}

/// The connector for `options`: reads the certificate files now, so a missing or unreadable file is an error
/// at start-up, not at the first query.
pub(crate) fn connector(options: &TlsOptions) -> Result<Tls> {
    connector_with(options, default_root_file())
}

/// [`connector`] with libpq's default root file (`~/.postgresql/root.crt` when it exists) given.
fn connector_with(options: &TlsOptions, default_root: Option<PathBuf>) -> Result<Tls> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = match (&options.root_cert, options.mode) {
        (_, SslMode::Disable) => None,
        (Some(root), _) => Some(load_roots(root)?),
        (None, mode) => match default_root {
            Some(path) => Some(load_roots(&path.to_string_lossy())?),
            None if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) => {
                return Err(StoreError::Pool(format!(
                    "sslmode={} needs the CA that signed the server's certificate: add sslrootcert=/path/to/ca.pem \
                     to the URL (or sslrootcert=system for the public CAs, or create ~/.postgresql/root.crt)",
                    if mode == SslMode::VerifyCa { "verify-ca" } else { "verify-full" }
                )));
            }
            None => None,
        },
    };
    let algorithms = provider.signature_verification_algorithms;
    let verifier: Arc<dyn ServerCertVerifier> = match roots {
        None => Arc::new(LibpqVerifier { chain: None, algorithms }),
        Some(roots) => {
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| StoreError::Pool(format!("PostgreSQL TLS: {e}")))?;
            if options.mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(LibpqVerifier { chain: Some(webpki), algorithms })
            }
        }
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Pool(format!("PostgreSQL TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match (&options.client_cert, &options.client_key) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(cert, "sslcert")?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| StoreError::Pool(format!("reading sslkey {}: {e}", key.display())))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| StoreError::Pool(format!("PostgreSQL TLS client certificate: {e}")))?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

fn default_root_file() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let path = Path::new(&home).join(".postgresql/root.crt");
    path.is_file().then_some(path)
}

fn load_roots(root: &str) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    if root == "system" {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    }
    let path = Path::new(root);
    let (added, ignored) = store.add_parsable_certificates(read_certs(path, "sslrootcert")?);
    if added == 0 {
        return Err(StoreError::Pool(format!(
            "sslrootcert {}: none of its {ignored} certificate(s) could be used as a CA",
            path.display()
        )));
    }
    Ok(store)
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| StoreError::Pool(format!("reading {what} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(StoreError::Pool(format!("{what} {}: no PEM certificate in the file", path.display())));
    }
    Ok(certs)
}

/// Every mode but `verify-full`, whose check is rustls's own: with a root certificate (`verify-ca`, and
/// `require` given one) the chain must lead to a trusted CA but need not name the host; without one
/// (`prefer`, `require`) any certificate is accepted, as in libpq. The handshake's signatures are always
/// checked, so the session key belongs to the certificate.
#[derive(Debug)]
struct LibpqVerifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else { return Ok(ServerCertVerified::assertion()) };
        // The chain is checked before the name, so a name error means the chain was good.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_our_options_out_and_keeps_the_rest() {
        let (url, options) = split(
            "postgres://u:p@db:5432/app?options=-csearch_path%3Dx&sslmode=verify-full&sslrootcert=%2Fetc%2Fca%20b.pem",
        )
        .unwrap();
        assert_eq!(url, "postgres://u:p@db:5432/app?options=-csearch_path%3Dx");
        assert_eq!(options.mode, SslMode::VerifyFull);
        assert_eq!(options.root_cert.as_deref(), Some("/etc/ca b.pem"));
        let (url, options) = split("postgres://db/app").unwrap();
        assert_eq!((url.as_str(), options.mode), ("postgres://db/app", SslMode::Prefer));
        let (url, _) = split("postgres://db/app?sslmode=require").unwrap();
        assert_eq!(url, "postgres://db/app");
    }

    #[test]
    fn modes_as_libpq_names_them() {
        let mode = |m: &str| split(&format!("postgres://db/x?sslmode={m}")).map(|(_, o)| o.mode);
        assert_eq!(mode("disable").unwrap(), SslMode::Disable);
        assert_eq!(mode("allow").unwrap(), SslMode::Prefer);
        assert_eq!(mode("verify-ca").unwrap(), SslMode::VerifyCa);
        let err = mode("verify_full").unwrap_err().to_string();
        assert!(err.contains("verify-full") && err.contains("\"verify_full\""), "{err}");
        // sslrootcert=system trusts every public CA, so the host name must be checked (libpq does the same).
        let (_, o) = split("postgres://db/x?sslmode=require&sslrootcert=system").unwrap();
        assert_eq!(o.mode, SslMode::VerifyFull);
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        let err = split("postgres://db/x?sslcrl=/etc/crl.pem").unwrap_err().to_string();
        assert!(err.contains("sslcrl is not supported"), "{err}");
        let err = split("postgres://db/x?sslcert=/c.pem").unwrap_err().to_string();
        assert!(err.contains("sslcert and sslkey go together"), "{err}");
    }

    #[test]
    fn verification_needs_a_root_certificate() {
        let (_, options) = split("postgres://db/x?sslmode=verify-full").unwrap();
        let err = connector_with(&options, None).err().expect("no root certificate").to_string();
        assert!(err.contains("sslrootcert=/path/to/ca.pem"), "{err}");
        let (_, options) = split("postgres://db/x?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem").unwrap();
        let err = connector_with(&options, None).err().expect("missing file").to_string();
        assert!(err.contains("reading sslrootcert /nonexistent/ca.pem"), "{err}");
    }
}
