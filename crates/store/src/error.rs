//! The store's one error type, built from the driver's errors in one place.

/// What can go wrong when persisting.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("记录不存在")]
    NotFound,
    /// A unique key is taken; the string names what.
    #[error("记录已存在：{0}")]
    Conflict(String),
    #[error("配置错误：{0}")]
    Config(String),
    /// A bounded series is used up (the day's case numbers of an item).
    #[error("编号已用完：{0}")]
    Exhausted(String),
    /// Data in the database that the domain cannot read back.
    #[error("数据损坏：{0}")]
    Corrupt(String),
    #[error("数据库错误")]
    Database(#[source] sqlx::Error),
    #[error("数据库迁移失败")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Database(e),
        }
    }
}
