//! The licence library at the edge: which key seals for a department, issuing a licence when
//! a case concludes, what an applicant validly holds, and verifying presentations. The rules
//! are the domain's (`licence`, `seal`); this module fetches keys and records.

use std::collections::{BTreeMap, HashMap};
use std::ops::RangeInclusive;
use std::sync::Arc;

use arc_swap::ArcSwap;

use chrono::{DateTime, NaiveDate, Utc};
use tongban_domain::licence::{
    HolderKind, Licence, LicenceField, LicenceType, Presentation, Seal, SealedLicence, Verdict,
    licence_identifier, verdict,
};
use tongban_domain::seal::{self, SealSecret};
use tongban_store::{KeyStore, LicenceRecord, NewLicence, Store, StoreError};

use crate::AppError;

mod queries;

pub use queries::{
    LicenceView, judge, labelled_fields, own, present_own, put_type, revoke, seal_keys, status,
    types, view_own,
};

/// The platform's own seal: licences imported from other systems and presentation codes.
pub const PLATFORM_ORG: &str = "PLATFORM";

/// The demo's issuer of 行业综合许可证: the Approval Services Bureau (审批服务管理局), which
/// seals the combined licence of 一业一照一码.
const COMBINED_LICENCE_ISSUER: &str = "D-SPJ";

/// The key `org_code` seals with now, whose secret this instance holds; a department
/// without one gets its first key here (published at once, so every instance can verify).
pub async fn sealing_key(
    store: &Store,
    keys: &KeyStore,
    org_code: &str,
    now: DateTime<Utc>,
) -> Result<(String, Arc<SealSecret>), AppError> {
    if let Some(key_id) = keys.current_key(org_code)
        && let Some(secret) = keys.load(&key_id)?
    {
        return Ok((key_id, secret));
    }
    if let Some(current) = store.current_seal_key(org_code).await?
        && let Some(secret) = keys.load(&current.key_id)?
    {
        keys.remember_current_key(org_code, &current.key_id);
        return Ok((current.key_id, secret));
    }
    let (key_id, secret) = create_key(store, keys, org_code, now, "system").await?;
    Ok((key_id, Arc::new(secret)))
}

/// Creates a key for `org_code`, keeps its secret in the key store, publishes its public
/// half and retires the department's earlier keys.
pub async fn create_key(
    store: &Store,
    keys: &KeyStore,
    org_code: &str,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<(String, SealSecret), AppError> {
    let secret = SealSecret::generate();
    let public = secret.public_hex();
    let key_id = seal::key_id(
        org_code,
        tongban_domain::calendar::district_date(now),
        &public,
    );
    keys.save(&key_id, &secret)?;
    store
        .publish_seal_key(now, actor, &key_id, org_code, &public)
        .await?;
    keys.remember_current_key(org_code, &key_id);
    tracing::info!(key = %key_id, org = %org_code, "seal key published");
    Ok((key_id, secret))
}

/// Seals `licence` with `org_code`'s current key.
pub async fn seal_licence(
    store: &Store,
    keys: &KeyStore,
    org_code: &str,
    licence: Licence,
    now: DateTime<Utc>,
) -> Result<SealedLicence, AppError> {
    let (key_id, secret) = sealing_key(store, keys, org_code, now).await?;
    Ok(SealedLicence {
        seal: Seal::new(&key_id, &secret, &licence.canonical()),
        licence,
    })
}

/// The licence a concluding case issues (谁办理、谁入库), when its item's outcome is a
/// licence type of the catalog; sealed by the handling department.
pub async fn issue_for_case(
    app: &crate::App,
    case: &tongban_store::CaseRecord,
    item: &tongban_domain::catalog::ServiceItem,
    today: NaiveDate,
) -> Result<Option<NewLicence>, AppError> {
    let Some(type_name) = &item.outcome.licence_type else {
        return Ok(None);
    };
    let catalog = app.catalog.get();
    let Some(ty) = catalog.licence_type_named(type_name) else {
        tracing::warn!(licence_type = %type_name, "outcome licence type is not in the catalog");
        return Ok(None);
    };
    let issuer_code = case.org_credit_code.clone().unwrap_or_default();
    let serial = app.serials.next(&app.store, &ty.code, &issuer_code).await?;
    // The type's data items from the application's form (its text fields), then what the
    // case itself says.
    let form: BTreeMap<String, String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&case.form)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
            .collect();
    let mut fields = ty.fill(&form);
    fields.insert("matter".to_owned(), item.name.clone());
    if !case.situation.is_empty() {
        fields.insert("situation".to_owned(), case.situation.clone());
    }
    let licence = Licence {
        identifier: licence_identifier(&ty.code, &issuer_code, serial, 1),
        type_code: ty.code.clone(),
        type_name: ty.name.clone(),
        issuer_code,
        issuer_name: case.org_name.clone(),
        holder_name: case.applicant_name.clone(),
        holder_id_type: HolderKind::of(case.applicant_kind).id_type().to_owned(),
        holder_id: case.applicant_login.clone(),
        fields,
        issued_on: today.format("%Y-%m-%d").to_string(),
        valid_until: ty
            .valid_until(today)
            .map(|d| d.format("%Y-%m-%d").to_string()),
        case_no: Some(case.case_no.clone()),
    };
    let sealed = seal_licence(
        &app.store,
        &app.keys,
        &case.org_code,
        licence,
        app.clock.now(),
    )
    .await?;
    Ok(Some(NewLicence {
        sealed,
        case_id: Some(case.id.clone()),
    }))
}

/// Licence serial numbers reserved by this instance in blocks of `SERIAL_BLOCK` per type
/// and issuer: a conclusion then takes its number from memory instead of committing a
/// counter of its own (one durable write per block, not per licence). Instances hold
/// different blocks, so numbers stay unique; a block not used up when the instance stops
/// leaves a gap, as a failed issue always did. Numbers are unique, not gap-free.
#[derive(Clone, Default)]
pub struct SerialBlocks(Arc<tokio::sync::Mutex<HashMap<String, RangeInclusive<u64>>>>);

const SERIAL_BLOCK: u64 = 32;

impl SerialBlocks {
    pub async fn next(
        &self,
        store: &Store,
        type_code: &str,
        issuer_code: &str,
    ) -> Result<u64, AppError> {
        let mut blocks = self.0.lock().await;
        let key = format!("{type_code}{issuer_code}");
        if let Some(n) = blocks.get_mut(&key).and_then(Iterator::next) {
            return Ok(n);
        }
        let mut fresh = store
            .reserve_licence_serials(type_code, issuer_code, SERIAL_BLOCK)
            .await?;
        let n = fresh.next().unwrap_or_default();
        blocks.insert(key, fresh);
        Ok(n)
    }
}

/// The published public keys, cached per instance. Keys are only ever added (a rotated-out
/// key stays published so its licences verify), so a key id missing from the cache means
/// one reload from the database, and a cached key is never stale.
#[derive(Clone, Default)]
pub struct PublicKeys(Arc<ArcSwap<BTreeMap<String, String>>>);

impl PublicKeys {
    /// A snapshot holding every key in `ids` that is published.
    pub async fn covering(
        &self,
        store: &Store,
        ids: &[&str],
    ) -> Result<Arc<BTreeMap<String, String>>, AppError> {
        let current = self.0.load_full();
        if ids.iter().all(|id| current.contains_key(*id)) {
            return Ok(current);
        }
        let fresh: Arc<BTreeMap<String, String>> = Arc::new(
            store
                .seal_keys()
                .await?
                .into_iter()
                .map(|k| (k.key_id, k.public_key))
                .collect(),
        );
        self.0.store(fresh.clone());
        Ok(fresh)
    }
}

/// A holder's licences with the verdict on each today; an unverified account is told how to
/// verify instead (anyone can register under another's number).
pub async fn wallet(
    app: &crate::App,
    holder: &tongban_store::Account,
) -> Result<Vec<(LicenceRecord, Verdict)>, AppError> {
    crate::identity::require_verified(holder)?;
    let records = app.store.licences_of_holder(&holder.login).await?;
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r.sealed.seal.key_id.as_str())
        .collect();
    let keys = app.seal_keys.covering(&app.store, &ids).await?;
    let today = app.today();
    Ok(records
        .into_iter()
        .map(|r| {
            let v = verdict(
                &r.sealed,
                keys.get(&r.sealed.seal.key_id).map(String::as_str),
                r.revoked(),
                today,
            );
            (r, v)
        })
        .collect())
}

/// What an application by `holder` for `item` may reuse: the materials held licences
/// stand for (免提交), and form data read from them (免填写) as (label, value, licence).
///
/// The library's own records are trusted for their standing (revoked, expired); only the
/// licences the application actually attaches have their seals checked, once each, so the
/// cost follows what the item needs rather than the size of the wallet.
pub async fn reuse(
    app: &crate::App,
    holder: &tongban_store::Account,
    item: &tongban_domain::catalog::ServiceItem,
    situation: Option<&str>,
) -> Result<Reuse, AppError> {
    // An unverified account applies like anyone without licences: it may hold another's
    // number.
    if !holder.assurance.reaches_licences() {
        return Ok(Reuse::default());
    }
    let holder_id = holder.login.as_str();
    let today = app.today();
    let needed: Vec<&str> = item
        .materials_for(situation)
        .into_iter()
        .filter_map(|m| match &m.source {
            tongban_domain::catalog::MaterialSource::Government { licence_type }
                if !licence_type.is_empty() =>
            {
                Some(licence_type.as_str())
            }
            _ => None,
        })
        .collect();
    let catalog = app.catalog.get();
    let codes = catalog.licence_type_codes_named(&needed);
    let mut held: Vec<SealedLicence> = app
        .store
        .valid_licences_of_types(holder_id, &codes)
        .await?
        .into_iter()
        .filter(|r| {
            tongban_domain::licence::standing(&r.sealed.licence, r.revoked(), today)
                == Verdict::Valid
        })
        .map(|r| r.sealed)
        .collect();
    loop {
        let plain: Vec<Licence> = held.iter().map(|s| s.licence.clone()).collect();
        let waived = tongban_domain::licence::waivers(item, situation, &plain);
        let used: Vec<&SealedLicence> = held
            .iter()
            .filter(|h| {
                waived
                    .iter()
                    .any(|w| w.licence_identifier == h.licence.identifier)
            })
            .collect();
        let ids: Vec<&str> = used.iter().map(|u| u.seal.key_id.as_str()).collect();
        let keys = app.seal_keys.covering(&app.store, &ids).await?;
        let forged: Vec<String> = used
            .iter()
            .filter(|u| {
                !keys
                    .get(&u.seal.key_id)
                    .is_some_and(|k| u.seal.verifies(k, &u.licence.canonical()))
            })
            .map(|u| u.licence.identifier.clone())
            .collect();
        if forged.is_empty() {
            let prefilled = if waived.is_empty() {
                Vec::new()
            } else {
                let codes: Vec<&str> = used.iter().map(|u| u.licence.type_code.as_str()).collect();
                let types = app.catalog.get().licence_types_coded(&codes);
                tongban_domain::licence::prefill(&types, &plain, &waived)
            };
            return Ok(Reuse {
                held,
                waived,
                prefilled,
            });
        }
        // A record whose seal fails is never attached; the material is asked for instead.
        tracing::error!(licences = ?forged, "stored licence seal does not verify");
        held.retain(|h| !forged.contains(&h.licence.identifier));
    }
}

/// Reuse of held licences in one application.
#[derive(Debug, Default)]
pub struct Reuse {
    pub held: Vec<SealedLicence>,
    pub waived: Vec<tongban_domain::licence::Waiver>,
    pub prefilled: Vec<(String, String, String)>,
}

impl Reuse {
    pub fn waiver_for(&self, material: &str) -> Option<&tongban_domain::licence::Waiver> {
        self.waived.iter().find(|w| w.material == material)
    }

    /// The waived materials as case materials: each is the held licence's signed JSON.
    pub fn materials(&self) -> Vec<tongban_store::NewMaterial> {
        self.waived
            .iter()
            .filter_map(|w| {
                let sealed = self
                    .held
                    .iter()
                    .find(|s| s.licence.identifier == w.licence_identifier)?;
                let content = serde_json::to_vec(sealed).ok()?;
                Some(tongban_store::NewMaterial {
                    name: w.material.clone(),
                    filename: format!("电子证照-{}.json", w.licence_name),
                    content_type: "application/json".to_owned(),
                    sha256: tongban_domain::case::sha256_hex(&content),
                    content,
                    waived_by: Some(w.licence_identifier.clone()),
                })
            })
            .collect()
    }
}

/// A presentation of one of the holder's licences, sealed by the platform.
pub async fn present(app: &crate::App, record: LicenceRecord) -> Result<Presentation, AppError> {
    let now = app.clock.now();
    let (key_id, secret) = sealing_key(&app.store, &app.keys, PLATFORM_ORG, now).await?;
    Ok(Presentation::new(record.sealed, now, &key_id, &secret))
}

/// The compact presentation code for a QR code read at arm's length (`TB1:` + base45 of
/// CBOR, sealed by the platform; `compact::MAX_CHARS` at most): what a verifier is shown,
/// the holder masked, for the same few minutes as the full presentation.
pub async fn compact_code(app: &crate::App, record: &LicenceRecord) -> Result<String, AppError> {
    use tongban_domain::licence::compact;
    let now = app.clock.now();
    let (key_id, secret) = sealing_key(&app.store, &app.keys, PLATFORM_ORG, now).await?;
    let l = &record.sealed.licence;
    let claim = compact::Claim::presented(
        &l.identifier,
        &l.type_name,
        &l.issuer_name,
        &masked_holder(l),
        l.valid_until.as_deref(),
        now,
    );
    Ok(compact::encode(&claim, &key_id, &secret))
}

fn masked_holder(l: &Licence) -> String {
    format!(
        "{}（{}）",
        tongban_domain::mask::mask_name(&l.holder_name),
        tongban_domain::mask::mask_id_number(&l.holder_id)
    )
}

/// Checks a compact code: the platform's seal against the published keys, its deadline,
/// and the library's revocations (offline, a verifier checks all but the last).
async fn verify_compact(app: &crate::App, code: &str) -> Result<VerifyOutcome, AppError> {
    let c = tongban_domain::licence::compact::decode(code).map_err(|_| {
        AppError::Unreadable("无法识别的亮证码：内容不完整或不是本平台的亮证码，请重新扫描".into())
    })?;
    let keys = app
        .seal_keys
        .covering(&app.store, &[c.key_id.as_str()])
        .await?;
    let record = match app.store.licence(&c.claim.identifier).await {
        Ok(r) => Some(r),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let revoked = record.as_ref().is_some_and(LicenceRecord::revoked);
    let v = c.check(|id| keys.get(id).cloned(), revoked, app.clock.now());
    let sealed = v != Verdict::Forged;
    let permits = match (&record, sealed) {
        (Some(r), true) => permits_of(app, &r.sealed.licence).await?,
        _ => Vec::new(),
    };
    Ok(VerifyOutcome {
        valid: v == Verdict::Valid,
        status: v.as_str().to_owned(),
        status_code: v.status_code().to_owned(),
        status_label: v.label().to_owned(),
        issuer: sealed.then(|| c.claim.issuer.clone()),
        licence_name: sealed.then(|| c.claim.licence_name.clone()),
        identifier: sealed.then(|| c.claim.identifier.clone()),
        holder: sealed.then(|| c.claim.holder.clone()),
        valid_until: if sealed {
            c.claim.valid_until.clone()
        } else {
            None
        },
        presented_until: sealed.then(|| c.until_rfc3339()),
        permits,
    }
    .warned())
}

/// What a verifier is told about a presentation.
#[derive(Debug, Clone)]
pub struct VerifyOutcome {
    pub valid: bool,
    /// `valid`, `expired`, `revoked`, `forged` or `presentation_expired`.
    pub status: String,
    /// The standard's status code: 01 有效, 03 撤销, 05 失效, 99 其他.
    pub status_code: String,
    pub status_label: String,
    /// The issuing body, when the seal verified.
    pub issuer: Option<String>,
    pub licence_name: Option<String>,
    pub identifier: Option<String>,
    /// The holder's name and number, masked.
    pub holder: Option<String>,
    pub valid_until: Option<String>,
    pub presented_until: Option<String>,
    /// For a 行业综合许可证: every permit it carries, each with its own standing (a
    /// revoked permit shows as revoked).
    pub permits: Vec<PermitStanding>,
}

/// One permit a combined licence carries, as a verifier is told of it.
#[derive(Debug, Clone)]
pub struct PermitStanding {
    pub name: String,
    pub identifier: String,
    /// As `VerifyOutcome::status`.
    pub status: String,
    pub status_label: String,
}

/// The permits a combined licence lists (`permits`: `name:identifier` joined by `;`), each
/// with its standing in the library today.
pub async fn permits_of(app: &crate::App, l: &Licence) -> Result<Vec<PermitStanding>, AppError> {
    let Some(list) = l.fields.get("permits") else {
        return Ok(Vec::new());
    };
    let today = app.today();
    let mut out = Vec::new();
    for entry in list.split(';').filter(|e| !e.is_empty()) {
        let (name, identifier) = entry.split_once(':').unwrap_or(("", entry));
        let (status, label) = match app.store.licence(identifier).await {
            Ok(r) => {
                let v = tongban_domain::licence::standing(&r.sealed.licence, r.revoked(), today);
                (v.as_str().to_owned(), v.label().to_owned())
            }
            Err(StoreError::NotFound) => ("unknown".to_owned(), "证照库中查无此证".to_owned()),
            Err(e) => return Err(e.into()),
        };
        out.push(PermitStanding {
            name: name.to_owned(),
            identifier: identifier.to_owned(),
            status,
            status_label: label,
        });
    }
    Ok(out)
}

/// Checks a QR payload against the published keys and the library's revocations.
pub async fn verify_payload(app: &crate::App, payload: &str) -> Result<VerifyOutcome, AppError> {
    let forged = |status: Verdict| VerifyOutcome {
        valid: false,
        status: status.as_str().to_owned(),
        status_code: status.status_code().to_owned(),
        status_label: status.label().to_owned(),
        issuer: None,
        licence_name: None,
        identifier: None,
        holder: None,
        valid_until: None,
        presented_until: None,
        permits: Vec::new(),
    };
    if payload
        .trim_start()
        .starts_with(tongban_domain::licence::compact::PREFIX)
    {
        return verify_compact(app, payload.trim_start()).await;
    }
    // Something that is not a presentation at all is a bad request, not a forgery: only a
    // readable presentation whose seals fail is forged.
    let Ok(p) = Presentation::decode(payload) else {
        return Err(AppError::Unreadable(
            "无法识别的亮证码：内容不完整或不是本平台的亮证码，请重新扫描".into(),
        ));
    };
    let keys = app
        .seal_keys
        .covering(
            &app.store,
            &[p.sealed.seal.key_id.as_str(), p.proof.key_id.as_str()],
        )
        .await?;
    let revoked = match app.store.licence(&p.sealed.licence.identifier).await {
        Ok(r) => r.revoked(),
        Err(StoreError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    let v = p.check(|id| keys.get(id).cloned(), revoked, app.clock.now());
    if v == Verdict::Forged {
        return Ok(forged(v));
    }
    let mut outcome = VerifyOutcome::of(&p.sealed.licence, v, Some(p.until.clone()));
    outcome.permits = permits_of(app, &p.sealed.licence).await?;
    Ok(outcome.warned())
}

impl VerifyOutcome {
    /// A combined licence whose permits are not all valid says so in its verdict: the
    /// licence stands, but not everything it lists does.
    pub fn warned(mut self) -> Self {
        let lapsed = self.permits.iter().filter(|p| p.status != "valid").count();
        if self.valid && lapsed > 0 {
            self.status_label = format!(
                "{}，但所载许可中有 {lapsed} 项已失效或撤销",
                self.status_label
            );
        }
        self
    }

    /// What a verifier is told of `l` under verdict `v`: the holder masked.
    pub fn of(l: &Licence, v: Verdict, presented_until: Option<String>) -> Self {
        VerifyOutcome {
            valid: v == Verdict::Valid,
            status: v.as_str().to_owned(),
            status_code: v.status_code().to_owned(),
            status_label: v.label().to_owned(),
            issuer: Some(l.issuer_name.clone()),
            licence_name: Some(l.type_name.clone()),
            identifier: Some(l.identifier.clone()),
            holder: Some(masked_holder(l)),
            valid_until: l.valid_until.clone(),
            presented_until,
            permits: Vec::new(),
        }
    }
}

/// A licence another system issued, as it reports it.
#[derive(Debug, Clone)]
pub struct Imported {
    pub holder_name: String,
    /// Resident ID number or credit code, already checked.
    pub holder_id: String,
    pub fields: BTreeMap<String, String>,
    pub issued_on: NaiveDate,
}

/// Records a licence another system issued (e.g. a 居民身份证 or 营业执照), sealed by the
/// platform as received from that system.
pub async fn import_licence(
    app: &crate::App,
    actor: &str,
    ty: &LicenceType,
    imported: Imported,
) -> Result<SealedLicence, AppError> {
    let (store, keys, now) = (&app.store, &app.keys, app.clock.now());
    let platform_code = || app.settings.platform_credit_code.clone();
    let Imported {
        holder_name,
        holder_id,
        fields,
        issued_on,
    } = imported;
    // The issuing department's body code when it is one of ours; otherwise the platform's,
    // which received the licence.
    let issuer_code = match &ty.issuer_org {
        Some(org) => store
            .org_unit_by_code(org)
            .await?
            .credit_code
            .unwrap_or_else(platform_code),
        None => platform_code(),
    };
    let serial = store.next_licence_serial(&ty.code, &issuer_code).await?;
    let licence = Licence {
        identifier: licence_identifier(&ty.code, &issuer_code, serial, 1),
        type_code: ty.code.clone(),
        type_name: ty.name.clone(),
        issuer_code,
        issuer_name: ty.issuer_name.clone(),
        holder_name,
        holder_id_type: ty.holder_kind.id_type().to_owned(),
        holder_id,
        fields,
        issued_on: issued_on.format("%Y-%m-%d").to_string(),
        valid_until: ty
            .valid_until(issued_on)
            .map(|d| d.format("%Y-%m-%d").to_string()),
        case_no: None,
    };
    let sealed = seal_licence(store, keys, PLATFORM_ORG, licence, now).await?;
    store
        .insert_licence(
            now,
            actor,
            &NewLicence {
                sealed: sealed.clone(),
                case_id: None,
            },
        )
        .await?;
    Ok(sealed)
}

/// Licence types for the demonstration: every licence the demo catalog's items issue,
/// defined by the issuing department, and the ones its materials ask for that are issued
/// elsewhere; then the demo citizen's and enterprise's licences from elsewhere.
pub async fn load_demo(app: &crate::App) -> Result<(), AppError> {
    let (store, now) = (&app.store, app.clock.now());
    let platform_code = || app.settings.platform_credit_code.clone();
    let items = store.published_items().await?;
    let mut types: Vec<LicenceType> = Vec::new();
    for p in &items {
        let item = &p.item;
        if let Some(name) = &item.outcome.licence_type
            && !types.iter().any(|t| &t.name == name)
        {
            let org = store.org_unit_by_code(&item.org_code).await?;
            let credit = org.credit_code.clone().unwrap_or_else(platform_code);
            let n = types.iter().filter(|t| t.code.starts_with(&credit)).count();
            types.push(LicenceType {
                code: format!("{credit}{:03}", n + 1),
                name: name.clone(),
                issuer_org: Some(item.org_code.clone()),
                issuer_name: org.name.clone(),
                holder_kind: if item.audiences.iter().any(|a| a.is_legal_person()) {
                    HolderKind::Organisation
                } else {
                    HolderKind::Person
                },
                fields: fields_of(name),
                validity_years: validity_of(name),
            });
        }
    }
    let mut external = 500;
    for p in &items {
        for m in &p.item.materials {
            if let tongban_domain::catalog::MaterialSource::Government { licence_type } = &m.source
                && !licence_type.is_empty()
                && !types.iter().any(|t| &t.name == licence_type)
            {
                external += 1;
                types.push(external_type(
                    &app.settings.platform_credit_code,
                    licence_type,
                    external,
                ));
            }
        }
    }
    // 一业一照一码: the combined licence of each published bundle that issues one, issued by
    // the bundle's lead department's superior in these matters, the bureau.
    for p in store.published_bundles().await? {
        let bundle = p.bundle()?;
        if let Some(name) = &bundle.combined_licence
            && !types.iter().any(|t| &t.name == name)
        {
            let org = store.org_unit_by_code(COMBINED_LICENCE_ISSUER).await?;
            let credit = org.credit_code.clone().unwrap_or_else(platform_code);
            let n = types.iter().filter(|t| t.code.starts_with(&credit)).count();
            let mut fields = fields_of(name);
            fields.push(LicenceField {
                key: "industry".to_owned(),
                label: "行业".to_owned(),
                from: Vec::new(),
            });
            fields.push(LicenceField {
                key: "permits".to_owned(),
                label: "载明的许可".to_owned(),
                from: Vec::new(),
            });
            types.push(LicenceType {
                code: format!("{credit}{:03}", n + 1),
                name: name.clone(),
                issuer_org: Some(COMBINED_LICENCE_ISSUER.to_owned()),
                issuer_name: org.name.clone(),
                holder_kind: HolderKind::Organisation,
                fields,
                validity_years: 5,
            });
        }
    }
    for t in &types {
        store.upsert_licence_type(now, "system", t).await?;
    }
    let by_name = |n: &str| types.iter().find(|t| t.name == n).cloned();
    let today = tongban_domain::calendar::district_date(now);
    for (ty, holder, fields) in [
        (
            "居民身份证",
            ("马秀兰", "64030319580312024X"),
            vec![("address", "宁夏吴忠市红寺堡区大河乡")],
        ),
        (
            "居民户口簿",
            ("马秀兰", "64030319580312024X"),
            vec![("address", "宁夏吴忠市红寺堡区大河乡")],
        ),
        (
            "营业执照",
            ("宁夏罗山红葡萄酒业有限公司", "91640303MA76F0LX2Y"),
            vec![
                ("legal_representative", "马建国"),
                ("address", "宁夏吴忠市红寺堡区罗山路"),
                ("scope", "葡萄酒生产、销售"),
            ],
        ),
    ] {
        if let Some(t) = by_name(ty) {
            import_licence(
                app,
                "system",
                &t,
                Imported {
                    holder_name: holder.0.to_owned(),
                    holder_id: holder.1.to_owned(),
                    fields: fields
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                    issued_on: today - chrono::Days::new(400),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The data items the demo's licence types carry: those issued here record the matter and
/// situation; the ones from elsewhere carry the usual 照面信息.
fn demo_fields() -> Vec<LicenceField> {
    fields_from(&[
        ("matter", "办理事项", &[]),
        ("situation", "办理情形", &[]),
        ("address", "住所", &[]),
        ("legal_representative", "法定代表人", &[]),
        ("scope", "经营范围", &[]),
    ])
}

type FieldDef<'a> = (&'a str, &'a str, &'a [&'a str]);

fn fields_from(defs: &[FieldDef<'_>]) -> Vec<LicenceField> {
    defs.iter()
        .map(|(key, label, from)| LicenceField {
            key: (*key).to_owned(),
            label: (*label).to_owned(),
            from: from.iter().map(|f| (*f).to_owned()).collect(),
        })
        .collect()
}

/// The business data items (照面信息) of the licence types a bundle's members issue, as the
/// licences people know show them, each filled from the application form's field of that
/// name (or the other names items' forms give it); other types carry the usual ones.
fn fields_of(type_name: &str) -> Vec<LicenceField> {
    const OPERATOR: FieldDef<'static> = ("operator", "经营者", &["经营者姓名", "申请人姓名"]);
    const NAME: FieldDef<'static> = ("name", "名称", &["经营者名称", "企业名称", "单位名称"]);
    const PREMISES: FieldDef<'static> = ("premises", "经营场所", &["住所", "单位地址"]);
    const ITEMS: FieldDef<'static> = ("items", "经营项目", &["经营范围"]);
    let mut fields = match type_name {
        "营业执照" => fields_from(&[
            NAME,
            OPERATOR,
            PREMISES,
            ("scope", "经营范围", &[]),
            ("capital", "注册资本", &[]),
        ]),
        "食品经营许可证"
        | "药品经营许可证"
        | "公共场所卫生许可证"
        | "食品小作坊备案证"
        | "食品小经营店备案证"
        | "行业综合许可证" => fields_from(&[
            ("operator_name", "经营者名称", &["名称"]),
            OPERATOR,
            PREMISES,
            ITEMS,
        ]),
        "出生医学证明" => fields_from(&[
            ("baby", "新生儿姓名", &[]),
            ("birth_date", "出生日期", &[]),
            ("birth_place", "出生地点", &[]),
            ("mother", "母亲姓名", &[]),
            ("father", "父亲姓名", &[]),
        ]),
        "社会保障卡" => fields_from(&[("cardholder", "持卡人姓名", &["申请人姓名"])]),
        "结婚证" => fields_from(&[("spouse", "配偶姓名", &[])]),
        "不动产权证书" => fields_from(&[("location", "坐落", &["不动产坐落", "房屋坐落"])]),
        _ => return demo_fields(),
    };
    fields.extend(fields_from(&[
        ("matter", "办理事项", &[]),
        ("situation", "办理情形", &[]),
    ]));
    fields
}

/// Usual validity of the demo's licence types, in years (0 = 长期).
fn validity_of(name: &str) -> u32 {
    match name {
        "居民身份证" => 20,
        "居住证" | "健康证明" => 1,
        n if n.contains("许可证") => 5,
        _ => 0,
    }
}

fn external_type(platform_code: &str, name: &str, n: u32) -> LicenceType {
    let organisation = matches!(name, "营业执照" | "建设工程规划许可证");
    LicenceType {
        code: format!("{platform_code}{n:03}"),
        name: name.to_owned(),
        issuer_org: None,
        issuer_name: "外地或上级发证机关（经接口导入）".to_owned(),
        holder_kind: if organisation {
            HolderKind::Organisation
        } else {
            HolderKind::Person
        },
        fields: demo_fields(),
        validity_years: validity_of(name),
    }
}
