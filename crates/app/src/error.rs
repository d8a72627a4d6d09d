//! The application layer's one error type. It names what went wrong in the platform's words;
//! the web layer maps it to HTTP once (`tongban_web::WebError`), the CLI to a sentence.

use tongban_domain::ValidationErrors;
use tongban_domain::authz::Denied;
use tongban_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// One or more fields are wrong; each names its field.
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
    /// The rules do not allow this step now (the case's status or progress); `detail` says
    /// why in Chinese.
    #[error("{detail}")]
    Refused { code: &'static str, detail: String },
    /// The account's identity is not verified, which this needs; the message says how.
    #[error("{}", tongban_domain::identity::HOW_TO_VERIFY)]
    Unverified,
    #[error("登录失败次数过多，请 {minutes} 分钟后再试")]
    TooManyAttempts { minutes: i64 },
    /// What was sent cannot be read at all (not a wrong value: no value), in Chinese.
    #[error("{0}")]
    Unreadable(String),
    #[error("服务暂时不可用，请稍后再试")]
    Unavailable,
    #[error("系统内部错误，请稍后再试")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(Box::new(e))
    }

    /// A refused case step.
    pub fn refused(detail: impl Into<String>) -> Self {
        AppError::Refused {
            code: "case_transition",
            detail: detail.into(),
        }
    }

    /// One field's validation error.
    pub fn field(field: &str, code: &'static str, message: &str) -> Self {
        let mut e = ValidationErrors::new();
        e.add(field, code, message);
        AppError::Validation(e)
    }
}

impl From<ValidationErrors> for AppError {
    fn from(v: ValidationErrors) -> Self {
        AppError::Validation(v)
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotLoggedIn => AppError::Unauthorized,
            Denied::Forbidden => AppError::Forbidden,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Exhausted(_) => AppError::Refused {
                code: "daily_numbers_exhausted",
                detail: "本事项今日的办件编号（每日 9999 个）已用完，请明日再提交".into(),
            },
            StoreError::Conflict(what) => AppError::Conflict {
                code: "conflict",
                detail: format!("记录已存在（{what}）"),
            },
            other => AppError::internal(other),
        }
    }
}
