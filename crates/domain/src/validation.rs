//! Field-level validation errors shared by every form and API body.
//!
//! A rule that rejects input says which field, a stable machine code and a Chinese message
//! a person can act on. The web layer renders these next to the field or as problem+json.

use serde::Serialize;

/// One rejected field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the form or JSON body spells it.
    pub field: String,
    /// Stable machine code, e.g. `check_digit`.
    pub code: &'static str,
    /// Chinese message for people.
    pub message: String,
}

/// Every rejected field of one submission, collected so people fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("输入有误：{}", self.summary())]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            code,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first message for `field`, for rendering beside that field.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Runs `parse` and records its error under `field`, so callers can validate every field
    /// before giving up.
    pub fn check<T, E: FieldRule>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.code(), e.to_string());
                None
            }
        }
    }

    /// `Ok(())` when nothing was rejected.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The messages alone, in one line: what a page shows above a form it cannot mark
    /// field by field.
    pub fn messages(&self) -> String {
        self.errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    fn summary(&self) -> String {
        self.errors
            .iter()
            .map(|e| format!("{}：{}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// An error of a single-field rule: its `Display` is the Chinese message.
pub trait FieldRule: std::fmt::Display {
    fn code(&self) -> &'static str;
}

/// A required free-text field: trimmed, not empty, at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<String, TextError> {
    let v = value.trim();
    if v.is_empty() {
        Err(TextError::Empty)
    } else if v.chars().count() > max {
        Err(TextError::TooLong { max })
    } else if v.chars().any(char::is_control) {
        Err(TextError::Control)
    } else {
        Ok(v.to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("此项为必填项")]
    Empty,
    #[error("不能超过 {max} 个字")]
    TooLong { max: usize },
    #[error("含有不可见的控制字符")]
    Control,
}

impl FieldRule for TextError {
    fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "required",
            TextError::TooLong { .. } => "too_long",
            TextError::Control => "invalid_character",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_bounds() {
        assert_eq!(required_text("  张三 ", 10), Ok("张三".to_owned()));
        assert_eq!(required_text("   ", 10), Err(TextError::Empty));
        assert_eq!(
            required_text("一二三", 2),
            Err(TextError::TooLong { max: 2 })
        );
        assert_eq!(required_text("a\u{0}b", 10), Err(TextError::Control));
    }

    #[test]
    fn collects_every_field() {
        let mut errs = ValidationErrors::new();
        assert_eq!(errs.check("name", required_text("", 5)), None);
        assert_eq!(errs.check("x", required_text("ok", 5)), Some("ok".into()));
        errs.add("phone", "format", "手机号格式不正确");
        assert_eq!(errs.errors.len(), 2);
        assert_eq!(errs.message_for("name"), Some("此项为必填项"));
        assert!(errs.into_result().is_err());
    }
}
