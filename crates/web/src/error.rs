//! The web layer's one error type, with its two renderings: `application/problem+json`
//! (RFC 9457) for the API and a Chinese page for people. Handlers use `?`; the mapping from
//! domain and storage errors to HTTP happens here and nowhere else.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongban_domain::ValidationErrors;
use tongban_domain::authz::Denied;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    Validation(ValidationErrors),
    #[error("您要找的页面或记录不存在")]
    NotFound,
    #[error("请先登录")]
    Unauthorized,
    #[error("账号或密码不正确")]
    InvalidCredentials,
    #[error("您没有权限进行此操作")]
    Forbidden,
    /// A unique number is already taken; `code` is stable, `detail` is Chinese.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// The rules refuse this step now; `detail` says why.
    #[error("{detail}")]
    Refused { code: &'static str, detail: String },
    #[error("{}", tongban_domain::identity::HOW_TO_VERIFY)]
    Unverified,
    #[error("登录失败次数过多，请 {minutes} 分钟后再试")]
    TooManyAttempts { minutes: i64 },
    #[error("页面已过期，请刷新后重新提交")]
    CsrfFailed,
    #[error("{0}")]
    BadRequest(String),
    #[error("提交的内容超过大小限制")]
    PayloadTooLarge,
    /// A request the framework refused before any handler ran, in Chinese.
    #[error("{detail}")]
    Rejected {
        status: StatusCode,
        code: &'static str,
        detail: &'static str,
    },
    #[error("服务暂时不可用，请稍后再试")]
    Unavailable,
    #[error("系统内部错误，请稍后再试")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The machine-readable half of an error, kept on the response so the page layer can render
/// the same error as HTML.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<tongban_domain::FieldError>,
}

impl WebError {
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        WebError::Internal(Box::new(e))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unauthorized | WebError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::CsrfFailed | WebError::Unverified => {
                StatusCode::FORBIDDEN
            }
            WebError::Conflict { .. } | WebError::Refused { .. } => StatusCode::CONFLICT,
            WebError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Rejected { status, .. } => *status,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebError::Validation(_) => "validation_failed",
            WebError::NotFound => "not_found",
            WebError::Unauthorized => "unauthorized",
            WebError::InvalidCredentials => "invalid_credentials",
            WebError::Forbidden => "forbidden",
            WebError::Conflict { code, .. } | WebError::Refused { code, .. } => code,
            WebError::TooManyAttempts { .. } => "too_many_attempts",
            WebError::Unverified => "identity_unverified",
            WebError::CsrfFailed => "csrf_failed",
            WebError::BadRequest(_) => "bad_request",
            WebError::PayloadTooLarge => "payload_too_large",
            WebError::Rejected { code, .. } => code,
            WebError::Unavailable => "unavailable",
            WebError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            WebError::Refused { .. } => return "当前状态不允许此操作",
            WebError::Unverified => return "需要实名核验",
            _ => {}
        }
        match self.status() {
            StatusCode::UNPROCESSABLE_ENTITY => "提交的内容有误",
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::UNAUTHORIZED => "需要登录",
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::CONFLICT => "记录已存在",
            StatusCode::TOO_MANY_REQUESTS => "操作过于频繁",
            StatusCode::BAD_REQUEST => "请求有误",
            StatusCode::PAYLOAD_TOO_LARGE => "内容过大",
            StatusCode::METHOD_NOT_ALLOWED => "请求方法不支持",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "内容类型不支持",
            StatusCode::SERVICE_UNAVAILABLE => "服务暂不可用",
            _ => "系统错误",
        }
    }

    pub fn problem(&self) -> Problem {
        let detail = match self {
            WebError::Validation(v) if v.errors.len() == 1 => v.errors[0].message.clone(),
            WebError::Validation(v) => format!("有 {} 项内容需要修改", v.errors.len()),
            other => other.to_string(),
        };
        Problem {
            kind: format!("/problems/{}", self.code()),
            title: self.title().to_owned(),
            status: self.status().as_u16(),
            code: self.code(),
            detail,
            errors: match self {
                WebError::Validation(v) => v.errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(e) = &self {
            // Log the whole cause chain; the client gets only the plain message.
            let mut chain = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
        let problem = self.problem();
        let mut res = (self.status(), Json(problem.clone())).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let WebError::TooManyAttempts { minutes } = self
            && let Ok(v) = HeaderValue::from_str(&(minutes * 60).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(problem);
        res
    }
}

impl From<ValidationErrors> for WebError {
    fn from(v: ValidationErrors) -> Self {
        WebError::Validation(v)
    }
}

impl From<Denied> for WebError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotLoggedIn => WebError::Unauthorized,
            Denied::Forbidden => WebError::Forbidden,
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::internal(e)
    }
}

impl From<tongban_app::AppError> for WebError {
    fn from(e: tongban_app::AppError) -> Self {
        use tongban_app::AppError as A;
        match e {
            A::Validation(v) => WebError::Validation(v),
            A::NotFound => WebError::NotFound,
            A::Unauthorized => WebError::Unauthorized,
            A::InvalidCredentials => WebError::InvalidCredentials,
            A::Forbidden => WebError::Forbidden,
            A::Conflict { code, detail } => WebError::Conflict { code, detail },
            A::Refused { code, detail } => WebError::Refused { code, detail },
            A::TooManyAttempts { minutes } => WebError::TooManyAttempts { minutes },
            A::Unverified => WebError::Unverified,
            A::Unreadable(detail) => WebError::BadRequest(detail),
            A::Unavailable => WebError::Unavailable,
            A::Internal(e) => WebError::Internal(e),
        }
    }
}
