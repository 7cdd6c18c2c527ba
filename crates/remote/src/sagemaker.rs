//! AWS SageMaker runtime `InvokeEndpoint`, signed with SigV4.

use crate::client::{Protocol, RemoteClient, check_url, host_header, redact_url};
use crate::error::RemoteError;
use crate::policy::CallOptions;
use crate::response::extract_score;
use crate::sigv4::{self, AwsCredentials, SigningInput};
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::SystemTime;
use url::Url;

pub const SERVICE: &str = "sagemaker";

/// A SageMaker real-time endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct SageMakerConfig {
    pub region: String,
    pub endpoint_name: String,
    pub credentials: AwsCredentials,
    /// Base URL replacing `https://runtime.sagemaker.{region}.amazonaws.com` (VPC endpoints, tests).
    #[serde(default)]
    pub endpoint_url: Option<Url>,
    /// `application/json` (default: the feature map as a JSON object) or `text/csv` (one line of values
    /// in `feature_order`).
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// Feature order for CSV bodies; required for `text/csv`.
    #[serde(default)]
    pub feature_order: Vec<String>,
    /// JSON pointer to the score; by default a number, `[x]`, `{"predictions":[{"score":x}]}` or `{"score":x}`.
    #[serde(default)]
    pub score_pointer: Option<String>,
}

fn default_content_type() -> String {
    "application/json".to_owned()
}

impl SageMakerConfig {
    pub fn new(region: impl Into<String>, endpoint_name: impl Into<String>, credentials: AwsCredentials) -> Self {
        Self {
            region: region.into(),
            endpoint_name: endpoint_name.into(),
            credentials,
            endpoint_url: None,
            content_type: default_content_type(),
            feature_order: Vec::new(),
            score_pointer: None,
        }
    }

    /// The `InvokeEndpoint` URL.
    pub fn invocation_url(&self) -> Result<Url, RemoteError> {
        let base = match &self.endpoint_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("https://runtime.sagemaker.{}.amazonaws.com", self.region))
                .map_err(|e| RemoteError::Config(format!("bad region {:?}: {e}", self.region)))?,
        };
        check_url(&base, "endpoint_url")?;
        let mut url = base;
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}/endpoints/{}/invocations", sigv4::uri_encode(&self.endpoint_name, true)));
        url.set_query(None);
        Ok(url)
    }
}

#[derive(Debug)]
pub(crate) struct SageMaker {
    config: SageMakerConfig,
    url: Url,
    host: String,
    csv: bool,
}

impl SageMaker {
    pub(crate) fn new(config: SageMakerConfig) -> Result<Self, RemoteError> {
        if config.region.trim().is_empty() || config.endpoint_name.trim().is_empty() {
            return Err(RemoteError::Config("sagemaker needs a region and an endpoint_name".into()));
        }
        if config.credentials.access_key_id.is_empty() || config.credentials.secret_access_key.expose().is_empty() {
            return Err(RemoteError::Config("sagemaker needs an access key id and a secret access key".into()));
        }
        let csv = config.content_type.trim().to_ascii_lowercase().starts_with("text/csv");
        if csv && config.feature_order.is_empty() {
            return Err(RemoteError::Config("content_type text/csv needs a feature_order".into()));
        }
        let url = config.invocation_url()?;
        let host = host_header(&url)?;
        Ok(Self { config, url, host, csv })
    }

    fn body(&self, features: &Map<String, Value>) -> Result<Vec<u8>, RemoteError> {
        if !self.csv {
            return serde_json::to_vec(features).map_err(|e| RemoteError::Config(format!("features: {e}")));
        }
        let cells: Vec<String> =
            self.config.feature_order.iter().map(|name| csv_cell(features.get(name).unwrap_or(&Value::Null))).collect();
        Ok(cells.join(",").into_bytes())
    }
}

fn csv_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.contains([',', '"', '\n', '\r']) => format!("\"{}\"", s.replace('"', "\"\"")),
        Value::String(s) => s.clone(),
        other => {
            let json = other.to_string();
            format!("\"{}\"", json.replace('"', "\"\""))
        }
    }
}

impl Protocol for SageMaker {
    fn kind(&self) -> &'static str {
        "sagemaker"
    }

    fn build(&self, features: &Map<String, Value>) -> Result<Request<Full<Bytes>>, RemoteError> {
        let body = self.body(features)?;
        let payload_hash = sigv4::sha256_hex(&body);
        let amz_date = sigv4::amz_date(SystemTime::now());
        let creds = &self.config.credentials;
        let mut headers = vec![
            ("content-type".to_owned(), self.config.content_type.clone()),
            ("host".to_owned(), self.host.clone()),
            ("x-amz-content-sha256".to_owned(), payload_hash.clone()),
            ("x-amz-date".to_owned(), amz_date.clone()),
        ];
        if let Some(token) = &creds.session_token {
            headers.push(("x-amz-security-token".to_owned(), token.expose().to_owned()));
        }
        let input = SigningInput {
            method: "POST",
            path: self.url.path(),
            query: self.url.query(),
            headers: &headers,
            payload_sha256_hex: &payload_hash,
            region: &self.config.region,
            service: SERVICE,
            amz_date: &amz_date,
        };
        let signed = sigv4::sign(&input, &creds.access_key_id, creds.secret_access_key.expose());
        let mut builder = Request::post(self.url.as_str()).header(http::header::ACCEPT, "application/json");
        for (name, value) in &headers {
            let mut value = http::HeaderValue::from_str(value).map_err(|_| {
                RemoteError::Config(format!("header {name} has an invalid value (endpoint {})", redact_url(&self.url)))
            })?;
            value.set_sensitive(name == "x-amz-security-token");
            builder = builder.header(name.as_str(), value);
        }
        let mut authorization = http::HeaderValue::from_str(&signed.authorization)
            .map_err(|_| RemoteError::Config("access key id is not a valid header value".into()))?;
        authorization.set_sensitive(true);
        builder
            .header(http::header::AUTHORIZATION, authorization)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| RemoteError::Config(format!("bad request: {e}")))
    }

    fn parse(&self, body: &[u8]) -> Result<f64, String> {
        extract_score(body, self.config.score_pointer.as_deref())
    }
}

impl RemoteClient {
    /// A client for a SageMaker endpoint.
    pub fn sagemaker(config: SageMakerConfig, options: CallOptions) -> Result<Self, RemoteError> {
        let name = format!("sagemaker:{}", config.endpoint_name);
        Self::new(Some(name), Box::new(SageMaker::new(config)?), options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SageMakerConfig {
        SageMakerConfig::new("eu-west-1", "lead-model", AwsCredentials::new("AKID", "s3cr3t"))
    }

    #[test]
    fn default_url() {
        assert_eq!(
            config().invocation_url().unwrap().as_str(),
            "https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/lead-model/invocations"
        );
        let mut c = config();
        c.endpoint_url = Some(Url::parse("http://127.0.0.1:9000/prefix/").unwrap());
        assert_eq!(
            c.invocation_url().unwrap().as_str(),
            "http://127.0.0.1:9000/prefix/endpoints/lead-model/invocations"
        );
    }

    #[test]
    fn csv_body_follows_feature_order() {
        let mut c = config();
        c.content_type = "text/csv".into();
        assert!(SageMaker::new(c.clone()).is_err());
        c.feature_order = vec!["b".into(), "a".into(), "missing".into(), "s".into(), "t".into()];
        let sm = SageMaker::new(c).unwrap();
        let features: Map<String, Value> =
            serde_json::from_str(r#"{"a": 1.5, "b": 2, "s": "x,y", "t": true}"#).unwrap();
        assert_eq!(String::from_utf8(sm.body(&features).unwrap()).unwrap(), "2,1.5,,\"x,y\",1");
    }

    #[test]
    fn request_is_signed() {
        let sm = SageMaker::new(config()).unwrap();
        let request = sm.build(&Map::new()).unwrap();
        let auth = request.headers()[http::header::AUTHORIZATION].to_str().unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/"), "{auth}");
        assert!(auth.contains("/eu-west-1/sagemaker/aws4_request"));
        assert!(auth.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,"));
        assert_eq!(request.headers()["x-amz-content-sha256"], sigv4::sha256_hex(b"{}").as_str());
        assert!(format!("{sm:?}").contains("<redacted>") && !format!("{sm:?}").contains("s3cr3t"));
    }
}
