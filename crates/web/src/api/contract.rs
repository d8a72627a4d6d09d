//! The parts of the OpenAPI document every operation shares, filled in once from the route
//! table (issue 11): which operations need a bearer token, and the problem+json answers each
//! can give (400, 401, 403, 404, 409, 413, 422, 429), so a client generated from the
//! document — or schemathesis — meets no undocumented status.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::routes::{Access, route_specs};

pub struct SharedResponses;

/// The problem+json document (RFC 9457) every error answers with.
fn problem_schema() -> Schema {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let field_error = ObjectBuilder::new()
        .property("field", text().description(Some("出错的字段")))
        .property("code", text().description(Some("稳定的错误代码")))
        .property("message", text().description(Some("中文说明")))
        .required("field")
        .required("code")
        .required("message");
    ObjectBuilder::new()
        .property("type", text())
        .property("title", text().description(Some("中文标题")))
        .property("status", ObjectBuilder::new().schema_type(Type::Integer))
        .property(
            "code",
            text().description(Some("稳定的错误代码，如 validation_failed")),
        )
        .property("detail", text().description(Some("中文说明")))
        .property("errors", ArrayBuilder::new().items(field_error))
        .required("type")
        .required("title")
        .required("status")
        .required("code")
        .required("detail")
        .into()
}

fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    let mut ops = Vec::new();
    if let Some(op) = item.get.as_mut() {
        ops.push(("GET", op));
    }
    if let Some(op) = item.post.as_mut() {
        ops.push(("POST", op));
    }
    if let Some(op) = item.put.as_mut() {
        ops.push(("PUT", op));
    }
    if let Some(op) = item.delete.as_mut() {
        ops.push(("DELETE", op));
    }
    ops
}

impl utoipa::Modify for SharedResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components
                .schemas
                .insert("Problem".into(), RefOr::T(problem_schema()));
        }
        let specs = route_specs();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_params = path.contains('{');
            for (method, op) in operations(item) {
                let access = specs
                    .iter()
                    .find(|s| s.path == path && s.method.as_str() == method)
                    .map(|s| s.access);
                let public = matches!(access, Some(Access::Public) | None);
                if !public {
                    op.security = Some(vec![SecurityRequirement::new(
                        "bearer",
                        Vec::<String>::new(),
                    )]);
                }
                let has_body = op.request_body.is_some();
                let has_query = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            RefOr::T(
                                ResponseBuilder::new()
                                    .description(description)
                                    .content(
                                        "application/problem+json",
                                        ContentBuilder::new()
                                            .schema(Some(Ref::from_schema_name("Problem")))
                                            .build(),
                                    )
                                    .build(),
                            )
                        });
                };
                add("400", "请求无法读取（JSON 格式、内容类型或参数格式有误）");
                if has_body {
                    add("413", "请求体超过大小限制");
                }
                if has_body || has_query || has_params {
                    add("422", "字段校验失败，errors 列出每个字段");
                }
                if has_params {
                    add("404", "记录不存在");
                }
                if !public {
                    add("401", "未登录或令牌无效");
                    add("403", "无权进行此操作");
                    if method != "GET" {
                        add("409", "当前状态不允许此操作，或记录已存在");
                    }
                }
            }
        }
    }
}
