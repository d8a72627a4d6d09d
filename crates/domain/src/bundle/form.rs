//! One form and one set of materials for the whole bundle: the merged form asks each field
//! once, however many members use it, and each child's form is derived from it by the
//! members' declared field uses; a material several members ask for is collected once.

use std::collections::BTreeMap;

use serde::Serialize;

use super::definition::{Bundle, FieldKind, FieldSpec, Member};
use crate::ValidationErrors;
use crate::catalog::{MaterialRequirement, MaterialSource, Necessity};
use crate::codes::{CreditCode, Phone, ResidentId};

/// The longest value a merged-form field takes.
pub const MAX_FIELD_CHARS: usize = 500;

/// The fields the applicable `members` use, each once, in the bundle's declared order.
pub fn merged_form<'a>(bundle: &'a Bundle, members: &[Member]) -> Vec<&'a FieldSpec> {
    bundle
        .fields
        .iter()
        .filter(|f| {
            members
                .iter()
                .any(|m| m.fields.iter().any(|u| u.from == f.key))
        })
        .collect()
}

/// A member's own form, filled from the merged form's values by its field uses (a value
/// not given stays out, so the item's form shows it as not filled).
pub fn child_form(member: &Member, values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    member
        .fields
        .iter()
        .filter_map(|u| values.get(&u.from).map(|v| (u.item_key.clone(), v.clone())))
        .collect()
}

/// Checks the merged form's values against its fields: every required field filled, each
/// value of its kind (ID numbers and credit codes by their check characters), none too
/// long, no field the form does not ask. Messages name the field by its Chinese label.
pub fn check_form(
    fields: &[&FieldSpec],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut clean = BTreeMap::new();
    for k in values.keys() {
        if !fields.iter().any(|f| &f.key == k) {
            e.add(
                &format!("form.{k}"),
                "unknown_field",
                format!("表单没有“{k}”这一项"),
            );
        }
    }
    for f in fields {
        let at = format!("form.{}", f.key);
        let v = values.get(&f.key).map(|v| v.trim()).unwrap_or_default();
        if v.is_empty() {
            if f.required {
                e.add(&at, "required", format!("请填写{}", f.label));
            }
            continue;
        }
        if v.chars().count() > MAX_FIELD_CHARS {
            e.add(
                &at,
                "too_long",
                format!("{}不能超过 {MAX_FIELD_CHARS} 字", f.label),
            );
            continue;
        }
        let canonical = match f.kind {
            FieldKind::Text => Ok(v.to_owned()),
            FieldKind::IdNumber => ResidentId::parse(v)
                .map(|id| id.as_str().to_owned())
                .map_err(|err| format!("{}：{err}", f.label)),
            FieldKind::CreditCode => CreditCode::parse(v)
                .map(|c| c.as_str().to_owned())
                .map_err(|err| format!("{}：{err}", f.label)),
            FieldKind::Phone => Phone::parse(v)
                .map(|p| p.as_str().to_owned())
                .map_err(|err| format!("{}：{err}", f.label)),
            FieldKind::Date => parse_date(v)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .ok_or_else(|| format!("{}应为日期，如 2026-03-01", f.label)),
        };
        match canonical {
            Ok(c) => {
                clean.insert(f.key.clone(), c);
            }
            Err(message) => e.add(&at, "invalid", message),
        }
    }
    e.into_result().map(|()| clean)
}

/// A date as people write it: 2026-03-01, 2026/3/1, 2026.03.01, 20260301 or 2026年3月1日.
pub fn parse_date(v: &str) -> Option<chrono::NaiveDate> {
    let v = v.trim();
    if v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) {
        return chrono::NaiveDate::parse_from_str(v, "%Y%m%d").ok();
    }
    let unified: String = v
        .trim_end_matches('日')
        .chars()
        .map(|c| {
            if matches!(c, '/' | '.' | '年' | '月') {
                '-'
            } else {
                c
            }
        })
        .collect();
    chrono::NaiveDate::parse_from_str(&unified, "%Y-%m-%d").ok()
}

/// A material of the bundle, collected once for every member that asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedMaterial {
    pub name: String,
    /// The members (implementation codes) that ask for it, in member order.
    pub required_by: Vec<String>,
    /// The strictest necessity any member gives it (必要 over 容缺后补 over 非必要).
    pub necessity: Necessity,
    /// Where it comes from: a licence type if any member says so (then a licence the
    /// applicant holds, or one a member issues, stands for it).
    pub source: MaterialSource,
    /// A licence of the applicant's own may stand for it (not so for another person's
    /// paper, such as the deceased's ID card).
    pub waivable: bool,
}

fn strictness(n: Necessity) -> u8 {
    match n {
        Necessity::Required => 2,
        Necessity::Deficiency => 1,
        Necessity::Optional => 0,
    }
}

/// The materials of the applicable members, each asked for once by name: `items` is each
/// member with the materials of its item for its situation.
pub fn merged_materials(items: &[(&Member, Vec<&MaterialRequirement>)]) -> Vec<MergedMaterial> {
    let mut out: Vec<MergedMaterial> = Vec::new();
    for (member, materials) in items {
        for m in materials {
            match out.iter_mut().find(|x| x.name == m.name) {
                Some(x) => {
                    if !x.required_by.contains(&member.implementation_code) {
                        x.required_by.push(member.implementation_code.clone());
                    }
                    if strictness(m.necessity) > strictness(x.necessity) {
                        x.necessity = m.necessity;
                    }
                    if matches!(x.source, MaterialSource::Applicant)
                        && matches!(m.source, MaterialSource::Government { .. })
                    {
                        x.source = m.source.clone();
                    }
                    x.waivable = x.waivable && m.waivable;
                }
                None => out.push(MergedMaterial {
                    name: m.name.clone(),
                    required_by: vec![member.implementation_code.clone()],
                    necessity: m.necessity,
                    source: m.source.clone(),
                    waivable: m.waivable,
                }),
            }
        }
    }
    out
}
