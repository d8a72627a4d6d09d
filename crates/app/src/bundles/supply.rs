//! The applicant answers the bundle's one notice once: each paper sent once reaches every
//! member that asked for it (一次性告知 and 容缺后补 alike), through the same case step as on
//! a single case.

use tongban_domain::ValidationErrors;
use tongban_domain::case::{CaseAction, CaseStatus};

use super::view::{BundleCaseView, view};
use crate::cases::{Upload, act, check_uploads};
use crate::{Actor, App, AppError};

/// The papers the bundle still asks for, each once, with the members that ask for it.
pub fn requested(v: &BundleCaseView) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in &v.notice {
        for item in &line.items {
            match out.iter_mut().find(|(m, _)| *m == item.material) {
                Some((_, by)) if !by.contains(&line.item_name) => by.push(line.item_name.clone()),
                Some(_) => {}
                None => out.push((item.material.clone(), vec![line.item_name.clone()])),
            }
        }
    }
    out
}

/// Sends `uploads` (each named by the material it is) to every member that asks for it.
pub async fn supply(
    app: &App,
    current: &Actor,
    bundle_no: &str,
    uploads: Vec<Upload>,
) -> Result<BundleCaseView, AppError> {
    let v = view(app, current, bundle_no).await?;
    let wanted = requested(&v);
    let mut errors = ValidationErrors::new();
    if uploads.is_empty() {
        errors.add("materials", "required", "请上传需要补正的材料");
    }
    for (i, u) in uploads.iter().enumerate() {
        if uploads[..i].iter().any(|p| p.name.trim() == u.name.trim()) {
            errors.add(
                &format!("{}.name", u.field),
                "duplicate",
                format!("“{}”只需上传一次，会送达所有需要它的部门", u.name.trim()),
            );
        }
        if !wanted.iter().any(|(m, _)| *m == u.name.trim()) {
            errors.add(
                &format!("{}.name", u.field),
                "not_requested",
                format!("“{}”不在补正告知所列的材料中", u.name.trim()),
            );
        }
    }
    let materials = check_uploads(uploads, &mut errors);
    errors.into_result()?;
    // Members that start later take these, not the papers they replace.
    app.store
        .keep_bundle_materials(&v.record.id, &materials)
        .await?;
    for child in &v.children {
        let Some(case) = &child.case else { continue };
        let asked: Vec<&str> = v
            .notice
            .iter()
            .filter(|n| n.case_no == case.case_no)
            .flat_map(|n| n.items.iter().map(|i| i.material.as_str()))
            .collect();
        let own: Vec<_> = materials
            .iter()
            .filter(|m| asked.contains(&m.name.as_str()))
            .cloned()
            .collect();
        if own.is_empty() {
            continue;
        }
        let action = if case.status == CaseStatus::AwaitingSupplement {
            CaseAction::Supply {
                supplied: Vec::new(),
            }
        } else {
            CaseAction::SupplyDeficiency {
                supplied: Vec::new(),
            }
        };
        act(app, current, &case.case_no, action, own).await?;
    }
    view(app, current, bundle_no).await
}
