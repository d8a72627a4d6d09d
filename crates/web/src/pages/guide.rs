//! Public service guides (办事指南): browsing and search, one page per published item with
//! every element, the situation guide, a printable version and a QR code for notice boards.
//! All of them render the same published document, so online and in-hall guides agree.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongban_domain::catalog::{ItemList, MaterialRequirement, MaterialSource, ServiceItem};
use tongban_domain::org::OrgLevel;
use tongban_search::{AudienceFilter, SearchQuery};

use crate::page::{Ctx, render};
use crate::{AppState, WebError};

pub const PER_PAGE: usize = 20;

/// Query-string filters shared by the guide page and `GET /api/v1/items`.
#[derive(Debug, Default, Deserialize)]
pub struct GuideQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub page: Option<usize>,
}

impl GuideQuery {
    /// The page asked for, from 1; far past any last page is kept from overflowing.
    pub fn page(&self) -> usize {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }

    pub fn to_search(&self, per_page: usize) -> SearchQuery {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        SearchQuery {
            text: self.q.chars().take(100).collect(),
            audience: AudienceFilter::parse(&self.audience),
            department: opt(&self.department),
            level: OrgLevel::parse(&self.level),
            theme: opt(&self.theme),
            kind: None,
            page: self.page(),
            per_page,
        }
    }
}

/// A link target for browsing: (value, label, count).
type Facet = (String, String, usize);

#[derive(Template)]
#[template(path = "guide/index.html")]
struct GuideIndexPage {
    ctx: Ctx,
    query: GuideQuery,
    items: Vec<Arc<ServiceItem>>,
    total: usize,
    page: usize,
    pages: usize,
    departments: Vec<Facet>,
    themes: Vec<Facet>,
    filtered: bool,
    page_link_prev: String,
    page_link_next: String,
}

fn facets(items: &[Arc<ServiceItem>]) -> (Vec<Facet>, Vec<Facet>) {
    let mut departments: Vec<Facet> = Vec::new();
    let mut themes: Vec<Facet> = Vec::new();
    for i in items {
        match departments.iter_mut().find(|(c, _, _)| *c == i.org_code) {
            Some(d) => d.2 += 1,
            None => departments.push((i.org_code.clone(), i.org_name.clone(), 1)),
        }
        for t in &i.themes {
            match themes.iter_mut().find(|(c, _, _)| c == t) {
                Some(x) => x.2 += 1,
                None => themes.push((t.clone(), t.clone(), 1)),
            }
        }
    }
    themes.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    (departments, themes)
}

fn page_link(q: &GuideQuery, page: usize) -> String {
    let pairs = [
        ("q", q.q.as_str()),
        ("audience", &q.audience),
        ("department", &q.department),
        ("level", &q.level),
        ("theme", &q.theme),
    ];
    let mut parts: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
    parts.push(("page", page.to_string()));
    format!(
        "/guide?{}",
        serde_urlencoded::to_string(parts).unwrap_or_default()
    )
}

pub async fn guide_index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<GuideQuery>,
) -> Result<Response, WebError> {
    let index = state.catalog.get();
    let result = index
        .search(&query.to_search(PER_PAGE))
        .map_err(WebError::internal)?;
    let (departments, themes) = facets(index.items());
    let page = query.page();
    let pages = result.total.div_ceil(PER_PAGE).max(1);
    render(&GuideIndexPage {
        filtered: !(query.q.is_empty()
            && query.audience.is_empty()
            && query.department.is_empty()
            && query.level.is_empty()
            && query.theme.is_empty()),
        page_link_prev: page_link(&query, page.saturating_sub(1).max(1)),
        page_link_next: page_link(&query, page.saturating_add(1)),
        items: result.items,
        total: result.total,
        page,
        pages,
        departments,
        themes,
        query,
        ctx,
    })
}

/// A published item, or a Chinese 404.
fn published(state: &AppState, code: &str) -> Result<Arc<ServiceItem>, WebError> {
    state.catalog.get().get(code).ok_or(WebError::NotFound)
}

/// How a material reads in a guide: where it comes from.
pub fn source_label(m: &MaterialRequirement) -> String {
    match &m.source {
        MaterialSource::Applicant => "申请人自备".to_owned(),
        MaterialSource::Government { licence_type } => format!("政府部门核发（{licence_type}）"),
        MaterialSource::Intermediary { service } => format!("中介服务（{service}）"),
    }
}

#[derive(Template)]
#[template(path = "guide/item.html")]
struct GuideItemPage {
    ctx: Ctx,
    item: Arc<ServiceItem>,
    lists: Vec<ItemList>,
    print: bool,
}

impl GuideItemPage {
    fn source(&self, m: &MaterialRequirement) -> String {
        source_label(m)
    }
}

fn guide_page(state: &AppState, ctx: Ctx, code: &str, print: bool) -> Result<Response, WebError> {
    let item = published(state, code)?;
    render(&GuideItemPage {
        lists: ItemList::ALL
            .into_iter()
            .filter(|l| l.includes(&item))
            .collect(),
        item,
        print,
        ctx,
    })
}

pub async fn guide_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    guide_page(&state, ctx, &code, false)
}

/// The same guide laid out for paper: no navigation, every element, the QR code.
pub async fn guide_print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    guide_page(&state, ctx, &code, true)
}

#[derive(Deserialize)]
pub struct SituationQuery {
    situation: Option<String>,
}

#[derive(Template)]
#[template(path = "guide/situation.html")]
struct SituationPage {
    ctx: Ctx,
    item: Arc<ServiceItem>,
    chosen: Option<String>,
    materials: Vec<MaterialRequirement>,
    error: Option<String>,
}

impl SituationPage {
    fn source(&self, m: &MaterialRequirement) -> String {
        source_label(m)
    }
}

/// 一看就能懂: choose your situation, get exactly the materials for it.
pub async fn situation_guide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<SituationQuery>,
) -> Result<Response, WebError> {
    let item = published(&state, &code)?;
    let (chosen, error) = match q.situation.as_deref() {
        None => (None, None),
        Some(s) if item.situations.iter().any(|x| x.name == s) => (Some(s.to_owned()), None),
        Some(_) if item.situations.is_empty() => (Some(String::new()), None),
        Some(_) => (None, Some("请选择一种办事情形".to_owned())),
    };
    let materials = match &chosen {
        Some(s) if !s.is_empty() => item.materials_for(Some(s)).into_iter().cloned().collect(),
        Some(_) => item.materials.clone(),
        None if item.situations.is_empty() => item.materials.clone(),
        None => Vec::new(),
    };
    render(&SituationPage {
        ctx,
        chosen,
        materials,
        error,
        item,
    })
}

/// The QR code that links to the online guide, as SVG for the hall's notice boards.
pub async fn guide_qr(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let item = published(&state, &code)?;
    let url = crate::page::absolute_url(&state, &format!("/guide/{}", item.implementation_code));
    let svg = crate::page::qr_svg(&url)?;
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
        svg,
    )
        .into_response())
}
