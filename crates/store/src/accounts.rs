//! Storage of accounts: citizens, enterprises and staff.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use tongban_domain::account::{AccountKind, Role};
use tongban_domain::audit::AuditEvent;
use tongban_domain::authz::PersonalDataReach;
use tongban_domain::identity::Assurance;

use crate::{Store, StoreError, audit, new_id, parse_ts, ts};

/// An account to create. `login` is the resident ID number, the credit code or the staff
/// user name, already validated by the domain.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub kind: AccountKind,
    pub login: String,
    pub name: String,
    pub phone: Option<String>,
    pub legal_representative: Option<String>,
    pub org_unit_code: Option<String>,
    pub role: Option<Role>,
    pub password_hash: String,
    pub assurance: Assurance,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub kind: AccountKind,
    pub login: String,
    pub name: String,
    pub phone: Option<String>,
    pub legal_representative: Option<String>,
    pub org_unit_id: Option<String>,
    pub org_name: Option<String>,
    pub org_path: Option<String>,
    pub role: Option<Role>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// How far the identity is known; licences wait for a verified one.
    pub assurance: Assurance,
}

/// A person or enterprise as a staff lookup lists them (the web layer masks the numbers).
#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub id: String,
    pub kind: AccountKind,
    pub login: String,
    pub name: String,
    pub phone: Option<String>,
}

/// ` AND …` keeping the accounts (`a`) within `reach`: those with a case handled or taken
/// in within its scopes; its values bind from `$first` on.
fn reach_clause(reach: &PersonalDataReach, first: usize) -> (String, Vec<String>) {
    // Reaching everyone's cases is still reaching cases: a person with none is nobody's
    // business (issue 10: personal data only for people with a case in scope).
    if reach.is_everyone() {
        return (
            " AND EXISTS (SELECT 1 FROM cases c WHERE c.applicant_id = a.id)".to_owned(),
            Vec::new(),
        );
    }
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for (column, scope) in [("co.path", &reach.handling), ("cio.path", &reach.intake)] {
        if let Some((root, below)) = crate::scope_args(scope) {
            let n = first + args.len();
            parts.push(format!("{column} = ${n} OR {column} LIKE ${}", n + 1));
            args.push(root);
            args.push(below);
        }
    }
    if parts.is_empty() {
        return (" AND 1 = 0".to_owned(), Vec::new());
    }
    (
        format!(
            " AND EXISTS (SELECT 1 FROM cases c JOIN org_units co ON co.id = c.org_unit_id \
             LEFT JOIN org_units cio ON cio.id = c.intake_org_id \
             WHERE c.applicant_id = a.id AND ({}))",
            parts.join(" OR ")
        ),
        args,
    )
}

/// A staff member as the organisation pages list them.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub org_name: String,
    pub org_path: String,
    pub disabled: bool,
}

/// A change the bureau makes to a staff account; `None` leaves that part as it is.
#[derive(Debug, Clone, Default)]
pub struct StaffChange {
    pub disabled: Option<bool>,
    pub org_code: Option<String>,
    pub role: Option<Role>,
}

/// An account's columns, from `accounts a LEFT JOIN org_units o`.
macro_rules! account_columns {
    () => {
        "SELECT a.id, a.kind, a.login, a.name, a.phone, a.legal_representative, a.org_unit_id, \
         o.name AS org_name, o.path AS org_path, a.role, a.password_hash, a.disabled, a.created_at, a.assurance"
    };
}
pub(crate) const ACCOUNT_COLUMNS: &str = account_columns!();
const ACCOUNT_SELECT: &str = concat!(
    account_columns!(),
    " FROM accounts a LEFT JOIN org_units o ON o.id = a.org_unit_id"
);

pub(crate) fn kind_from(kind: &str) -> Result<AccountKind, StoreError> {
    AccountKind::parse(kind).ok_or_else(|| StoreError::Corrupt(format!("未知账户类型 {kind}")))
}

pub(crate) fn account_from(row: &AnyRow) -> Result<Account, StoreError> {
    let kind: String = row.try_get("kind")?;
    let role: Option<String> = row.try_get("role")?;
    let disabled: i64 = row.try_get("disabled")?;
    Ok(Account {
        id: row.try_get("id")?,
        kind: kind_from(&kind)?,
        login: row.try_get("login")?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        legal_representative: row.try_get("legal_representative")?,
        org_unit_id: row.try_get("org_unit_id")?,
        org_name: row.try_get("org_name")?,
        org_path: row.try_get("org_path")?,
        role: match role {
            Some(r) => {
                Some(Role::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("未知角色 {r}")))?)
            }
            None => None,
        },
        password_hash: row.try_get("password_hash")?,
        disabled: disabled != 0,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        assurance: Assurance::try_from(row.try_get::<String, _>("assurance")?)
            .map_err(StoreError::Corrupt)?,
    })
}

impl Store {
    /// Creates an account and its audit row. A taken login is `StoreError::Conflict`.
    pub async fn create_account(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        new: &NewAccount,
    ) -> Result<Account, StoreError> {
        let mut tx = self.begin_write().await?;
        let org_id: Option<String> = match &new.org_unit_code {
            Some(code) => Some(
                sqlx::query_scalar("SELECT id FROM org_units WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::Config(format!("机构 {code} 不存在")))?,
            ),
            None => None,
        };
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE login = $1")
            .bind(&new.login)
            .fetch_one(&mut *tx)
            .await?;
        if taken > 0 {
            return Err(StoreError::Conflict("login".into()));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO accounts (id, kind, login, name, phone, legal_representative, \
             org_unit_id, role, password_hash, disabled, created_at, assurance) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11)",
        )
        .bind(&id)
        .bind(new.kind.as_str())
        .bind(&new.login)
        .bind(&new.name)
        .bind(&new.phone)
        .bind(&new.legal_representative)
        .bind(&org_id)
        .bind(new.role.map(Role::as_str))
        .bind(&new.password_hash)
        .bind(ts(now))
        .bind(new.assurance.as_str())
        .execute(&mut *tx)
        .await?;
        let action = match new.kind {
            AccountKind::Staff => "account.create_staff",
            _ => "account.register",
        };
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(
                if actor.is_empty() { id.as_str() } else { actor },
                action,
                format!("account:{id}"),
                new.kind.as_str(),
            ),
        )
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{ACCOUNT_SELECT} WHERE a.id = $1")))
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        let account = account_from(&row)?;
        tx.commit().await?;
        Ok(account)
    }

    pub async fn account_by_login(&self, login: &str) -> Result<Account, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{ACCOUNT_SELECT} WHERE a.login = $1"
        )))
        .bind(login)
        .fetch_one(&self.reader)
        .await?;
        account_from(&row)
    }

    pub async fn account(&self, id: &str) -> Result<Account, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{ACCOUNT_SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_one(&self.reader)
            .await?;
        account_from(&row)
    }

    /// Opens a person's or enterprise's full record for a staff member and records that
    /// they did, in one transaction: no unaudited view is possible through this API.
    pub async fn open_personal_record(
        &self,
        now: DateTime<Utc>,
        viewer: &str,
        id: &str,
        reach: &PersonalDataReach,
    ) -> Result<Account, StoreError> {
        let mut tx = self.begin_write().await?;
        let (within, args) = reach_clause(reach, 2);
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "{ACCOUNT_SELECT} WHERE a.id = $1 AND a.kind <> 'staff'{within}"
        )))
        .bind(id);
        for a in args {
            query = query.bind(a);
        }
        let row = query.fetch_one(&mut *tx).await?;
        let account = account_from(&row)?;
        audit::append(
            &mut tx,
            now,
            AuditEvent::new(viewer, "personal_data.view", format!("account:{id}"), ""),
        )
        .await?;
        tx.commit().await?;
        Ok(account)
    }

    /// Citizens and enterprises within `reach` whose number equals `query` or whose name
    /// contains it.
    pub async fn find_people(
        &self,
        query: &str,
        reach: &PersonalDataReach,
        limit: i64,
    ) -> Result<Vec<PersonSummary>, StoreError> {
        let q = query.trim();
        let (within, args) = reach_clause(reach, 4);
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id, a.kind, a.login, a.name, a.phone FROM accounts a \
             WHERE a.kind <> 'staff' AND (a.login = $1 OR a.name LIKE $2){within} \
             ORDER BY a.name, a.id LIMIT $3"
        )))
        .bind(q.to_ascii_uppercase())
        .bind(format!("%{}%", q.replace(['%', '_'], "")))
        .bind(limit);
        for a in args {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.reader).await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(PersonSummary {
                    id: row.try_get("id")?,
                    kind: AccountKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("未知账户类型 {kind}")))?,
                    login: row.try_get("login")?,
                    name: row.try_get("name")?,
                    phone: row.try_get("phone")?,
                })
            })
            .collect()
    }

    /// Staff whose unit lies within `scope` .
    pub async fn list_staff(
        &self,
        scope: &tongban_domain::authz::Scope,
    ) -> Result<Vec<StaffMember>, StoreError> {
        let Some(scope) = crate::scope_args(scope) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id, a.login, a.name, a.role, a.disabled, o.name AS org_name, \
             o.path AS org_path FROM accounts a JOIN org_units o ON o.id = a.org_unit_id \
             WHERE a.kind = 'staff' AND {} ORDER BY o.path, a.login",
            crate::IN_SCOPE
        )))
        .bind(scope.0)
        .bind(scope.1)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok(StaffMember {
                    id: row.try_get("id")?,
                    login: row.try_get("login")?,
                    name: row.try_get("name")?,
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("未知角色 {role}")))?,
                    org_name: row.try_get("org_name")?,
                    org_path: row.try_get("org_path")?,
                    disabled: row.try_get::<i64, _>("disabled")? != 0,
                })
            })
            .collect()
    }

    /// Disables or re-enables a staff account, moves it to another unit or changes its role,
    /// with its audit row, in one transaction; disabling also ends every session of the
    /// account at once. `NotFound` for no such staff account or unit.
    pub async fn change_staff(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        staff_id: &str,
        change: &StaffChange,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let login: Option<String> =
            sqlx::query_scalar("SELECT login FROM accounts WHERE id = $1 AND kind = 'staff'")
                .bind(staff_id)
                .fetch_optional(&mut *tx)
                .await?;
        let login = login.ok_or(StoreError::NotFound)?;
        let mut said = Vec::new();
        if let Some(disabled) = change.disabled {
            sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
                .bind(i64::from(disabled))
                .bind(staff_id)
                .execute(&mut *tx)
                .await?;
            if disabled {
                sqlx::query(
                    "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 \
                     AND revoked_at IS NULL",
                )
                .bind(crate::ts(now))
                .bind(staff_id)
                .execute(&mut *tx)
                .await?;
            }
            said.push(if disabled { "停用" } else { "启用" }.to_owned());
        }
        if let Some(code) = &change.org_code {
            let unit: Option<(String, String)> =
                sqlx::query_as("SELECT id, name FROM org_units WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (unit_id, unit_name) = unit.ok_or(StoreError::NotFound)?;
            sqlx::query("UPDATE accounts SET org_unit_id = $1 WHERE id = $2")
                .bind(&unit_id)
                .bind(staff_id)
                .execute(&mut *tx)
                .await?;
            said.push(format!("调至{unit_name}"));
        }
        if let Some(role) = change.role {
            sqlx::query("UPDATE accounts SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(staff_id)
                .execute(&mut *tx)
                .await?;
            said.push(format!("角色改为{}", role.label()));
        }
        crate::audit::append(
            &mut tx,
            now,
            tongban_domain::audit::AuditEvent::new(
                actor,
                "staff.change",
                format!("account:{login}"),
                said.join("；"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
