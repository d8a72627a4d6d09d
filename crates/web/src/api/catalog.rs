//! Published items: search and the whole implementation list.

use super::*;

/// One published item in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemSummary {
    /// 31-character implementation code.
    implementation_code: String,
    /// 12-character basic code.
    catalog_code: String,
    name: String,
    /// Implementing department's name.
    department: String,
    department_code: String,
    /// 事项类型 label, e.g. 行政许可.
    kind: String,
    /// 事项类型 national code, e.g. `01`.
    kind_code: String,
    /// Days; see `limit_unit`.
    statutory_limit: u32,
    promised_limit: u32,
    /// 工作日 or 自然日.
    limit_unit: String,
    audiences: Vec<String>,
    /// `district`, `town`, `village`.
    levels: Vec<String>,
    fully_online: bool,
    visits_required: u8,
}

impl From<&tongban_domain::catalog::ServiceItem> for ItemSummary {
    fn from(i: &tongban_domain::catalog::ServiceItem) -> Self {
        ItemSummary {
            implementation_code: i.implementation_code.clone(),
            catalog_code: i.catalog_code.clone(),
            name: i.name.clone(),
            department: i.org_name.clone(),
            department_code: i.org_code.clone(),
            kind: i.kind.label().to_owned(),
            kind_code: i.kind.code().to_owned(),
            statutory_limit: i.statutory_limit.days,
            promised_limit: i.promised_limit.days,
            limit_unit: i.promised_limit.unit.label().to_owned(),
            audiences: i.audiences.iter().map(|a| a.label().to_owned()).collect(),
            levels: i.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            fully_online: i.fully_online,
            visits_required: i.visits_required,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemsPage {
    items: Vec<ItemSummary>,
    total: usize,
    page: usize,
    per_page: usize,
}

/// Search and browse published items. `q` accepts Chinese words, pinyin or pinyin
/// initials; `audience` is `person` or `organisation`; `department` an org-unit code;
/// `level` `district`, `town` or `village`.
#[utoipa::path(get, path = "/api/v1/items", tag = "catalog",
    params(
        ("q" = Option<String>, Query, description = "关键词、拼音或拼音首字母"),
        ("audience" = Option<String>, Query, description = "person / organisation"),
        ("department" = Option<String>, Query, description = "实施部门编码，如 D-SJJ"),
        ("level" = Option<String>, Query, description = "district / town / village"),
        ("theme" = Option<String>, Query, description = "主题或人生大事"),
        ("page" = Option<usize>, Query, description = "页码，从 1 开始"),
    ),
    responses((status = 200, body = ItemsPage)))]
pub async fn list_items(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<crate::pages::guide::GuideQuery>,
) -> Result<Json<ItemsPage>, WebError> {
    let per_page = crate::pages::guide::PER_PAGE;
    let result = state
        .catalog
        .get()
        .search(&q.to_search(per_page))
        .map_err(WebError::internal)?;
    Ok(Json(ItemsPage {
        items: result
            .items
            .iter()
            .map(|i| ItemSummary::from(i.as_ref()))
            .collect(),
        total: result.total,
        page: q.page(),
        per_page,
    }))
}

/// One published item's whole implementation list.
#[utoipa::path(get, path = "/api/v1/items/{implementation_code}", tag = "catalog",
    params(("implementation_code" = String, Path, description = "31 位实施编码")),
    responses(
        (status = 200, description = "实施清单全部要素", body = Object),
        (status = 404, description = "未发布或不存在", content_type = "application/problem+json"),
    ))]
pub async fn get_item(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Json<tongban_domain::catalog::ServiceItem>, WebError> {
    let item = state.catalog.get().get(&code).ok_or(WebError::NotFound)?;
    Ok(Json(item.as_ref().clone()))
}
