//! Response rules every route shares (issue 11): nothing personal is kept by a cache, HTTPS
//! is pinned once cookies are secure, and a request the framework rejects before a handler
//! runs (a bad query, path or body, a body over the limit, a wrong method) is answered as
//! problem+json in Chinese like every other error, never as the framework's English text.
//! Pages that answer 4xx on purpose render HTML and are left alone.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Problem;
use crate::{AppState, WebError};

/// `Cache-Control: no-store` on every answer but the stylesheet (pages, files and JSON may
/// carry personal data or a licence), and HSTS behind HTTPS.
pub async fn cache_and_transport(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let cacheable = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if !cacheable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Turns a client error that carries no `Problem` (the framework's own rejections) into the
/// platform's problem+json, which the page layer then shows as a Chinese page.
pub async fn rejections_as_problems(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    // Pages that answer 4xx on purpose (a form with its errors) are HTML; the framework's
    // rejections are plain text or empty.
    let framework = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|t| t.as_bytes().starts_with(b"text/plain"));
    if !status.is_client_error() || !framework || res.extensions().get::<Problem>().is_some() {
        return res;
    }
    rejection(status).into_response()
}

/// The platform's error for a status the framework answered with.
fn rejection(status: StatusCode) -> WebError {
    let (code, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => return WebError::PayloadTooLarge,
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "该地址不支持此请求方法"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "请求体的类型不正确（表单请用 application/x-www-form-urlencoded 或 multipart/form-data，接口请用 application/json）",
        ),
        StatusCode::NOT_FOUND => return WebError::NotFound,
        StatusCode::UNPROCESSABLE_ENTITY => (
            "unprocessable",
            "提交的内容无法读取：有字段的类型或格式不正确",
        ),
        StatusCode::BAD_REQUEST => (
            "bad_request",
            "请求的参数格式不正确（地址中的查询参数或路径有误）",
        ),
        _ => ("bad_request", "请求有误"),
    };
    WebError::Rejected {
        status,
        code,
        detail,
    }
}
