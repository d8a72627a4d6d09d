//! The implementation list of one service item, and the rules that read it: completeness,
//! 四级四同, the situation guide and the diff between two versions.

use serde::{Deserialize, Serialize};

use super::dictionaries::*;
use crate::codes::CreditCode;
use crate::org::OrgLevel;
use crate::validation::ValidationErrors;

/// An upper-level (自治区派发) catalog entry: name, code, legal basis and kind are fixed here
/// and must be the same in every implementation (四级四同).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// 12-character basic code (基本编码).
    pub catalog_code: String,
    pub name: String,
    pub kind: ItemKind,
    /// 设定依据; may be empty where the upper level has not yet filled it.
    pub legal_basis: String,
    /// The parent item where the upper level groups sub-items.
    pub group: String,
    /// The department the upper level names, as written there.
    pub source_department: String,
    /// 本级事项: the upper catalog has no such entry yet; the district lists it itself
    /// (labelled as such wherever it is shown) until the upper level adds it.
    #[serde(default)]
    pub local: bool,
}

/// 办事情形: a variant of the item with its own conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Situation {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// One step of the procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Where a material comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MaterialSource {
    /// 申请人自备.
    Applicant,
    /// 政府部门核发: a licence of this type, which the licence library can supply.
    Government { licence_type: String },
    /// From an intermediary agency's service.
    Intermediary { service: String },
}

/// Words by which a material's name says it is someone else's paper (the deceased's, a
/// spouse's, a shareholder's …): a licence the applicant holds cannot stand for it.
pub const ANOTHER_PERSONS: &[&str] = &[
    "死者",
    "逝者",
    "被注销人",
    "配偶",
    "新生儿",
    "父亲",
    "母亲",
    "子女",
    "学生",
    "股东",
    "监护",
    "被继承人",
    "出卖人",
    "买受人",
    "委托人",
    "受托人",
];

/// Whether a material named `name` is another person's paper.
pub fn names_another_person(name: &str) -> bool {
    ANOTHER_PERSONS.iter().any(|w| name.contains(w))
}

/// 申请材料.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialRequirement {
    pub name: String,
    pub form: MaterialForm,
    pub copies: u8,
    pub necessity: Necessity,
    pub source: MaterialSource,
    /// The situations it is needed in; empty means every situation.
    #[serde(default)]
    pub situations: Vec<String>,
    /// 免提交: may be taken from a licence the applicant holds instead.
    #[serde(default)]
    pub waivable: bool,
    #[serde(default)]
    pub blank_form: bool,
    #[serde(default)]
    pub sample: bool,
    #[serde(default)]
    pub note: String,
}

/// 中介服务.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntermediaryService {
    pub name: String,
    #[serde(default)]
    pub basis: String,
}

/// A time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimit {
    pub days: u32,
    pub unit: TimeUnit,
}

impl TimeLimit {
    pub fn working(days: u32) -> Self {
        TimeLimit {
            days,
            unit: TimeUnit::WorkingDays,
        }
    }

    pub fn label(&self) -> String {
        if self.days == 0 {
            "即办".to_owned()
        } else {
            format!("{} 个{}", self.days, self.unit.label())
        }
    }
}

/// A fee, in integer fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub item: String,
    pub amount_fen: i64,
    #[serde(default)]
    pub basis: String,
}

impl Fee {
    pub fn amount_label(&self) -> String {
        format!("{}.{:02} 元", self.amount_fen / 100, self.amount_fen % 100)
    }
}

/// 现场勘验 / 技术审查 / 听证论证 with its own limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialProcedure {
    pub kind: SpecialProcedureKind,
    pub limit_days: u32,
    #[serde(default)]
    pub note: String,
}

/// 办理结果.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub name: String,
    /// The licence type it issues into the licence library, if any.
    #[serde(default)]
    pub licence_type: Option<String>,
}

/// The implementation list (实施清单) of one item in the district: every standard element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceItem {
    /// 31 characters: implementing body's credit code + level + catalog code.
    pub implementation_code: String,
    pub catalog_code: String,
    pub name: String,
    pub kind: ItemKind,
    pub legal_basis: String,
    /// The implementing org unit's code (e.g. `D-SJJ`) and name.
    pub org_code: String,
    pub org_name: String,
    /// Levels where it can be applied for (就近办).
    pub levels: Vec<OrgLevel>,
    pub audiences: Vec<Audience>,
    /// Life events and enterprise themes for browsing.
    #[serde(default)]
    pub themes: Vec<String>,
    pub conditions: String,
    #[serde(default)]
    pub situations: Vec<Situation>,
    pub procedure: Vec<Step>,
    pub materials: Vec<MaterialRequirement>,
    #[serde(default)]
    pub intermediaries: Vec<IntermediaryService>,
    pub statutory_limit: TimeLimit,
    pub promised_limit: TimeLimit,
    pub outcome: Outcome,
    pub case_class: CaseClass,
    pub visits_required: u8,
    pub fully_online: bool,
    #[serde(default)]
    pub online_depth: Vec<OnlineDepth>,
    /// Empty means free of charge.
    #[serde(default)]
    pub fees: Vec<Fee>,
    pub place: String,
    pub hours: String,
    #[serde(default)]
    pub windows: String,
    pub consult_phone: String,
    pub complaint_phone: String,
    /// 告知承诺: the commitment text the applicant signs, when the item allows it.
    #[serde(default)]
    pub commitment: Option<String>,
    pub cross_region: CrossRegion,
    pub hall_entry: bool,
    #[serde(default)]
    pub special_procedures: Vec<SpecialProcedure>,
    /// Review stages before the decision (1: one reviewer decides; 2: 初审 then 审批 …).
    #[serde(default = "one_stage")]
    pub review_stages: u8,
}

fn one_stage() -> u8 {
    1
}

/// The 31-character implementation code: body credit code + level + catalog code
/// *(inferred from real samples, STANDARDS.md)*.
pub fn implementation_code(body: &CreditCode, level: OrgLevel, catalog_code: &str) -> String {
    format!("{}{}{}", body.as_str(), level.national_code(), catalog_code)
}

impl ServiceItem {
    /// A first draft of the implementation list for `entry`, implemented by a body at
    /// `level`: the four fixed elements come from the entry (四级四同), the rest is left for
    /// the department to fill in, with the usual defaults of a promised item.
    pub fn draft(
        entry: &CatalogEntry,
        body: &CreditCode,
        level: OrgLevel,
        org_code: &str,
        org_name: &str,
    ) -> ServiceItem {
        ServiceItem {
            implementation_code: implementation_code(body, level, &entry.catalog_code),
            catalog_code: entry.catalog_code.clone(),
            name: entry.name.clone(),
            kind: entry.kind,
            legal_basis: entry.legal_basis.clone(),
            org_code: org_code.to_owned(),
            org_name: org_name.to_owned(),
            levels: vec![level],
            audiences: Vec::new(),
            themes: Vec::new(),
            conditions: String::new(),
            situations: Vec::new(),
            procedure: Vec::new(),
            materials: Vec::new(),
            intermediaries: Vec::new(),
            statutory_limit: TimeLimit::working(20),
            promised_limit: TimeLimit::working(10),
            outcome: Outcome {
                name: String::new(),
                licence_type: None,
            },
            case_class: CaseClass::Promised,
            visits_required: 1,
            fully_online: false,
            online_depth: Vec::new(),
            fees: Vec::new(),
            place: String::new(),
            hours: String::new(),
            windows: "综合受理窗口（无差别受理）".into(),
            consult_phone: String::new(),
            complaint_phone: "12345".into(),
            commitment: None,
            cross_region: CrossRegion::None,
            hall_entry: true,
            special_procedures: Vec::new(),
            review_stages: 1,
        }
    }

    /// Whether an applicant of this kind may apply: persons for items serving 自然人,
    /// enterprises for items serving any legal person or organisation.
    pub fn serves(&self, applicant: crate::account::AccountKind) -> bool {
        match applicant {
            crate::account::AccountKind::Citizen => {
                self.audiences.contains(&Audience::NaturalPerson)
            }
            crate::account::AccountKind::Enterprise => {
                self.audiences.iter().any(|a| a.is_legal_person())
            }
            crate::account::AccountKind::Staff => false,
        }
    }

    /// 容缺受理: some material may be supplied after acceptance.
    pub fn deficiency_acceptance(&self) -> bool {
        self.materials
            .iter()
            .any(|m| m.necessity == Necessity::Deficiency)
    }

    /// 零材料: every material is a licence some department issues, which the licence library
    /// supplies instead of the applicant (免提交).
    pub fn zero_material(&self) -> bool {
        self.materials.iter().all(|m| {
            matches!(&m.source, MaterialSource::Government { licence_type } if !licence_type.is_empty())
        })
    }

    pub fn is_free(&self) -> bool {
        self.fees.is_empty()
    }

    /// Checks that every standard element is present and consistent. Field names are the
    /// JSON field names, with list positions (`materials[2].name`).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let need = |e: &mut ValidationErrors, field: &str, value: &str, label: &str| {
            if value.trim().is_empty() {
                e.add(field, "required", format!("请填写{label}"));
            }
        };
        if self.implementation_code.len() != 31 {
            e.add("implementation_code", "length", "实施编码应为 31 位");
        }
        if self.catalog_code.chars().count() != 12 {
            e.add("catalog_code", "length", "基本编码应为 12 位");
        }
        if !(1..=3).contains(&self.review_stages) {
            e.add("review_stages", "range", "审查层级应为 1 至 3 级");
        }
        need(&mut e, "name", &self.name, "事项名称");
        need(&mut e, "legal_basis", &self.legal_basis, "设定依据");
        need(&mut e, "conditions", &self.conditions, "受理条件");
        need(&mut e, "place", &self.place, "办理地点");
        need(&mut e, "hours", &self.hours, "办理时间");
        need(&mut e, "consult_phone", &self.consult_phone, "咨询电话");
        need(
            &mut e,
            "complaint_phone",
            &self.complaint_phone,
            "监督投诉电话",
        );
        need(&mut e, "outcome.name", &self.outcome.name, "办理结果名称");
        if self.levels.is_empty() {
            e.add("levels", "required", "请选择可办理的层级");
        }
        if self.audiences.is_empty() {
            e.add("audiences", "required", "请选择服务对象");
        }
        if self.procedure.is_empty() {
            e.add("procedure", "required", "请至少填写一个办理环节");
        }
        if self.promised_limit.days > self.statutory_limit.days
            && self.promised_limit.unit == self.statutory_limit.unit
        {
            e.add(
                "promised_limit",
                "exceeds_statutory",
                "承诺办结时限不能超过法定办结时限",
            );
        }
        match self.case_class {
            CaseClass::Immediate if self.promised_limit.days != 0 => e.add(
                "case_class",
                "inconsistent",
                "即办件的承诺办结时限应为 0（当场办结）",
            ),
            CaseClass::Promised if self.promised_limit.days == 0 => e.add(
                "case_class",
                "inconsistent",
                "承诺件须有承诺办结时限；当场办结的请选择即办件",
            ),
            _ => {}
        }
        if self.fully_online && self.visits_required > 0 {
            e.add(
                "visits_required",
                "inconsistent",
                "全程网办的事项到现场次数应为 0",
            );
        }
        let situation_names: Vec<&str> = self.situations.iter().map(|s| s.name.as_str()).collect();
        for (i, m) in self.materials.iter().enumerate() {
            if m.name.trim().is_empty() {
                e.add(
                    &format!("materials[{i}].name"),
                    "required",
                    "请填写材料名称",
                );
            }
            if m.copies == 0 && m.form != MaterialForm::Electronic {
                e.add(
                    &format!("materials[{i}].copies"),
                    "required",
                    "纸质材料份数至少为 1",
                );
            }
            for s in &m.situations {
                if !situation_names.contains(&s.as_str()) {
                    e.add(
                        &format!("materials[{i}].situations"),
                        "unknown_situation",
                        format!("材料“{}”引用了不存在的办事情形“{s}”", m.name),
                    );
                }
            }
            if m.waivable && !matches!(m.source, MaterialSource::Government { .. }) {
                e.add(
                    &format!("materials[{i}].waivable"),
                    "inconsistent",
                    format!("只有政府部门核发的材料才能免提交：“{}”", m.name),
                );
            }
        }
        for (i, f) in self.fees.iter().enumerate() {
            if f.amount_fen < 0 {
                e.add(
                    &format!("fees[{i}].amount_fen"),
                    "negative",
                    "收费金额不能为负数",
                );
            }
        }
        e.into_result()
    }

    /// The materials for one situation (`None`: the item has no situations).
    pub fn materials_for(&self, situation: Option<&str>) -> Vec<&MaterialRequirement> {
        self.materials
            .iter()
            .filter(|m| match situation {
                Some(s) => m.situations.is_empty() || m.situations.iter().any(|x| x == s),
                None => true,
            })
            .collect()
    }
}

/// 四级四同: name, catalog code, legal basis and kind must equal the upper-level entry's.
/// An empty upper-level legal basis is not compared (the upper level has not set it).
pub fn four_sames(entry: &CatalogEntry, item: &ServiceItem) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if item.name != entry.name {
        e.add(
            "name",
            "four_sames",
            format!(
                "事项名称与上级目录不一致：目录为“{}”，本地为“{}”",
                entry.name, item.name
            ),
        );
    }
    if item.catalog_code != entry.catalog_code {
        e.add(
            "catalog_code",
            "four_sames",
            format!(
                "事项编码与上级目录不一致：目录为 {}，本地为 {}",
                entry.catalog_code, item.catalog_code
            ),
        );
    }
    if !entry.legal_basis.is_empty() && item.legal_basis != entry.legal_basis {
        e.add("legal_basis", "four_sames", "设定依据与上级目录不一致");
    }
    if item.kind != entry.kind {
        e.add(
            "kind",
            "four_sames",
            format!(
                "事项类型与上级目录不一致：目录为“{}”，本地为“{}”",
                entry.kind.label(),
                item.kind.label()
            ),
        );
    }
    e.into_result()
}

/// One changed element between two versions, in words people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// The elements of an item as (label, text) pairs, in display order: what diffs compare.
pub fn describe(item: &ServiceItem) -> Vec<(String, String)> {
    let join = |v: Vec<String>| v.join("；");
    let mut out = vec![
        ("事项名称".to_owned(), item.name.clone()),
        ("基本编码".to_owned(), item.catalog_code.clone()),
        ("实施编码".to_owned(), item.implementation_code.clone()),
        ("事项类型".to_owned(), item.kind.label().to_owned()),
        ("设定依据".to_owned(), item.legal_basis.clone()),
        ("实施主体".to_owned(), item.org_name.clone()),
        (
            "办理层级".to_owned(),
            join(item.levels.iter().map(|l| l.label().to_owned()).collect()),
        ),
        (
            "服务对象".to_owned(),
            join(
                item.audiences
                    .iter()
                    .map(|a| a.label().to_owned())
                    .collect(),
            ),
        ),
        ("受理条件".to_owned(), item.conditions.clone()),
        (
            "办事情形".to_owned(),
            join(item.situations.iter().map(|s| s.name.clone()).collect()),
        ),
        (
            "办理流程".to_owned(),
            join(item.procedure.iter().map(|s| s.name.clone()).collect()),
        ),
        ("法定办结时限".to_owned(), item.statutory_limit.label()),
        ("承诺办结时限".to_owned(), item.promised_limit.label()),
        ("办件类型".to_owned(), item.case_class.label().to_owned()),
        (
            "到现场次数".to_owned(),
            format!("{} 次", item.visits_required),
        ),
        ("全程网办".to_owned(), yes_no(item.fully_online)),
        (
            "收费".to_owned(),
            if item.fees.is_empty() {
                "不收费".to_owned()
            } else {
                join(
                    item.fees
                        .iter()
                        .map(|f| format!("{} {}", f.item, f.amount_label()))
                        .collect(),
                )
            },
        ),
        ("办理结果".to_owned(), item.outcome.name.clone()),
        ("办理地点".to_owned(), item.place.clone()),
        ("办理时间".to_owned(), item.hours.clone()),
        ("咨询电话".to_owned(), item.consult_phone.clone()),
        ("监督投诉电话".to_owned(), item.complaint_phone.clone()),
        (
            "告知承诺".to_owned(),
            item.commitment.clone().unwrap_or_else(|| "否".into()),
        ),
        ("通办范围".to_owned(), item.cross_region.label().to_owned()),
        ("审查层级".to_owned(), format!("{} 级", item.review_stages)),
        ("进驻大厅".to_owned(), yes_no(item.hall_entry)),
        (
            "中介服务".to_owned(),
            join(item.intermediaries.iter().map(|i| i.name.clone()).collect()),
        ),
        (
            "特别程序".to_owned(),
            join(
                item.special_procedures
                    .iter()
                    .map(|p| format!("{}（{} 个工作日）", p.kind.label(), p.limit_days))
                    .collect(),
            ),
        ),
    ];
    for (i, m) in item.materials.iter().enumerate() {
        out.push((
            format!("申请材料 {}", i + 1),
            format!(
                "{}（{}，{} 份，{}）",
                m.name,
                m.form.label(),
                m.copies,
                m.necessity.label()
            ),
        ));
    }
    out
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_owned()
}

/// The elements that differ between two versions.
pub fn diff(before: &ServiceItem, after: &ServiceItem) -> Vec<FieldChange> {
    let a = describe(before);
    let b = describe(after);
    let mut labels: Vec<&String> = a.iter().map(|(l, _)| l).collect();
    for (l, _) in &b {
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    labels
        .into_iter()
        .filter_map(|label| {
            let find = |v: &[(String, String)]| {
                v.iter()
                    .find(|(l, _)| l == label)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default()
            };
            let (x, y) = (find(&a), find(&b));
            (x != y).then(|| FieldChange {
                field: label.clone(),
                before: x,
                after: y,
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn entry() -> CatalogEntry {
        CatalogEntry {
            catalog_code: "1A0138000000".into(),
            name: "食品经营许可".into(),
            kind: ItemKind::Licensing,
            legal_basis: String::new(),
            group: String::new(),
            source_department: "区市监局".into(),
            local: false,
        }
    }

    pub fn item() -> ServiceItem {
        let body = CreditCode::parse("11640303MB00001035").unwrap_or_else(|_| {
            let first = "11640303MB0000103";
            let check = crate::codes::credit_code_check_char(first.as_bytes()).unwrap();
            CreditCode::parse(&format!("{first}{check}")).unwrap()
        });
        ServiceItem {
            implementation_code: implementation_code(&body, OrgLevel::District, "1A0138000000"),
            catalog_code: "1A0138000000".into(),
            name: "食品经营许可".into(),
            kind: ItemKind::Licensing,
            legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
            org_code: "D-SJJ".into(),
            org_name: "吴忠市市场监督管理局红寺堡区分局".into(),
            levels: vec![OrgLevel::District],
            audiences: vec![Audience::Enterprise, Audience::NaturalPerson],
            themes: vec!["开办餐饮店".into()],
            conditions: "有与经营的食品品种、数量相适应的经营场所".into(),
            situations: vec![
                Situation {
                    name: "新办".into(),
                    description: String::new(),
                },
                Situation {
                    name: "延续".into(),
                    description: String::new(),
                },
            ],
            procedure: vec![Step {
                name: "受理".into(),
                description: String::new(),
            }],
            materials: vec![
                MaterialRequirement {
                    name: "食品经营许可申请书".into(),
                    form: MaterialForm::Original,
                    copies: 1,
                    necessity: Necessity::Required,
                    source: MaterialSource::Applicant,
                    situations: vec![],
                    waivable: false,
                    blank_form: true,
                    sample: true,
                    note: String::new(),
                },
                MaterialRequirement {
                    name: "营业执照".into(),
                    form: MaterialForm::Copy,
                    copies: 1,
                    necessity: Necessity::Required,
                    source: MaterialSource::Government {
                        licence_type: "营业执照".into(),
                    },
                    situations: vec!["新办".into()],
                    waivable: true,
                    blank_form: false,
                    sample: false,
                    note: String::new(),
                },
                MaterialRequirement {
                    name: "原食品经营许可证".into(),
                    form: MaterialForm::Original,
                    copies: 1,
                    necessity: Necessity::Deficiency,
                    source: MaterialSource::Applicant,
                    situations: vec!["延续".into()],
                    waivable: false,
                    blank_form: false,
                    sample: false,
                    note: String::new(),
                },
            ],
            intermediaries: vec![],
            statutory_limit: TimeLimit::working(20),
            promised_limit: TimeLimit::working(5),
            outcome: Outcome {
                name: "食品经营许可证".into(),
                licence_type: Some("食品经营许可证".into()),
            },
            case_class: CaseClass::Promised,
            visits_required: 0,
            fully_online: true,
            online_depth: vec![
                OnlineDepth::Accept,
                OnlineDepth::Handle,
                OnlineDepth::Feedback,
            ],
            fees: vec![],
            place: "红寺堡区政务服务中心".into(),
            hours: "工作日 9:00–12:00，14:30–18:00".into(),
            windows: "综合受理窗口".into(),
            consult_phone: "0953-5039000".into(),
            complaint_phone: "12345".into(),
            commitment: None,
            cross_region: CrossRegion::InRegion,
            hall_entry: true,
            special_procedures: vec![SpecialProcedure {
                kind: SpecialProcedureKind::SiteInspection,
                limit_days: 5,
                note: String::new(),
            }],
            review_stages: 1,
        }
    }

    #[test]
    fn a_draft_keeps_the_four_fixed_elements_and_is_incomplete() {
        let body = CreditCode::parse(&item().implementation_code[..18]).unwrap();
        let d = ServiceItem::draft(&entry(), &body, OrgLevel::District, "D-SJJ", "市场监管分局");
        assert_eq!(four_sames(&entry(), &d), Ok(()));
        assert_eq!(d.implementation_code, item().implementation_code);
        assert!(d.validate().is_err());
        assert!(item().serves(crate::account::AccountKind::Citizen));
        assert!(item().serves(crate::account::AccountKind::Enterprise));
        let mut persons_only = item();
        persons_only.audiences = vec![Audience::NaturalPerson];
        assert!(!persons_only.serves(crate::account::AccountKind::Enterprise));
    }

    #[test]
    fn a_complete_item_validates() {
        assert_eq!(item().validate(), Ok(()));
        assert_eq!(item().implementation_code.len(), 31);
    }

    #[test]
    fn missing_and_inconsistent_elements_are_named() {
        let mut i = item();
        i.legal_basis.clear();
        i.promised_limit = TimeLimit::working(30);
        i.visits_required = 1;
        i.materials[0].waivable = true;
        i.materials[1].situations = vec!["变更".into()];
        let errs = i.validate().unwrap_err();
        let fields: Vec<&str> = errs.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "legal_basis",
                "promised_limit",
                "visits_required",
                "materials[0].waivable",
                "materials[1].situations"
            ]
        );
        let mut i = item();
        i.case_class = CaseClass::Immediate;
        assert_eq!(i.validate().unwrap_err().errors[0].field, "case_class");
    }

    #[test]
    fn four_sames_names_the_field() {
        assert_eq!(four_sames(&entry(), &item()), Ok(()));
        let mut i = item();
        i.name = "食品经营许可证核发".into();
        i.kind = ItemKind::Confirmation;
        let errs = four_sames(&entry(), &i).unwrap_err();
        assert_eq!(errs.errors.len(), 2);
        assert_eq!(errs.errors[0].field, "name");
        assert!(errs.errors[0].message.contains("食品经营许可"));
        assert_eq!(errs.errors[1].field, "kind");
        let mut e = entry();
        e.legal_basis = "《食品安全法》".into();
        assert_eq!(
            four_sames(&e, &item()).unwrap_err().errors[0].field,
            "legal_basis"
        );
    }

    #[test]
    fn situation_guide_tailors_materials() {
        let i = item();
        let new: Vec<&str> = i
            .materials_for(Some("新办"))
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(new, ["食品经营许可申请书", "营业执照"]);
        let renew: Vec<&str> = i
            .materials_for(Some("延续"))
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(renew, ["食品经营许可申请书", "原食品经营许可证"]);
        assert_eq!(i.materials_for(None).len(), 3);
        assert!(i.deficiency_acceptance());
        assert!(!i.zero_material());
    }

    #[test]
    fn diff_lists_changed_elements_only() {
        let a = item();
        let mut b = item();
        b.promised_limit = TimeLimit::working(3);
        b.fees.push(Fee {
            item: "工本费".into(),
            amount_fen: 1050,
            basis: String::new(),
        });
        let changes = diff(&a, &b);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["承诺办结时限", "收费"]);
        assert_eq!(changes[0].before, "5 个工作日");
        assert_eq!(changes[1].after, "工本费 10.50 元");
        assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn items_round_trip_through_json() {
        let i = item();
        let json = serde_json::to_string(&i).unwrap();
        let back: ServiceItem = serde_json::from_str(&json).unwrap();
        assert_eq!(back, i);
    }
}
