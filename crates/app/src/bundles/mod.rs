//! 一件事一次办 (issue 13): the published bundles and their guides — the questionnaire, the
//! merged form, the merged materials of every member — read from the same definition
//! online, at the window and on paper; applying for one (`apply`), moving it on as its
//! members move (`progress`) and reading it (`view`).

use std::sync::Arc;

use tongban_domain::bundle::{Bundle, FieldSpec, Member, MergedMaterial, merged_materials};
use tongban_domain::catalog::ServiceItem;

use crate::{App, AppError};

mod apply;
pub mod editor;
mod progress;
mod supply;
mod view;

pub use apply::{APPLICANT_ID_FIELD, BundleApplication, apply, prefill};
pub use progress::{advance, sweep};
pub use supply::{requested, supply};
pub use view::{BundleCaseView, ChildView, NoticeLine, deliver, mine, view};

/// A member with its published item (`None` if the item has been withdrawn since: the
/// guide says so rather than hiding the member).
#[derive(Debug, Clone)]
pub struct GuideMember {
    pub member: Member,
    pub item: Option<Arc<ServiceItem>>,
}

/// Everything a bundle's guide shows.
#[derive(Debug, Clone)]
pub struct BundleGuide {
    pub bundle: Bundle,
    pub version: i64,
    /// The lead department's name.
    pub lead_name: String,
    pub members: Vec<GuideMember>,
    /// The materials of every member (each in its situation), each listed once.
    pub materials: Vec<MergedMaterial>,
}

impl BundleGuide {
    /// The merged form's fields.
    pub fn fields(&self) -> &[FieldSpec] {
        &self.bundle.fields
    }

    /// The member's name as the catalog has it now.
    pub fn member_name(&self, code: &str) -> String {
        self.members
            .iter()
            .find(|m| m.member.implementation_code == code)
            .map(|m| {
                m.item
                    .as_ref()
                    .map_or_else(|| m.member.name.clone(), |i| i.name.clone())
            })
            .unwrap_or_else(|| code.to_owned())
    }
}

/// The published bundles: people's life events first, then enterprises'.
pub async fn list(app: &App) -> Result<Vec<Bundle>, AppError> {
    app.store
        .published_bundles()
        .await?
        .iter()
        .map(|p| p.bundle().map_err(AppError::from))
        .collect()
}

/// A published bundle's guide; an unknown code is `NotFound`.
pub async fn guide(app: &App, code: &str) -> Result<BundleGuide, AppError> {
    let published = app.store.published_bundle(code).await?;
    let bundle = published.bundle()?;
    let catalog = app.catalog.get();
    let members: Vec<GuideMember> = bundle
        .members
        .iter()
        .map(|m| GuideMember {
            member: m.clone(),
            item: catalog.get(&m.implementation_code),
        })
        .collect();
    let with_materials: Vec<(&Member, Vec<_>)> = members
        .iter()
        .filter_map(|g| {
            g.item.as_ref().map(|i| {
                // A situation decided by an answer: the guide lists every situation's papers.
                let situation = Some(g.member.situation.as_str())
                    .filter(|s| !s.is_empty() && g.member.situation_from.is_none());
                (&g.member, i.materials_for(situation))
            })
        })
        .collect();
    let materials = merged_materials(&with_materials);
    let lead_name = crate::org::units(app)
        .await?
        .into_iter()
        .find(|u| u.code == bundle.lead_org)
        .map_or_else(|| bundle.lead_org.clone(), |u| u.name);
    Ok(BundleGuide {
        lead_name,
        version: published.version,
        members,
        materials,
        bundle,
    })
}

/// What an applicant fills in once their answers are known: the members that apply (each in
/// its situation), the merged form's fields they use and their materials, each once.
#[derive(Debug, Clone)]
pub struct BundlePlan {
    pub guide: BundleGuide,
    pub members: Vec<Member>,
    pub fields: Vec<FieldSpec>,
    pub materials: Vec<MergedMaterial>,
}

/// The plan for `answers`; answers missing or not offered are a validation error naming the
/// question.
pub async fn plan(
    app: &App,
    code: &str,
    answers: &std::collections::BTreeMap<String, String>,
) -> Result<BundlePlan, AppError> {
    let guide = guide(app, code).await?;
    let members = guide.bundle.applicable(answers)?;
    let fields = tongban_domain::bundle::merged_form(&guide.bundle, &members)
        .into_iter()
        .cloned()
        .collect();
    let catalog = app.catalog.get();
    let items: Vec<(Member, Arc<ServiceItem>)> = members
        .iter()
        .filter_map(|m| catalog.get(&m.implementation_code).map(|i| (m.clone(), i)))
        .collect();
    let with_materials: Vec<(&Member, Vec<_>)> = items
        .iter()
        .map(|(m, i)| {
            let situation = Some(m.situation.as_str()).filter(|s| !s.is_empty());
            (m, i.materials_for(situation))
        })
        .collect();
    let materials = merged_materials(&with_materials);
    Ok(BundlePlan {
        guide,
        members,
        fields,
        materials,
    })
}
