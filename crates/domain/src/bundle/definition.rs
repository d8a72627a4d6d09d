//! A bundle as the bureau defines it: who it is for, its lead department, the questions
//! that decide which members apply, the members (each maybe conditional and depending on
//! others), the merged form's fields and how each member's form is filled from them, and a
//! promised limit for the whole.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ValidationErrors;

/// 服务对象 of a bundle: a person's life event or an enterprise's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Person,
    Enterprise,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Enterprise => "enterprise",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Person => "个人",
            Self::Enterprise => "企业",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "person" => Some(Self::Person),
            "enterprise" => Some(Self::Enterprise),
            _ => None,
        }
    }
}

/// One answer a question offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A question of the situation questionnaire (情形引导).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub key: String,
    pub label: String,
    pub choices: Vec<Choice>,
}

/// A member applies when the answer to `question` is one of `any_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

/// The member's situation chosen by an answer: answer value → the item's situation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SituationFrom {
    pub question: String,
    pub map: BTreeMap<String, String>,
}

/// What a merged-form field holds, checked as the rest of the platform checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    /// 公民身份号码 (GB 11643, check character).
    IdNumber,
    /// 统一社会信用代码 (GB 32100, check character).
    CreditCode,
    Phone,
    /// YYYY-MM-DD.
    Date,
}

/// A field of the merged form, asked once however many members use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
}

/// A member's form field and the merged field it is filled from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldUse {
    /// The key in the member item's form.
    pub item_key: String,
    /// The key of the merged form's field.
    pub from: String,
}

/// A member item of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub implementation_code: String,
    /// The item's name, for pages and messages (the catalog is the source).
    pub name: String,
    /// The item's situation this member applies in (情形), if the item has situations.
    #[serde(default)]
    pub situation: String,
    /// The situation decided by an answer instead (a second-hand flat is not a new one).
    #[serde(default)]
    pub situation_from: Option<SituationFrom>,
    /// `None`: the member always applies.
    #[serde(default)]
    pub condition: Option<Condition>,
    /// Members (by implementation code) that must conclude before this one starts; it
    /// uses the licences they issue.
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub fields: Vec<FieldUse>,
}

impl Member {
    /// Whether the member applies under `answers`.
    pub fn applies(&self, answers: &BTreeMap<String, String>) -> bool {
        match &self.condition {
            None => true,
            Some(c) => answers
                .get(&c.question)
                .is_some_and(|a| c.any_of.iter().any(|v| v == a)),
        }
    }
}

/// 一件事: the bureau's definition, versioned and published like an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// Stable code, e.g. `YJS-CSYX` (新生儿出生).
    pub code: String,
    pub name: String,
    pub audience: Audience,
    /// The lead department (牵头部门), by org-unit code.
    pub lead_org: String,
    /// What the bundle is for, in a sentence the guide shows.
    pub summary: String,
    pub questions: Vec<Question>,
    pub members: Vec<Member>,
    pub fields: Vec<FieldSpec>,
    /// The promise for the whole, in working days from submission.
    pub promised_days: u32,
    /// 一业一照一码: the 行业综合许可证 licence type issued when every member concludes.
    #[serde(default)]
    pub combined_licence: Option<String>,
}

impl Bundle {
    /// Everything a definition must satisfy before review: codes and names, questions with
    /// choices, members that exist once, conditions on asked questions and offered
    /// answers, dependencies on other members without a cycle, and field uses of declared
    /// merged fields, each item key once.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 32
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !code_ok {
            e.add(
                "code",
                "invalid",
                "一件事编码应为 1–32 位大写字母、数字或连字符",
            );
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 60 {
            e.add("name", "invalid", "请填写一件事名称（不超过 60 字）");
        }
        if self.lead_org.trim().is_empty() {
            e.add("lead_org", "required", "请选择牵头部门");
        }
        if self.promised_days == 0 || self.promised_days > 60 {
            e.add("promised_days", "invalid", "承诺时限应为 1–60 个工作日");
        }
        if self.members.len() < 2 {
            e.add("members", "too_few", "一件事至少包含两个事项");
        }
        let mut questions = BTreeMap::new();
        for (i, q) in self.questions.iter().enumerate() {
            if q.key.is_empty() || q.label.trim().is_empty() {
                e.add(&format!("questions[{i}]"), "invalid", "问题须有编码和题目");
            }
            if q.choices.len() < 2 {
                e.add(
                    &format!("questions[{i}].choices"),
                    "too_few",
                    format!("问题“{}”至少要有两个选项", q.label),
                );
            }
            if questions.insert(q.key.as_str(), q).is_some() {
                e.add(
                    &format!("questions[{i}]"),
                    "duplicate",
                    format!("问题编码 {} 重复", q.key),
                );
            }
        }
        let mut fields = BTreeSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            if f.key.is_empty() || f.label.trim().is_empty() {
                e.add(&format!("fields[{i}]"), "invalid", "表单字段须有编码和名称");
            }
            if !fields.insert(f.key.as_str()) {
                e.add(
                    &format!("fields[{i}]"),
                    "duplicate",
                    format!("表单字段 {} 重复", f.key),
                );
            }
        }
        let codes: BTreeSet<&str> = self
            .members
            .iter()
            .map(|m| m.implementation_code.as_str())
            .collect();
        if codes.len() != self.members.len() {
            e.add("members", "duplicate", "同一事项只能列入一次");
        }
        for (i, m) in self.members.iter().enumerate() {
            let at = format!("members[{i}]");
            if let Some(c) = &m.condition {
                match questions.get(c.question.as_str()) {
                    None => e.add(
                        &format!("{at}.condition"),
                        "unknown_question",
                        format!("“{}”的适用条件引用了不存在的问题 {}", m.name, c.question),
                    ),
                    Some(q) => {
                        if c.any_of.is_empty()
                            || c.any_of
                                .iter()
                                .any(|v| !q.choices.iter().any(|x| &x.value == v))
                        {
                            e.add(
                                &format!("{at}.condition"),
                                "unknown_choice",
                                format!("“{}”的适用条件引用了问题“{}”没有的选项", m.name, q.label),
                            );
                        }
                    }
                }
            }
            if let Some(sf) = &m.situation_from {
                let ok = questions.get(sf.question.as_str()).is_some_and(|q| {
                    !sf.map.is_empty()
                        && sf
                            .map
                            .keys()
                            .all(|k| q.choices.iter().any(|c| &c.value == k))
                });
                if !ok {
                    e.add(
                        &format!("{at}.situation_from"),
                        "unknown_choice",
                        format!("“{}”的办事情形引用了不存在的问题或选项", m.name),
                    );
                }
            }
            for d in &m.depends_on {
                if !codes.contains(d.as_str()) || d == &m.implementation_code {
                    e.add(
                        &format!("{at}.depends_on"),
                        "unknown_member",
                        format!("“{}”依赖的事项 {d} 不在本一件事中", m.name),
                    );
                }
            }
            let mut keys = BTreeSet::new();
            for u in &m.fields {
                if !fields.contains(u.from.as_str()) {
                    e.add(
                        &format!("{at}.fields"),
                        "unknown_field",
                        format!(
                            "“{}”的表单项 {} 取自未定义的字段 {}",
                            m.name, u.item_key, u.from
                        ),
                    );
                }
                if !keys.insert(u.item_key.as_str()) {
                    e.add(
                        &format!("{at}.fields"),
                        "duplicate",
                        format!("“{}”的表单项 {} 重复", m.name, u.item_key),
                    );
                }
            }
        }
        if self.has_cycle() {
            e.add("members", "cycle", "事项之间的前后依赖形成了循环");
        }
        e.into_result()
    }

    /// Every member names a published item (`item_of` finds it), in a situation that item
    /// has; a bundle is only as real as its items.
    pub fn check_members<'a>(
        &self,
        item_of: impl Fn(&str) -> Option<&'a crate::catalog::ServiceItem>,
    ) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        for (i, m) in self.members.iter().enumerate() {
            let at = format!("members[{i}]");
            match item_of(&m.implementation_code) {
                None => e.add(&at, "unknown_item", format!("“{}”不是已发布的事项", m.name)),
                Some(item) => {
                    let chosen = m
                        .situation_from
                        .iter()
                        .flat_map(|sf| sf.map.values())
                        .chain(std::iter::once(&m.situation));
                    for situation in chosen {
                        if !situation.is_empty()
                            && !item.situations.iter().any(|s| &s.name == situation)
                        {
                            e.add(
                                &format!("{at}.situation"),
                                "unknown_situation",
                                format!("“{}”没有“{situation}”这一办事情形", item.name),
                            );
                        }
                    }
                }
            }
        }
        // A member that cannot do without a licence another member issues waits for it:
        // started at once, it would be sent back for a paper its sibling is still making.
        for (i, m) in self.members.iter().enumerate() {
            let Some(item) = item_of(&m.implementation_code) else {
                continue;
            };
            let situation = Some(m.situation.as_str()).filter(|s| !s.is_empty());
            for need in item.materials_for(situation) {
                let crate::catalog::MaterialSource::Government { licence_type } = &need.source
                else {
                    continue;
                };
                if need.necessity != crate::catalog::Necessity::Required || licence_type.is_empty()
                {
                    continue;
                }
                for other in &self.members {
                    let issues = other.implementation_code != m.implementation_code
                        && item_of(&other.implementation_code).is_some_and(|o| {
                            o.outcome.licence_type.as_deref() == Some(licence_type.as_str())
                        });
                    if issues && !m.depends_on.contains(&other.implementation_code) {
                        e.add(
                            &format!("members[{i}].depends_on"),
                            "missing_dependency",
                            format!(
                                "“{}”需要“{}”核发的{licence_type}，应在其办结后办理",
                                m.name, other.name
                            ),
                        );
                    }
                }
            }
        }
        // The promise for the whole cannot be shorter than its longest chain of members
        // (each after what it depends on), or it would be broken by design.
        if e.is_empty() && !self.has_cycle() {
            let chain = self
                .longest_chain(&|code: &str| item_of(code).map_or(0, |i| i.promised_limit.days));
            if chain > self.promised_days {
                e.add(
                    "promised_days",
                    "shorter_than_members",
                    format!(
                        "承诺时限 {} 个工作日短于各事项先后办理所需的 {chain} 个工作日",
                        self.promised_days
                    ),
                );
            }
        }
        e.into_result()
    }

    /// The longest path through the members' dependencies, in `days` of each member.
    fn longest_chain(&self, days: &dyn Fn(&str) -> u32) -> u32 {
        fn finish(b: &Bundle, i: usize, days: &dyn Fn(&str) -> u32, depth: usize) -> u32 {
            let m = &b.members[i];
            let before = if depth > b.members.len() {
                0
            } else {
                m.depends_on
                    .iter()
                    .filter_map(|d| b.members.iter().position(|x| &x.implementation_code == d))
                    .map(|j| finish(b, j, days, depth + 1))
                    .max()
                    .unwrap_or(0)
            };
            before + days(&m.implementation_code)
        }
        (0..self.members.len())
            .map(|i| finish(self, i, days, 0))
            .max()
            .unwrap_or(0)
    }

    fn has_cycle(&self) -> bool {
        // Kahn's algorithm over the members' dependencies (unknown ones ignored here).
        let index: BTreeMap<&str, usize> = self
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.implementation_code.as_str(), i))
            .collect();
        let mut pending: Vec<usize> = self
            .members
            .iter()
            .map(|m| {
                m.depends_on
                    .iter()
                    .filter(|d| index.contains_key(d.as_str()))
                    .count()
            })
            .collect();
        let mut ready: Vec<usize> = (0..pending.len()).filter(|&i| pending[i] == 0).collect();
        let mut done = 0;
        while let Some(i) = ready.pop() {
            done += 1;
            let code = self.members[i].implementation_code.as_str();
            for (j, m) in self.members.iter().enumerate() {
                if m.depends_on.iter().any(|d| d == code) {
                    pending[j] -= 1;
                    if pending[j] == 0 {
                        ready.push(j);
                    }
                }
            }
        }
        done != self.members.len()
    }

    /// The members that apply under `answers`, every question being answered with one of
    /// its choices (an answer missing or not offered is an error naming the question).
    /// Dependencies on a member that does not apply are dropped: what it would have issued
    /// the applicant already holds.
    pub fn applicable(
        &self,
        answers: &BTreeMap<String, String>,
    ) -> Result<Vec<Member>, ValidationErrors> {
        let mut e = ValidationErrors::new();
        for q in &self.questions {
            match answers.get(&q.key) {
                None => e.add(
                    &format!("answers.{}", q.key),
                    "required",
                    format!("请回答“{}”", q.label),
                ),
                Some(a) if !q.choices.iter().any(|c| &c.value == a) => e.add(
                    &format!("answers.{}", q.key),
                    "unknown_choice",
                    format!("“{}”没有“{a}”这个选项", q.label),
                ),
                Some(_) => {}
            }
        }
        for k in answers.keys() {
            if !self.questions.iter().any(|q| &q.key == k) {
                e.add(
                    &format!("answers.{k}"),
                    "unknown_question",
                    format!("本一件事没有问题 {k}"),
                );
            }
        }
        e.into_result()?;
        let mut members: Vec<Member> = self
            .members
            .iter()
            .filter(|m| m.applies(answers))
            .cloned()
            .collect();
        for m in &mut members {
            if let Some(sf) = &m.situation_from
                && let Some(s) = answers.get(&sf.question).and_then(|a| sf.map.get(a))
            {
                m.situation = s.clone();
            }
        }
        let codes: BTreeSet<String> = members
            .iter()
            .map(|m| m.implementation_code.clone())
            .collect();
        for m in &mut members {
            m.depends_on.retain(|d| codes.contains(d));
        }
        if members.is_empty() {
            let mut e = ValidationErrors::new();
            e.add(
                "answers",
                "nothing_applies",
                "按您的回答，本一件事没有需要办理的事项",
            );
            return Err(e);
        }
        Ok(members)
    }
}
