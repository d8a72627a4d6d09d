//! SMS through an HTTP gateway (the province's 短信平台 or a carrier's): one JSON POST per
//! message, the key as a bearer token, the delivery's id as `Idempotency-Key` so a retry
//! after a lost answer is not sent twice by a gateway that honours it. The format is in the
//! README. Any 2xx is accepted; anything else, or no answer in ten seconds, is tried again.

use std::time::Duration;

use super::{ChannelSender, Rendered, SendFuture};

pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
    key: String,
}

impl SmsGateway {
    pub fn new(url: &str, key: &str) -> Result<Self, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("短信网关地址须为 http(s) 地址：{url}"));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(SmsGateway {
            client,
            url: url.to_owned(),
            key: key.to_owned(),
        })
    }
}

impl ChannelSender for SmsGateway {
    fn send<'a>(&'a self, to: &'a str, m: &'a Rendered) -> SendFuture<'a> {
        Box::pin(async move {
            let res = self
                .client
                .post(&self.url)
                .bearer_auth(&self.key)
                .header("Idempotency-Key", &m.id)
                .json(&serde_json::json!({
                    "id": m.id,
                    "to": to,
                    "text": m.text,
                    "signature": "红寺堡通办",
                }))
                .send()
                .await
                .map_err(|e| format!("短信网关不可达：{e}"))?;
            if res.status().is_success() {
                Ok(())
            } else {
                let status = res.status();
                let body: String = res
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                Err(format!("短信网关拒绝（{status}）：{body}"))
            }
        })
    }
}
