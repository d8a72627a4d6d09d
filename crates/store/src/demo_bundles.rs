//! The demonstration bundles of `data/demo_bundles.json` (the plan's eight life events,
//! enterprise set-up and exit, and the five 一业一照一码 industries), members named by
//! their items' names, each published through the same lifecycle as an item.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tongban_domain::bundle::{
    Audience, Bundle, Condition, FieldSpec, FieldUse, Member, Question, SituationFrom,
};
use tongban_domain::catalog::{ReviewAction, ServiceItem, VersionStatus, next_status};

use crate::{Store, StoreError};

pub const DEMO_BUNDLES: &str = include_str!("../../../data/demo_bundles.json");

#[derive(Deserialize)]
struct Spec {
    code: String,
    name: String,
    audience: Audience,
    lead_org: String,
    summary: String,
    promised_days: u32,
    questions: Vec<Question>,
    fields: Vec<FieldSpec>,
    members: Vec<MemberSpec>,
    #[serde(default)]
    combined_licence: Option<String>,
}

#[derive(Deserialize)]
struct MemberSpec {
    item: String,
    #[serde(default)]
    situation: String,
    #[serde(default)]
    situation_from: Option<SituationFrom>,
    #[serde(default)]
    condition: Option<Condition>,
    #[serde(default)]
    depends_on: Vec<String>,
    fields: Vec<FieldUse>,
}

fn bad(code: &str, msg: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("演示一件事 {code}：{msg}"))
}

/// The demo bundles with their members resolved to the published items of the same names.
pub fn demo_bundles(items: &[ServiceItem]) -> Result<Vec<Bundle>, StoreError> {
    let specs: Vec<Spec> =
        serde_json::from_str(DEMO_BUNDLES).map_err(|e| bad("data/demo_bundles.json", e))?;
    let by_name: HashMap<&str, &ServiceItem> = items.iter().map(|i| (i.name.as_str(), i)).collect();
    let code_of = |bundle: &str, name: &str| {
        by_name
            .get(name)
            .map(|i| i.implementation_code.clone())
            .ok_or_else(|| bad(bundle, format!("没有已发布的事项“{name}”")))
    };
    specs
        .into_iter()
        .map(|s| {
            let members = s
                .members
                .into_iter()
                .map(|m| {
                    Ok(Member {
                        implementation_code: code_of(&s.code, &m.item)?,
                        name: m.item,
                        situation: m.situation,
                        situation_from: m.situation_from,
                        condition: m.condition,
                        depends_on: m
                            .depends_on
                            .iter()
                            .map(|d| code_of(&s.code, d))
                            .collect::<Result<_, _>>()?,
                        fields: m.fields,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let bundle = Bundle {
                code: s.code,
                name: s.name,
                audience: s.audience,
                lead_org: s.lead_org,
                summary: s.summary,
                questions: s.questions,
                members,
                fields: s.fields,
                promised_days: s.promised_days,
                combined_licence: s.combined_licence,
            };
            bundle.validate().map_err(|e| bad(&bundle.code, e))?;
            bundle
                .check_members(|code| {
                    by_name
                        .values()
                        .find(|i| i.implementation_code == code)
                        .copied()
                })
                .map_err(|e| bad(&bundle.code, e))?;
            Ok(bundle)
        })
        .collect()
}

/// Publishes every demo bundle through draft → legality review → publication.
pub async fn load_bundles(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let items: Vec<ServiceItem> = store
        .published_items()
        .await?
        .into_iter()
        .map(|p| p.item)
        .collect();
    let bundles = demo_bundles(&items)?;
    for bundle in &bundles {
        let v = store.create_bundle_draft(now, "system", bundle).await?;
        let mut status = VersionStatus::Draft;
        for action in [
            ReviewAction::Submit,
            ReviewAction::Approve,
            ReviewAction::Publish,
        ] {
            let next = next_status(status, action, "").map_err(|e| bad(&bundle.code, e))?;
            store
                .transition_bundle_version(now, "system", &v.id, status, next, "")
                .await?;
            status = next;
        }
    }
    Ok(bundles.len())
}
