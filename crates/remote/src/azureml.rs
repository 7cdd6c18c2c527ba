//! Azure Machine Learning managed online endpoints (key authentication).

use crate::client::{Protocol, RemoteClient, check_url, json_request};
use crate::error::RemoteError;
use crate::policy::CallOptions;
use crate::response::extract_score;
use crate::secret::Secret;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request};
use http_body_util::Full;
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

/// How the features are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AzureBody {
    /// `{"input_data": {…features…}}` (default).
    #[default]
    InputData,
    /// The feature map itself.
    Raw,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AzureMlConfig {
    /// The endpoint's scoring URI, e.g. `https://{endpoint}.{region}.inference.ml.azure.com/score`.
    pub scoring_uri: Url,
    /// Endpoint key, sent as `Authorization: Bearer {key}`.
    pub key: Secret,
    /// Pins a deployment with the `azureml-model-deployment` header (otherwise traffic rules decide).
    #[serde(default)]
    pub deployment: Option<String>,
    #[serde(default)]
    pub body: AzureBody,
    /// JSON pointer to the score; by default a number, `[x]`, `{"predictions":[…]}` or `{"score":x}`.
    #[serde(default)]
    pub score_pointer: Option<String>,
}

impl AzureMlConfig {
    pub fn new(scoring_uri: Url, key: impl Into<Secret>) -> Self {
        Self { scoring_uri, key: key.into(), deployment: None, body: AzureBody::default(), score_pointer: None }
    }
}

#[derive(Debug)]
pub(crate) struct AzureMl {
    config: AzureMlConfig,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl AzureMl {
    pub(crate) fn new(config: AzureMlConfig) -> Result<Self, RemoteError> {
        check_url(&config.scoring_uri, "scoring_uri")?;
        if config.key.expose().is_empty() {
            return Err(RemoteError::Config("azureml needs a key".into()));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", config.key.expose()))
            .map_err(|_| RemoteError::Config("azureml key is not a valid header value".into()))?;
        authorization.set_sensitive(true);
        let mut headers = vec![(http::header::AUTHORIZATION, authorization)];
        if let Some(deployment) = &config.deployment {
            let value = HeaderValue::from_str(deployment)
                .map_err(|_| RemoteError::Config(format!("deployment {deployment:?} is not a valid header value")))?;
            headers.push((HeaderName::from_static("azureml-model-deployment"), value));
        }
        Ok(Self { config, headers })
    }
}

impl Protocol for AzureMl {
    fn kind(&self) -> &'static str {
        "azureml"
    }

    fn build(&self, features: &Map<String, Value>) -> Result<Request<Full<Bytes>>, RemoteError> {
        let body = match self.config.body {
            AzureBody::InputData => serde_json::to_vec(&serde_json::json!({ "input_data": features })),
            AzureBody::Raw => serde_json::to_vec(features),
        }
        .map_err(|e| RemoteError::Config(format!("features: {e}")))?;
        json_request(&self.config.scoring_uri, &self.headers, body)
    }

    fn parse(&self, body: &[u8]) -> Result<f64, String> {
        extract_score(body, self.config.score_pointer.as_deref())
    }
}

impl RemoteClient {
    /// A client for an Azure ML online endpoint.
    pub fn azureml(config: AzureMlConfig, options: CallOptions) -> Result<Self, RemoteError> {
        let name = match &config.deployment {
            Some(deployment) => format!("azureml:{}:{deployment}", config.scoring_uri.host_str().unwrap_or("")),
            None => format!("azureml:{}", config.scoring_uri.host_str().unwrap_or("")),
        };
        Self::new(Some(name), Box::new(AzureMl::new(config)?), options)
    }
}
