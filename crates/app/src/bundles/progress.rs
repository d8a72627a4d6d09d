//! A bundle moves on as its children do: after every step on a child, the waiting members
//! whose needs have concluded start (with the licences just issued standing for their
//! papers), those whose needs failed are cancelled, and once all have concluded the
//! 行业综合许可证 is issued and, online, the results are delivered together.

use std::collections::BTreeMap;

use tongban_domain::bundle::{ChildState, Member, cancelled, child_key, startable};
use tongban_domain::case::{CaseAction, CaseStatus};
use tongban_domain::licence::{HolderKind, Licence, licence_identifier};
use tongban_store::{BundleCaseRecord, BundleChildRecord, CaseRecord, NewLicence};

use crate::cases::{Intake, SYSTEM_ACTOR, new_case};
use crate::{App, AppError};

/// The children's states and their cases (`None` while waiting or cancelled).
pub(crate) async fn states_of(
    app: &App,
    b: &BundleCaseRecord,
) -> Result<(Vec<ChildState>, Vec<Option<CaseRecord>>), AppError> {
    let mut states = Vec::with_capacity(b.children.len());
    let mut cases = Vec::with_capacity(b.children.len());
    for c in &b.children {
        match &c.case_id {
            Some(id) => {
                let case = app.store.case_by_id(id).await?;
                states.push(ChildState::of_case(case.status, case.progress.decision));
                cases.push(Some(case));
            }
            None => {
                states.push(if c.cancelled {
                    ChildState::Cancelled
                } else {
                    ChildState::Waiting
                });
                cases.push(None);
            }
        }
    }
    Ok((states, cases))
}

/// The members as the domain's dependency rules read them.
pub(crate) fn members_of(b: &BundleCaseRecord) -> Vec<Member> {
    b.children
        .iter()
        .map(|c| Member {
            implementation_code: c.implementation_code.clone(),
            name: c.item_name.clone(),
            situation: c.situation.clone(),
            situation_from: None,
            condition: None,
            depends_on: c.depends_on.clone(),
            fields: Vec::new(),
        })
        .collect()
}

/// Moves the bundle on as far as its children allow. Safe to repeat and to run on two
/// instances at once: a child starts once (its case key), a licence is issued once, the
/// results are delivered once.
pub async fn advance(app: &App, bundle_id: &str) -> Result<(), AppError> {
    // Each round starts or cancels at least one member, so this ends.
    loop {
        let b = app.store.bundle_case_by_id(bundle_id).await?;
        let (states, cases) = states_of(app, &b).await?;
        let members = members_of(&b);
        let start = startable(&members, &states);
        let cancel = cancelled(&members, &states);
        if start.is_empty() && cancel.is_empty() {
            return finish(app, &b, &states, &cases).await;
        }
        for i in cancel {
            app.store
                .cancel_bundle_child(&b.id, b.children[i].position)
                .await?;
        }
        for i in start {
            start_child(app, &b, &b.children[i]).await?;
        }
    }
}

async fn start_child(
    app: &App,
    b: &BundleCaseRecord,
    child: &BundleChildRecord,
) -> Result<(), AppError> {
    let Some(item) = app.catalog.get().get(&child.implementation_code) else {
        // Withdrawn since the application: it waits, and the bundle page says so.
        tracing::warn!(bundle.no = %b.bundle_no, item = %child.implementation_code, "a waiting member's item is not published");
        return Ok(());
    };
    let account = app.store.account(&b.applicant_id).await?;
    let situation = Some(child.situation.as_str()).filter(|s| !s.is_empty());
    let wanted: Vec<String> = item
        .materials_for(situation)
        .into_iter()
        .map(|m| m.name.clone())
        .collect();
    let materials = app
        .store
        .bundle_materials(&b.id)
        .await?
        .into_iter()
        .filter(|m| wanted.contains(&m.name))
        .collect();
    let intake = Intake {
        first_responder: b.first_responder.clone(),
        intake_org_id: b.intake_org_id.clone(),
        assistance: b.assistance.clone(),
    };
    let key = child_key(&b.bundle_no, usize::try_from(child.position).unwrap_or(0));
    let mut new = new_case(
        app,
        &account,
        &item,
        &child.situation,
        child.form.clone(),
        materials,
        &intake,
        false,
        Some(key),
    )
    .await?;
    new.told_by_bundle = true;
    let case = app
        .store
        .start_bundle_child(app.clock.now(), &b.id, child.position, &new)
        .await?;
    tracing::info!(bundle.no = %b.bundle_no, case.no = %case.case_no, "bundle member started");
    Ok(())
}

/// Once every member concluded: the combined licence, then (online) one delivery of all.
async fn finish(
    app: &App,
    b: &BundleCaseRecord,
    states: &[ChildState],
    cases: &[Option<CaseRecord>],
) -> Result<(), AppError> {
    // Only once every member has ended, and only what some member achieved.
    if !states.iter().all(|s| s.succeeded() || s.failed()) || !states.iter().any(|s| s.succeeded())
    {
        return Ok(());
    }
    // The combined licence lists every permit: a bundle with a member refused issues none.
    if b.combined_licence.is_none() && states.iter().all(|s| s.succeeded()) {
        let bundle = app
            .store
            .bundle_version(&b.bundle_version_id)
            .await?
            .bundle()?;
        if let Some(type_name) = &bundle.combined_licence {
            issue_combined(app, b, type_name, cases).await?;
        }
    }
    if b.channel == "online" && b.delivered_at.is_none() {
        deliver_all(app, SYSTEM_ACTOR, b, cases, "electronic", "").await?;
    }
    Ok(())
}

/// Delivers every concluded member's result in one go and records the bundle's delivery.
pub(crate) async fn deliver_all(
    app: &App,
    actor_id: &str,
    b: &BundleCaseRecord,
    cases: &[Option<CaseRecord>],
    method: &str,
    tracking_no: &str,
) -> Result<(), AppError> {
    for case in cases.iter().flatten() {
        if case.status != CaseStatus::Concluded {
            continue;
        }
        let deliver = CaseAction::Deliver {
            method: method.to_owned(),
            tracking_no: tracking_no.to_owned(),
        };
        crate::cases::step_in_bundle(app, actor_id, case.clone(), deliver).await?;
    }
    let delivery = if tracking_no.is_empty() {
        method.to_owned()
    } else {
        format!("{method}:{tracking_no}")
    };
    app.store
        .set_bundle_delivered(app.clock.now(), actor_id, &b.id, &delivery)
        .await?;
    Ok(())
}

/// The 行业综合许可证: one licence, sealed by the bureau that issues the type, listing every
/// permit the members issued (its QR verification shows each permit's standing).
async fn issue_combined(
    app: &App,
    b: &BundleCaseRecord,
    type_name: &str,
    cases: &[Option<CaseRecord>],
) -> Result<(), AppError> {
    let catalog = app.catalog.get();
    let Some(ty) = catalog.licence_type_named(type_name) else {
        tracing::warn!(licence_type = %type_name, "the combined licence type is not in the catalog");
        return Ok(());
    };
    let Some(issuer_org) = ty.issuer_org.clone() else {
        tracing::warn!(licence_type = %type_name, "the combined licence type names no issuing unit");
        return Ok(());
    };
    let mut permits = Vec::new();
    let mut business = BTreeMap::new();
    for case in cases.iter().flatten() {
        for l in app.store.licences_of_case(&case.id).await? {
            permits.push(format!(
                "{}:{}",
                l.sealed.licence.type_name, l.sealed.licence.identifier
            ));
            // The licence's face repeats the business data the permits carry, as far as its
            // type has those items.
            for (k, v) in &l.sealed.licence.fields {
                if k != "matter" && k != "situation" && ty.fields.iter().any(|f| &f.key == k) {
                    business.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    let org = app.store.org_unit_by_code(&issuer_org).await?;
    let issuer_code = org
        .credit_code
        .clone()
        .unwrap_or_else(|| app.settings.platform_credit_code.clone());
    let account = app.store.account(&b.applicant_id).await?;
    let serial = app.serials.next(&app.store, &ty.code, &issuer_code).await?;
    let today = app.today();
    let mut fields = business;
    fields.insert("industry".to_owned(), b.bundle_name.clone());
    fields.insert("permits".to_owned(), permits.join(";"));
    let licence = Licence {
        identifier: licence_identifier(&ty.code, &issuer_code, serial, 1),
        type_code: ty.code.clone(),
        type_name: ty.name.clone(),
        issuer_code,
        issuer_name: org.name.clone(),
        holder_name: account.name.clone(),
        holder_id_type: HolderKind::of(account.kind).id_type().to_owned(),
        holder_id: account.login.clone(),
        fields,
        issued_on: today.format("%Y-%m-%d").to_string(),
        valid_until: ty
            .valid_until(today)
            .map(|d| d.format("%Y-%m-%d").to_string()),
        case_no: None,
    };
    let sealed =
        crate::licences::seal_licence(&app.store, &app.keys, &issuer_org, licence, app.clock.now())
            .await?;
    app.store
        .issue_bundle_licence(
            app.clock.now(),
            SYSTEM_ACTOR,
            &b.id,
            &NewLicence {
                sealed,
                case_id: None,
            },
        )
        .await?;
    Ok(())
}

/// Moves on the bundles a crash may have left with a member waiting for a need that has
/// concluded (the step that concluded it could not start it): those whose members moved in
/// the last day. Returns how many were looked at.
pub async fn sweep(app: &App) -> Result<usize, AppError> {
    let since = app.clock.now() - chrono::Duration::days(1);
    let ids = app.store.bundles_waiting(since, 500).await?;
    for id in &ids {
        if let Err(e) = advance(app, id).await {
            tracing::warn!(bundle = %id, error = %e, "advancing a bundle failed");
        }
    }
    Ok(ids.len())
}
