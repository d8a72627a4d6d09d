//! The demonstration catalog: the real upper-level catalog in `data/` and the district's
//! implementation lists authored in `data/demo_items.txt`, each taken through the real
//! lifecycle (draft → legality review → publication).

use chrono::{DateTime, Utc};
use tongban_domain::catalog::{
    Audience, CaseClass, CatalogEntry, CrossRegion, Fee, IntermediaryService, MaterialForm,
    MaterialRequirement, MaterialSource, Necessity, OnlineDepth, Outcome, ReviewAction,
    ServiceItem, Situation, SpecialProcedure, SpecialProcedureKind, Step, TimeLimit, VersionStatus,
    four_sames, implementation_code, next_status, parse_catalog_csv,
};
use tongban_domain::codes::CreditCode;
use tongban_domain::org::OrgLevel;

use crate::{Store, StoreError};

pub const UPPER_CATALOG_CSV: &str =
    include_str!("../../../data/guangan_district_service_items.csv");
pub const DEMO_ITEMS: &str = include_str!("../../../data/demo_items.txt");

/// A line-numbered complaint about `data/demo_items.txt`.
fn bad(block: &str, msg: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("演示事项“{block}”有误：{msg}"))
}

fn split_list(s: &str) -> Vec<String> {
    s.split(['；', ';'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn material(block: &str, spec: &str) -> Result<MaterialRequirement, StoreError> {
    let parts: Vec<&str> = spec.split('|').map(str::trim).collect();
    if parts.len() < 5 {
        return Err(bad(block, format!("材料“{spec}”应有至少 5 栏")));
    }
    let form = MaterialForm::from_label(parts[1])
        .ok_or_else(|| bad(block, format!("材料形式“{}”", parts[1])))?;
    let copies: u8 = parts[2]
        .parse()
        .map_err(|_| bad(block, format!("份数“{}”", parts[2])))?;
    let necessity = Necessity::from_label(parts[3])
        .ok_or_else(|| bad(block, format!("必要性“{}”", parts[3])))?;
    let source = if parts[4] == "自备" {
        MaterialSource::Applicant
    } else if let Some(t) = parts[4].strip_prefix("证照:") {
        MaterialSource::Government {
            licence_type: t.to_owned(),
        }
    } else if let Some(s) = parts[4].strip_prefix("中介:") {
        MaterialSource::Intermediary {
            service: s.to_owned(),
        }
    } else {
        return Err(bad(block, format!("材料来源“{}”", parts[4])));
    };
    Ok(MaterialRequirement {
        name: parts[0].to_owned(),
        form,
        copies,
        necessity,
        waivable: matches!(source, MaterialSource::Government { .. })
            && !tongban_domain::catalog::names_another_person(parts[0]),
        source,
        situations: parts.get(5).map(|s| split_list(s)).unwrap_or_default(),
        blank_form: parts[0].contains("申请") || parts[0].contains("表"),
        sample: parts[0].contains("申请"),
        note: String::new(),
    })
}

/// Builds one implementation list from a block of `key: value` lines, against the upper
/// catalog entry of the same name and the implementing unit's credit code.
pub fn item_from_block(
    block: &str,
    entries: &[CatalogEntry],
    credit_code_of: &dyn Fn(&str) -> Option<(String, String)>,
) -> Result<ServiceItem, StoreError> {
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for line in block.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| bad(block, format!("行“{line}”缺少冒号")))?;
        fields.push((k.trim(), v.trim()));
    }
    let one = |k: &str| fields.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let all = |k: &str| {
        fields
            .iter()
            .filter(|(key, _)| *key == k)
            .map(|(_, v)| *v)
            .collect::<Vec<_>>()
    };
    let name = one("name").ok_or_else(|| bad(block, "缺少 name"))?;
    let entry = entries
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| bad(name, "上级目录中没有同名事项"))?;
    let org_code = one("org").ok_or_else(|| bad(name, "缺少 org"))?;
    let (credit, org_name) =
        credit_code_of(org_code).ok_or_else(|| bad(name, format!("机构 {org_code} 不存在")))?;
    let credit = CreditCode::parse(&credit).map_err(|e| bad(name, e))?;
    let limits: Vec<u32> = one("limits")
        .unwrap_or("0 0")
        .split_whitespace()
        .map(|d| d.parse().map_err(|_| bad(name, "limits")))
        .collect::<Result<_, _>>()?;
    let (statutory, promised) = match limits.as_slice() {
        [s, p] => (*s, *p),
        _ => return Err(bad(name, "limits 应为“法定 承诺”两个数")),
    };
    let levels: Vec<OrgLevel> = one("levels")
        .unwrap_or("district")
        .split_whitespace()
        .map(|l| OrgLevel::parse(l).ok_or_else(|| bad(name, format!("层级 {l}"))))
        .collect::<Result<_, _>>()?;
    let audiences: Vec<Audience> = one("audiences")
        .unwrap_or("1")
        .split_whitespace()
        .map(|a| Audience::from_code(a).ok_or_else(|| bad(name, format!("服务对象 {a}"))))
        .collect::<Result<_, _>>()?;
    let online = one("online") == Some("yes");
    let materials = all("material")
        .into_iter()
        .map(|m| material(name, m))
        .collect::<Result<Vec<_>, _>>()?;
    let special_procedures = one("special")
        .map(|s| {
            split_list(s)
                .iter()
                .map(|p| {
                    let (kind, days) = p.rsplit_once(' ').ok_or_else(|| bad(name, "special"))?;
                    Ok(SpecialProcedure {
                        kind: SpecialProcedureKind::from_label(kind.trim())
                            .ok_or_else(|| bad(name, kind))?,
                        limit_days: days.trim().parse().map_err(|_| bad(name, "special 天数"))?,
                        note: String::new(),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .transpose()?
        .unwrap_or_default();
    let case_class = if promised == 0 {
        CaseClass::Immediate
    } else {
        CaseClass::Promised
    };
    let review_stages: u8 = one("review")
        .map(|r| r.trim().parse().map_err(|_| bad(name, "review 级数")))
        .transpose()?
        .unwrap_or(1);
    let mut procedure: Vec<Step> = match (case_class, review_stages) {
        (CaseClass::Immediate, _) => vec!["受理", "办结"],
        (CaseClass::Promised, 1) => vec!["申请", "受理", "审查", "决定", "送达"],
        (CaseClass::Promised, _) => vec!["申请", "受理", "初审", "复审", "决定", "送达"],
    }
    .into_iter()
    .map(|s| Step {
        name: s.to_owned(),
        description: String::new(),
    })
    .collect();
    for p in special_procedures.iter().rev() {
        let at = procedure.len().saturating_sub(2).max(1);
        procedure.insert(
            at,
            Step {
                name: p.kind.label().to_owned(),
                description: format!("{} 个工作日，不计入办理时限", p.limit_days),
            },
        );
    }
    let outcome = one("outcome").ok_or_else(|| bad(name, "缺少 outcome"))?;
    let (outcome_name, licence_type) = match outcome.split_once('|') {
        Some((n, t)) => (n.trim().to_owned(), Some(t.trim().to_owned())),
        None => (outcome.to_owned(), None),
    };
    let fees = all("fee")
        .into_iter()
        .filter_map(|f| {
            let p: Vec<&str> = f.split('|').map(str::trim).collect();
            let yuan: f64 = p.get(1)?.parse().ok()?;
            (yuan > 0.0).then(|| Fee {
                item: p[0].to_owned(),
                amount_fen: (yuan * 100.0).round() as i64,
                basis: p.get(2).copied().unwrap_or_default().to_owned(),
            })
        })
        .collect();
    let mut depth = if online {
        vec![
            OnlineDepth::Consult,
            OnlineDepth::Collect,
            OnlineDepth::PreReview,
            OnlineDepth::Accept,
            OnlineDepth::Handle,
            OnlineDepth::Feedback,
        ]
    } else {
        vec![OnlineDepth::Consult, OnlineDepth::Collect]
    };
    if online && licence_type.is_some() {
        depth.push(OnlineDepth::LicenceFeedback);
    }
    let mut place = "红寺堡区政务服务中心综合受理窗口".to_owned();
    if levels.contains(&OrgLevel::Town) {
        place.push_str("；各乡镇（街道）民生服务中心");
    }
    if levels.contains(&OrgLevel::Village) {
        place.push_str("；各村（社区）便民代办点（帮办代办）");
    }
    Ok(ServiceItem {
        implementation_code: implementation_code(&credit, OrgLevel::District, &entry.catalog_code),
        catalog_code: entry.catalog_code.clone(),
        name: entry.name.clone(),
        kind: entry.kind,
        legal_basis: one("basis").unwrap_or_default().to_owned(),
        org_code: org_code.to_owned(),
        org_name,
        levels,
        audiences,
        themes: one("themes").map(split_list).unwrap_or_default(),
        conditions: one("conditions").unwrap_or_default().to_owned(),
        situations: one("situations")
            .map(split_list)
            .unwrap_or_default()
            .into_iter()
            .map(|n| Situation {
                name: n,
                description: String::new(),
            })
            .collect(),
        procedure,
        materials,
        intermediaries: all("intermediary")
            .into_iter()
            .map(|n| IntermediaryService {
                name: n.to_owned(),
                basis: String::new(),
            })
            .collect(),
        statutory_limit: TimeLimit::working(statutory),
        promised_limit: TimeLimit::working(promised),
        outcome: Outcome {
            name: outcome_name,
            licence_type,
        },
        case_class,
        visits_required: one("visits").and_then(|v| v.parse().ok()).unwrap_or(1),
        fully_online: online && one("visits") == Some("0"),
        online_depth: depth,
        fees,
        place,
        hours:
            "周一至周五 9:00–12:00、14:30–18:00（冬季下午 14:00–17:30）；周六 9:00–12:00 错时服务"
                .to_owned(),
        windows: "综合受理窗口（无差别受理）".to_owned(),
        consult_phone: "0953-5039000（演示号码）".to_owned(),
        complaint_phone: "12345".to_owned(),
        commitment: one("commitment").map(str::to_owned),
        cross_region: one("cross")
            .map(|c| CrossRegion::from_label(c).ok_or_else(|| bad(name, format!("通办范围 {c}"))))
            .transpose()?
            .unwrap_or(CrossRegion::None),
        hall_entry: one("hall") != Some("no"),
        special_procedures,
        review_stages,
    })
}

/// The authored blocks of `data/demo_items.txt`.
pub fn demo_blocks() -> Vec<&'static str> {
    DEMO_ITEMS
        .split("\n\n")
        .filter(|b| b.lines().any(|l| l.starts_with("name:")))
        .collect()
}

/// The district's own code prefix for 本级事项: division code, then `L`, then a five-digit
/// number by the order the local blocks appear in (blocks are only ever appended).
const LOCAL_PREFIX: &str = "640303L";

/// The catalog entries the demo items stand on: the upper catalog, and an entry marked
/// local for each block whose item the upper catalog lacks (`local: <事项类型>`).
pub fn demo_entries() -> Result<Vec<CatalogEntry>, StoreError> {
    let mut entries =
        parse_catalog_csv(UPPER_CATALOG_CSV).map_err(|e| StoreError::Config(e.to_string()))?;
    let mut n = 0;
    for block in demo_blocks() {
        let value = |k: &str| {
            block.lines().find_map(|l| {
                l.trim()
                    .strip_prefix(k)
                    .and_then(|r| r.strip_prefix(':'))
                    .map(str::trim)
            })
        };
        let Some(kind) = value("local") else {
            continue;
        };
        n += 1;
        let name = value("name").unwrap_or_default();
        if entries.iter().any(|e| e.name == name) {
            return Err(bad(name, "上级目录已有同名事项，不应再列为本级事项"));
        }
        entries.push(CatalogEntry {
            catalog_code: format!("{LOCAL_PREFIX}{n:05}"),
            name: name.to_owned(),
            kind: tongban_domain::catalog::ItemKind::from_label(kind)
                .ok_or_else(|| bad(name, format!("事项类型 {kind}")))?,
            legal_basis: value("basis").unwrap_or_default().to_owned(),
            group: String::new(),
            source_department: "红寺堡区本级".to_owned(),
            local: true,
        });
    }
    Ok(entries)
}

/// Imports the upper catalog (and the district's local entries) and publishes every demo
/// item through the real lifecycle.
pub async fn load_catalog(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let entries = demo_entries()?;
    store.import_catalog(now, "system", &entries).await?;
    let units = store
        .list_org_units(&tongban_domain::authz::Scope::All)
        .await?;
    let credit_of = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .and_then(|u| u.credit_code.clone().map(|c| (c, u.name.clone())))
    };
    let mut published = 0;
    for block in demo_blocks() {
        let item = item_from_block(block, &entries, &credit_of)?;
        item.validate().map_err(|e| bad(&item.name, e))?;
        let entry = entries
            .iter()
            .find(|e| e.catalog_code == item.catalog_code)
            .ok_or_else(|| bad(&item.name, "无目录"))?;
        four_sames(entry, &item).map_err(|e| bad(&item.name, e))?;
        let v = store.create_draft(now, "system", &item, "").await?;
        let mut status = VersionStatus::Draft;
        for action in [
            ReviewAction::Submit,
            ReviewAction::Approve,
            ReviewAction::Publish,
        ] {
            let next = next_status(status, action, "").map_err(|e| bad(&item.name, e))?;
            store
                .transition_version(now, "system", &v.id, status, next, "")
                .await?;
            status = next;
        }
        published += 1;
    }
    Ok(published)
}
