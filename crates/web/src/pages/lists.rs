//! Published lists (清单), generated from the published items: a page, a CSV and an XLSX
//! for each, from the same rows.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use tongban_domain::catalog::{ItemList, ServiceItem};

use crate::page::{Ctx, render};
use crate::{AppState, WebError};

const COLUMNS: [&str; 7] = [
    "序号",
    "事项名称",
    "实施编码",
    "事项类型",
    "实施主体",
    "法定时限",
    "承诺时限",
];

fn rows(list: ItemList, items: &[Arc<ServiceItem>]) -> Vec<Vec<String>> {
    let mut included: Vec<&Arc<ServiceItem>> = items.iter().filter(|i| list.includes(i)).collect();
    included.sort_by(|a, b| a.org_name.cmp(&b.org_name).then(a.name.cmp(&b.name)));
    included
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let mut row = vec![
                (n + 1).to_string(),
                i.name.clone(),
                i.implementation_code.clone(),
                i.kind.label().to_owned(),
                i.org_name.clone(),
                i.statutory_limit.label(),
                i.promised_limit.label(),
            ];
            if list.detail_heading().is_some() {
                row.push(list.detail(i));
            }
            row
        })
        .collect()
}

fn headings(list: ItemList) -> Vec<String> {
    let mut h: Vec<String> = COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    if let Some(d) = list.detail_heading() {
        h.push(d.to_owned());
    }
    h
}

#[derive(Template)]
#[template(path = "lists/index.html")]
struct ListsPage {
    ctx: Ctx,
    lists: Vec<(ItemList, usize)>,
}

pub async fn lists_index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let index = state.catalog.get();
    let lists = ItemList::ALL
        .into_iter()
        .map(|l| (l, index.items().iter().filter(|i| l.includes(i)).count()))
        .collect();
    render(&ListsPage { ctx, lists })
}

#[derive(Template)]
#[template(path = "lists/list.html")]
struct ListPage {
    ctx: Ctx,
    list: ItemList,
    headings: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// `/lists/{slug}`, `/lists/{slug}.csv` and `/lists/{slug}.xlsx`.
pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let (slug, format) = match name.rsplit_once('.') {
        Some((s, f)) => (s, f),
        None => (name.as_str(), "html"),
    };
    let list = ItemList::parse(slug).ok_or(WebError::NotFound)?;
    let index = state.catalog.get();
    let rows = rows(list, index.items());
    let headings = headings(list);
    match format {
        "html" => render(&ListPage {
            ctx,
            list,
            headings,
            rows,
        }),
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(
                headings
                    .iter()
                    .map(|h| crate::page::csv_cell(h).into_owned()),
            )
            .map_err(WebError::internal)?;
            for r in &rows {
                w.write_record(r.iter().map(|c| crate::page::csv_cell(c).into_owned()))
                    .map_err(WebError::internal)?;
            }
            // A BOM so spreadsheet programs read the Chinese as UTF-8.
            let mut body = "\u{feff}".as_bytes().to_vec();
            body.extend(
                w.into_inner()
                    .map_err(|e| WebError::internal(e.into_error()))?,
            );
            Ok(crate::page::download(
                body,
                "text/csv; charset=utf-8",
                &format!("{slug}.csv"),
            ))
        }
        "xlsx" => {
            let body = xlsx(list, &headings, &rows).map_err(WebError::internal)?;
            Ok(crate::page::download(
                body,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{slug}.xlsx"),
            ))
        }
        _ => Err(WebError::NotFound),
    }
}

fn xlsx(
    list: ItemList,
    headings: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    crate::page::xlsx_table("清单", list.title(), headings, rows)
}
