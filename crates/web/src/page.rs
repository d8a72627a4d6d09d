//! What every HTML page shares: the layout context (who is logged in, navigation by role,
//! large-type mode, the CSRF token) and the rendering of errors as Chinese pages.

use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use tongban_domain::account::Role;
use tongban_domain::authz::{Permission, Principal, allows};

use crate::auth::Current;
use crate::csrf::{CSRF_COOKIE, CsrfToken};
use crate::error::Problem;
use crate::{AppState, WebError};

pub const ELDER_COOKIE: &str = "tb_elder";

/// One navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The layout's context, extracted from every page request.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub path: String,
    pub csrf: String,
    /// 长辈版: large type, high contrast.
    pub elder: bool,
    pub user_name: Option<String>,
    pub role_label: Option<&'static str>,
    pub nav: Vec<NavItem>,
}

impl Ctx {
    pub fn logged_in(&self) -> bool {
        self.user_name.is_some()
    }
}

fn nav_for(principal: &Principal, path: &str) -> Vec<NavItem> {
    let mut items: Vec<(&'static str, &'static str)> = vec![
        ("/", "首页"),
        ("/guide", "办事指南"),
        ("/bundles", "一件事"),
        ("/lists", "事项清单"),
        ("/halls", "服务大厅"),
        ("/org", "组织机构"),
    ];
    if allows(principal, Permission::ApplicantSelfService) {
        items.push(("/me/cases", "我的办件"));
        items.push(("/me/licences", "我的证照"));
        items.push(("/me/messages", "消息"));
        items.push(("/me/feedback", "评价与诉求"));
        items.push(("/me", "我的账户"));
    }
    if allows(principal, Permission::StaffWorkbench) {
        items.push(("/staff", "工作台"));
        items.push(("/staff/cases", "办件"));
        items.push(("/staff/org", "本单位"));
    }
    if allows(principal, Permission::HandleIntake) {
        items.push(("/staff/queue", "叫号"));
        items.push(("/staff/help", "帮办代办"));
        items.push(("/staff/paper", "纸质材料移交"));
        items.push(("/staff/agents", "企业代办"));
        items.push(("/staff/intake", "窗口收件"));
        items.push(("/staff/supply", "代收补正材料"));
        items.push(("/staff/identity", "实名核验"));
    }
    if allows(principal, Permission::ViewDeadlines) {
        items.push(("/staff/deadlines", "时限监督"));
    }
    if allows(principal, Permission::ViewFeedback) {
        items.push(("/staff/evaluations", "好差评"));
        items.push(("/staff/rectifications", "差评整改"));
        items.push(("/staff/tickets", "12345 工单"));
        items.push(("/staff/problems", "办不成事"));
    }
    if allows(principal, Permission::SuperviseFeedback) {
        items.push(("/staff/feedback/settings", "好差评设置"));
    }
    if allows(principal, Permission::ViewCatalogWork) {
        items.push(("/catalog", "目录管理"));
        items.push(("/staff/bundles", "一件事管理"));
    }
    if allows(principal, Permission::ViewPersonalData) {
        items.push(("/staff/people", "办事人查询"));
    }
    if allows(principal, Permission::ViewAuditTrail) {
        items.push(("/admin/audit", "审计日志"));
    }
    if allows(principal, Permission::ManageStaff) {
        items.push(("/admin/staff", "工作人员管理"));
    }
    if allows(principal, Permission::ManageHalls) {
        items.push(("/staff/halls", "大厅管理"));
    }
    if allows(principal, Permission::ManageCalendar) {
        items.push(("/admin/calendar", "节假日安排"));
    }
    items
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: if href == "/" {
                path == "/"
            } else {
                path == href
            },
        })
        .collect()
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let current = Current::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        let path = parts.uri.path().to_owned();
        Ok(Ctx {
            // Error pages rendered outside the CSRF layer fall back to the cookie's token.
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .or_else(|| jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()))
                .unwrap_or_default(),
            elder: jar.get(ELDER_COOKIE).is_some_and(|c| c.value() == "1"),
            user_name: current.account.as_ref().map(|a| a.name.clone()),
            role_label: current.principal.role().map(Role::label),
            nav: nav_for(&current.principal, &path),
            path,
        })
    }
}

/// Renders a template into an HTML response.
pub fn render(t: &impl Template) -> Result<Response, WebError> {
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: Ctx,
    title: &'a str,
    detail: &'a str,
    status: u16,
    login_link: bool,
}

/// Middleware for the page routes: an error response carrying a [`Problem`] is rendered
/// again as a Chinese page inside the layout, with the same status.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let ctx = Ctx::from_request_parts(&mut parts, &())
        .await
        .unwrap_or_else(|never| match never {});
    let res = next.run(Request::from_parts(parts, body)).await;
    let Some(problem) = res.extensions().get::<Problem>().cloned() else {
        return res;
    };
    let status = res.status();
    let page = ErrorPage {
        title: &problem.title,
        detail: &problem.detail,
        status: problem.status,
        login_link: status == StatusCode::UNAUTHORIZED && !ctx.logged_in(),
        ctx,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            res
        }
    }
}

/// The page for a path that matches no route.
pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// A time as people in the district read it (Asia/Shanghai has no daylight saving).
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&tongban_domain::calendar::district_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// One input of a form, with what the person typed and the error to show beside it.
#[derive(Debug, Clone)]
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub input_type: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub hint: Option<&'static str>,
    pub required: bool,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
}

impl FormField {
    pub fn new(name: &'static str, label: &'static str) -> Self {
        FormField {
            name,
            label,
            input_type: "text",
            value: String::new(),
            error: None,
            hint: None,
            required: true,
            autocomplete: None,
            inputmode: None,
        }
    }

    pub fn kind(mut self, input_type: &'static str) -> Self {
        self.input_type = input_type;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn autocomplete(mut self, ac: &'static str) -> Self {
        self.autocomplete = Some(ac);
        self
    }

    pub fn inputmode(mut self, mode: &'static str) -> Self {
        self.inputmode = Some(mode);
        self
    }

    /// Fills in the submitted value (never for passwords) and this field's error.
    pub fn with(mut self, value: &str, errors: &tongban_domain::ValidationErrors) -> Self {
        if self.input_type != "password" {
            self.value = value.to_owned();
        }
        self.error = errors.message_for(self.name).map(str::to_owned);
        self
    }

    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// The fields that carry an error, for the summary at the top of a form.
pub fn with_errors(fields: &[FormField]) -> Vec<FormField> {
    fields
        .iter()
        .filter(|f| f.error.is_some())
        .cloned()
        .collect()
}

/// An address as people will type or scan it: on the configured public origin, never on
/// the `Host` the request named (a client chooses that, and a link in a QR code or a PDF
/// must not point anywhere else).
pub fn absolute_url(state: &AppState, path: &str) -> String {
    format!("{}{path}", state.config.public_origin)
}

/// A QR code of `text` as SVG, with its quiet zone, at least 240 px square.
pub fn qr_svg(text: &str) -> Result<String, WebError> {
    Ok(qrcode::QrCode::new(text.as_bytes())
        .map_err(WebError::internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// A file download: its type and the name the browser saves it under.
pub fn download(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    file_response(body, content_type, filename, false)
}

/// A file with its type, shown in the browser's own viewer (`inline`: PDF and images need
/// no JavaScript) or saved under `filename`, which may be Chinese (RFC 6266 `filename*`,
/// with an ASCII fallback for old clients). Every response carries `nosniff` (routes).
pub fn file_response(body: Vec<u8>, content_type: &str, filename: &str, inline: bool) -> Response {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(filename, NON_ALPHANUMERIC)
    );
    let header = |v: &str, fallback: &'static str| {
        axum::http::HeaderValue::from_str(v)
            .unwrap_or(axum::http::HeaderValue::from_static(fallback))
    };
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                header(content_type, "application/octet-stream"),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                header(&disposition, "attachment"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The name a case's material is saved under: what it is and whose case, with the
/// original file's extension (e.g. `营业执照-<办件编号>.pdf`).
pub fn material_filename(name: &str, case_no: &str, original: &str) -> String {
    let ext = std::path::Path::new(original)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|e| format!(".{}", e.to_ascii_lowercase()))
        .unwrap_or_default();
    format!("{name}-{case_no}{ext}")
}

/// A 303 to `to`, with any control character or blank percent-encoded: a redirect built
/// from what someone typed can never be an invalid header (which would be a 500).
pub fn redirect(to: &str) -> axum::response::Redirect {
    const UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ');
    axum::response::Redirect::to(&percent_encoding::utf8_percent_encode(to, UNSAFE).to_string())
}

/// A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection): a cell
/// starting with `= + - @`, a tab or a carriage return gets a leading apostrophe.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A one-sheet workbook: a title row, a heading row, then the rows, all as text (the one way
/// lists are exported as XLSX).
pub fn xlsx_table(
    sheet_name: &str,
    title: &str,
    headings: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    sheet.write_string(0, 0, title)?;
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string(1, c as u16, h)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 2, c as u16, v)?;
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(cell).starts_with('\''), "{cell:?}");
        }
        assert_eq!(csv_cell("个体工商户登记"), "个体工商户登记");
        assert_eq!(csv_cell("1-2"), "1-2");
    }

    #[test]
    fn redirects_encode_what_cannot_be_in_a_header() {
        let r = redirect("/me\r\nSet-Cookie: x").into_response();
        assert_eq!(r.headers()["location"], "/me%0D%0ASet-Cookie:%20x");
    }
}
