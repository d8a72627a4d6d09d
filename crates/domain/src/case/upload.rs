//! Uploads: recognised by content, within the size limit, identified by SHA-256.

use serde::Serialize;

/// Kinds of uploaded material the platform accepts, recognised by content, not by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    Pdf,
    Jpeg,
    Png,
    /// OFD (GB/T 33190), a zip container.
    Ofd,
}

impl UploadKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Ofd => "application/ofd",
        }
    }
}

/// The largest file one material may be.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("文件为空")]
    Empty,
    #[error("文件超过 10 MB，请压缩或分开上传")]
    TooLarge,
    #[error("只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容识别）")]
    UnsupportedType,
}

impl crate::validation::FieldRule for UploadError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge => "too_large",
            Self::UnsupportedType => "unsupported_type",
        }
    }
}

/// Recognises an upload by its first bytes; an OFD must also be named `.ofd`, since any zip
/// starts alike.
pub fn sniff_upload(bytes: &[u8], filename: &str) -> Result<UploadKind, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge);
    }
    if bytes.starts_with(b"%PDF-") {
        Ok(UploadKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(UploadKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok(UploadKind::Png)
    } else if bytes.starts_with(b"PK\x03\x04") && filename.to_ascii_lowercase().ends_with(".ofd") {
        Ok(UploadKind::Ofd)
    } else {
        Err(UploadError::UnsupportedType)
    }
}

/// The SHA-256 of an upload, as lower-case hex: its identity for deduplication and the record.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod upload_tests {
    use super::*;

    #[test]
    fn uploads_are_recognised_by_content() {
        assert_eq!(sniff_upload(b"%PDF-1.7 ...", "a.jpg"), Ok(UploadKind::Pdf));
        assert_eq!(
            sniff_upload(&[0xFF, 0xD8, 0xFF, 0xE0], "x"),
            Ok(UploadKind::Jpeg)
        );
        assert_eq!(
            sniff_upload(b"PK\x03\x04rest", "证照.OFD"),
            Ok(UploadKind::Ofd)
        );
        assert_eq!(
            sniff_upload(b"PK\x03\x04rest", "a.zip"),
            Err(UploadError::UnsupportedType)
        );
        assert_eq!(
            sniff_upload(b"MZ\x90\x00", "a.pdf"),
            Err(UploadError::UnsupportedType)
        );
        assert_eq!(sniff_upload(b"", "a.pdf"), Err(UploadError::Empty));
        assert_eq!(
            sniff_upload(&vec![b'%'; MAX_UPLOAD_BYTES + 1], "a.pdf"),
            Err(UploadError::TooLarge)
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
