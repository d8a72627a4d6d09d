//! Applying for a bundle, online or at a comprehensive window: one questionnaire, one form,
//! one upload of each material, one submission → a bundle case and one child case per
//! applicable member, each in its department's inbox with its own clock; a member that
//! needs another's result waits for it (`progress::advance` starts it).

use std::collections::BTreeMap;

use tongban_domain::ValidationErrors;
use tongban_domain::account::AccountKind;
use tongban_domain::authz::Permission;
use tongban_domain::bundle::{Audience, check_form, child_form, merged_form};
use tongban_store::{NewBundleCase, NewBundleChild, NewMaterial, StoreError};

use crate::cases::{Intake, OnBehalf, Upload, check_uploads, new_case};
use crate::{Actor, App, AppError};

/// The merged-form field that holds the applicant's own ID number, where a bundle asks it.
pub const APPLICANT_ID_FIELD: &str = "id_number";

/// The merged form's values the applicant's account already knows (免填写): their name,
/// number and phone, for the fields that ask them.
pub fn prefill(account: &tongban_store::Account) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    if account.kind == AccountKind::Citizen {
        v.insert("name".to_owned(), account.name.clone());
        v.insert(APPLICANT_ID_FIELD.to_owned(), account.login.clone());
    }
    if let Some(p) = &account.phone {
        v.insert("phone".to_owned(), p.clone());
    }
    v
}

/// An application for a bundle as a channel received it.
#[derive(Debug)]
pub struct BundleApplication {
    pub code: String,
    /// Question key → the chosen value.
    pub answers: BTreeMap<String, String>,
    /// Merged-form field key → value.
    pub form: BTreeMap<String, String>,
    pub uploads: Vec<Upload>,
    pub idempotency_key: Option<String>,
    /// Taken at a window for the person whose identity the clerk checked.
    pub on_behalf: Option<OnBehalf>,
}

/// Checks every answer, field and file and records the application whole; `errors` may
/// already hold the channel's own findings. Returns the bundle case's number and whether it
/// was newly created.
pub async fn apply(
    app: &App,
    current: &Actor,
    sub: BundleApplication,
    mut errors: ValidationErrors,
) -> Result<(String, bool), AppError> {
    let (cap, account, intake) = match &sub.on_behalf {
        None => (
            current
                .principal
                .capability(Permission::ApplicantSelfService)?,
            current.account()?,
            Intake::default(),
        ),
        Some(b) => (
            current.principal.capability(Permission::HandleIntake)?,
            &b.applicant,
            Intake {
                first_responder: Some(current.account()?.id.clone()),
                intake_org_id: current.account()?.org_unit_id.clone(),
                assistance: serde_json::to_string(&b.assistance).unwrap_or_default(),
            },
        ),
    };
    if sub.idempotency_key.as_ref().is_some_and(|k| k.len() > 100) {
        errors.add(
            "Idempotency-Key",
            "too_long",
            "Idempotency-Key 不能超过 100 个字符",
        );
    }
    let published = match app.store.published_bundle(sub.code.trim()).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let bundle = published.bundle()?;
    if bundle.audience == Audience::Person && account.kind != AccountKind::Citizen {
        errors.add("code", "audience", "本一件事面向个人办理，请用个人账号申请");
    }
    let members = match bundle.applicable(&sub.answers) {
        Ok(m) => m,
        Err(e) => {
            errors.errors.extend(e.errors);
            Vec::new()
        }
    };
    let catalog = app.catalog.get();
    let mut items = Vec::with_capacity(members.len());
    for m in &members {
        match catalog.get(&m.implementation_code) {
            None => errors.add(
                "code",
                "not_published",
                format!("“{}”暂停办理，本一件事暂时不能申请", m.name),
            ),
            Some(item) => {
                if !item.serves(account.kind) {
                    errors.add(
                        "code",
                        "audience",
                        format!(
                            "“{}”不面向{}办理",
                            item.name,
                            if account.kind == AccountKind::Citizen {
                                "个人"
                            } else {
                                "企业和组织"
                            }
                        ),
                    );
                }
                items.push(item);
            }
        }
    }
    let fields = merged_form(&bundle, &members);
    let values = match check_form(&fields, &sub.form) {
        Ok(v) => v,
        Err(e) => {
            errors.errors.extend(e.errors);
            BTreeMap::new()
        }
    };
    // The applicant's own number on the form is the applicant's: at a window, the person
    // whose document the clerk checked; online, the account's holder.
    if account.kind == AccountKind::Citizen
        && let Some(id) = values.get(APPLICANT_ID_FIELD)
        && id != &account.login
    {
        errors.add(
            &format!("form.{APPLICANT_ID_FIELD}"),
            "not_applicant",
            format!(
                "申请人的公民身份号码须与{}（{}）一致",
                if sub.on_behalf.is_some() {
                    "窗口核验的申请人"
                } else {
                    "登录的账号"
                },
                tongban_domain::mask::mask_id_number(&account.login)
            ),
        );
    }
    // Each member's materials in its situation; a paper several ask for is sent once.
    let wanted: Vec<Vec<String>> = members
        .iter()
        .zip(&items)
        .map(|(m, item)| {
            let situation = Some(m.situation.as_str()).filter(|s| !s.is_empty());
            item.materials_for(situation)
                .into_iter()
                .map(|r| r.name.clone())
                .collect()
        })
        .collect();
    if sub.uploads.len() > 30 {
        errors.add("materials", "too_many", "一次最多上传 30 份材料");
    }
    for (i, u) in sub.uploads.iter().enumerate() {
        let name = u.name.trim();
        if name.is_empty() {
            continue;
        }
        if !wanted.iter().flatten().any(|w| w == name) {
            errors.add(
                &format!("{}.name", u.field),
                "not_listed",
                format!("“{name}”不是本一件事按您的情形所需的材料"),
            );
        } else if sub.uploads[..i].iter().any(|p| p.name.trim() == name) {
            errors.add(
                &format!("{}.name", u.field),
                "duplicate",
                format!("“{name}”已上传过一次，各部门共用同一份，无需重复上传"),
            );
        }
    }
    let materials = check_uploads(sub.uploads, &mut errors);
    errors.into_result()?;

    let mut children = Vec::with_capacity(members.len());
    for ((m, item), wanted) in members.iter().zip(&items).zip(&wanted) {
        let form = serde_json::to_string(&child_form(m, &values)).unwrap_or_default();
        let own: Vec<NewMaterial> = materials
            .iter()
            .filter(|x| wanted.contains(&x.name))
            .cloned()
            .collect();
        let case = if m.depends_on.is_empty() {
            let mut case = new_case(
                app,
                account,
                item,
                &m.situation,
                form.clone(),
                own,
                &intake,
                false,
                None,
            )
            .await?;
            case.told_by_bundle = true;
            Some(case)
        } else {
            None
        };
        children.push(NewBundleChild {
            implementation_code: m.implementation_code.clone(),
            item_name: item.name.clone(),
            situation: m.situation.clone(),
            form,
            depends_on: m.depends_on.clone(),
            case,
        });
    }
    let today = app.today();
    let new = NewBundleCase {
        bundle_code: bundle.code.clone(),
        bundle_version_id: published.version_id.clone(),
        bundle_name: bundle.name.clone(),
        applicant_id: account.id.clone(),
        answers: serde_json::to_string(&sub.answers).unwrap_or_default(),
        form: serde_json::to_string(&values).unwrap_or_default(),
        channel: intake.channel().to_owned(),
        first_responder: intake.first_responder.clone(),
        intake_org_id: intake.intake_org_id.clone(),
        assistance: intake.assistance.clone(),
        idempotency_key: sub.idempotency_key,
        submitted_on: today,
        promised_due: app
            .calendar
            .get()
            .add_working_days(today, bundle.promised_days),
        children,
        materials,
    };
    let (record, created) = app.store.submit_bundle(app.clock.now(), &new).await?;
    tracing::info!(bundle.no = %record.bundle_no, actor = %cap.actor(), created, "bundle submitted");
    Ok((record.bundle_no, created))
}
