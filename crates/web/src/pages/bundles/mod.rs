//! 一件事 pages: the list of life events and enterprise matters, and each bundle's guide
//! (on screen and for paper, with its QR code), from the same published definition.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tongban_app::bundles::{self, BundleGuide};
use tongban_domain::bundle::{Audience, Bundle, FieldKind, MergedMaterial};
use tongban_domain::catalog::MaterialSource;

use crate::AppState;
use crate::error::WebError;
use crate::page::{Ctx, render};

#[derive(Template)]
#[template(path = "bundles/index.html")]
struct IndexPage {
    ctx: Ctx,
    person: Vec<Bundle>,
    enterprise: Vec<Bundle>,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let all = bundles::list(&state).await?;
    let (person, enterprise) = all
        .into_iter()
        .partition(|b| b.audience == Audience::Person);
    render(&IndexPage {
        ctx,
        person,
        enterprise,
    })
}

/// A member as the guide lists it.
struct MemberRow {
    code: String,
    name: String,
    department: String,
    situation: String,
    /// When it applies, in words ("" for always).
    when: String,
    /// What it waits for, by name.
    after: String,
    /// Some of what it waits for applies only on some answers.
    conditional_deps: bool,
    promised: String,
    published: bool,
}

#[derive(Template)]
#[template(path = "bundles/guide.html")]
struct GuidePage {
    ctx: Ctx,
    g: BundleGuide,
    members: Vec<MemberRow>,
    print: bool,
}

impl GuidePage {
    fn kind_label(&self, k: &FieldKind) -> &'static str {
        match k {
            FieldKind::Text => "文字",
            FieldKind::IdNumber => "公民身份号码",
            FieldKind::CreditCode => "统一社会信用代码",
            FieldKind::Phone => "手机号码",
            FieldKind::Date => "日期",
        }
    }

    fn source(&self, m: &MergedMaterial) -> String {
        match &m.source {
            MaterialSource::Applicant => "申请人自备".into(),
            MaterialSource::Government { licence_type } if m.waivable => {
                format!("政府部门核发（{licence_type}），已持有电子证照的免提交")
            }
            MaterialSource::Government { licence_type } => {
                format!("政府部门核发（{licence_type}），他人的证照，请提交")
            }
            MaterialSource::Intermediary { service } => format!("中介服务（{service}）"),
        }
    }

    /// Every item that asks for this material applies only on some answers.
    fn conditional(&self, m: &MergedMaterial) -> bool {
        m.required_by.iter().all(|c| {
            self.g
                .members
                .iter()
                .any(|x| &x.member.implementation_code == c && x.member.condition.is_some())
        })
    }

    fn used_by(&self, m: &MergedMaterial) -> String {
        m.required_by
            .iter()
            .map(|c| self.g.member_name(c))
            .collect::<Vec<_>>()
            .join("、")
    }
}

fn guide_page(ctx: Ctx, g: BundleGuide, print: bool) -> Result<Response, WebError> {
    let question = |key: &str| g.bundle.questions.iter().find(|q| q.key == key);
    let members = g
        .members
        .iter()
        .map(|m| {
            let when = m.member.condition.as_ref().map_or(String::new(), |c| {
                let q = question(&c.question);
                let answers: Vec<String> = c
                    .any_of
                    .iter()
                    .map(|v| {
                        q.and_then(|q| q.choices.iter().find(|x| &x.value == v))
                            .map_or(v.clone(), |x| x.label.clone())
                    })
                    .collect();
                format!(
                    "“{}”答“{}”时办理",
                    q.map_or(c.question.as_str(), |q| q.label.as_str()),
                    answers.join("或")
                )
            });
            let situation = match &m.member.situation_from {
                Some(sf) => {
                    let q = question(&sf.question);
                    let pairs: Vec<String> = sf
                        .map
                        .iter()
                        .map(|(v, situation)| {
                            let answer = q
                                .and_then(|q| q.choices.iter().find(|x| &x.value == v))
                                .map_or(v.as_str(), |x| x.label.as_str());
                            format!("{answer}：{situation}")
                        })
                        .collect();
                    format!(
                        "按“{}”确定（{}）",
                        q.map_or(sf.question.as_str(), |q| q.label.as_str()),
                        pairs.join("；")
                    )
                }
                None => m.member.situation.clone(),
            };
            // A member waits only for those of its prerequisites that apply.
            let conditional_deps = m.member.depends_on.iter().any(|d| {
                g.members
                    .iter()
                    .any(|x| &x.member.implementation_code == d && x.member.condition.is_some())
            });
            MemberRow {
                code: m.member.implementation_code.clone(),
                name: g.member_name(&m.member.implementation_code),
                department: m
                    .item
                    .as_ref()
                    .map_or(String::new(), |i| i.org_name.clone()),
                situation,
                conditional_deps,
                when,
                after: m
                    .member
                    .depends_on
                    .iter()
                    .map(|d| g.member_name(d))
                    .collect::<Vec<_>>()
                    .join("、"),
                promised: m
                    .item
                    .as_ref()
                    .map_or(String::new(), |i| i.promised_limit.label()),
                published: m.item.is_some(),
            }
        })
        .collect();
    render(&GuidePage {
        ctx,
        members,
        print,
        g,
    })
}

pub async fn guide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let g = bundles::guide(&state, &code).await?;
    guide_page(ctx, g, false)
}

/// The same guide laid out for paper: the window hands out what the website shows.
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let g = bundles::guide(&state, &code).await?;
    guide_page(ctx, g, true)
}

/// The QR code of a bundle's online guide, for the printed one and the hall's boards.
pub async fn qr(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let g = bundles::guide(&state, &code).await?;
    let url = crate::page::absolute_url(&state, &format!("/bundles/{}", g.bundle.code));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        crate::page::qr_svg(&url)?,
    )
        .into_response())
}

mod apply;
mod case;
mod editor;

pub use apply::{apply, apply_form};
pub use case::{deliver, mine, show, supply};
pub use editor::{act, new_draft, save, staff_index, staff_version, staff_versions};
