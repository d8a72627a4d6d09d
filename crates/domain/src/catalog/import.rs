//! Reading an upper-level catalog from tabular records (CSV or spreadsheet rows) or JSON.
//! Every bad row is reported with its line and reason, and nothing is imported unless every
//! row is good: a half-imported catalog would publish a wrong picture of the district.

use std::collections::HashSet;

use serde::Deserialize;

use super::dictionaries::ItemKind;
use super::item::CatalogEntry;

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// 1-based line in the file, the header being line 1.
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("表头缺少必需的列：{0}")]
    MissingColumns(String),
    #[error("文件为空")]
    Empty,
    #[error("JSON 格式错误：{0}")]
    Json(String),
    #[error("有 {} 行数据有误，未导入任何数据", .0.len())]
    Rows(Vec<RowError>),
}

/// The 12-character basic code for an upper-level implementation code of the form
/// `<basic>-<area code>-…`, as the Sichuan portal writes them *(inferred from the real data
/// in `data/`: 14-character heads carry a 2-digit province prefix, 12-character heads are the
/// code itself, shorter heads are padded, longer ones keep their last 12 characters)*.
pub fn catalog_code_from_source(item_code: &str, area_code: &str) -> String {
    let head: String = match item_code.split_once(&format!("-{area_code}-")) {
        Some((h, _)) => h,
        None => item_code,
    }
    .chars()
    .filter(|c| *c != '-')
    .collect();
    let n = head.chars().count();
    match n {
        14 => head.chars().skip(2).collect(),
        12 => head,
        n if n < 12 => format!("{head:0<12}"),
        _ => head.chars().skip(n - 12).collect(),
    }
}

fn kind_of(code: &str, label: &str) -> Option<ItemKind> {
    let code = code.trim();
    let padded = if code.len() == 1 {
        format!("0{code}")
    } else {
        code.to_owned()
    };
    ItemKind::from_code(&padded).or_else(|| ItemKind::from_label(label.trim()))
}

/// Parses records whose first row is a header. Two layouts are read: the national layout
/// (`catalog_code,name,kind,legal_basis,group,department`, `kind` as code or label) and the
/// portal export in `data/` (`department,group,name,task_type_code,task_type,item_code,area_code,…`).
pub fn parse_catalog_records(records: &[Vec<String>]) -> Result<Vec<CatalogEntry>, ImportError> {
    let (header, rows) = records.split_first().ok_or(ImportError::Empty)?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
    };
    let portal = col("item_code").is_some();
    let required: &[&str] = if portal {
        &[
            "department",
            "group",
            "name",
            "task_type_code",
            "task_type",
            "item_code",
            "area_code",
        ]
    } else {
        &["catalog_code", "name", "kind"]
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing.join("、")));
    }
    let get = |row: &Vec<String>, name: &str| -> String {
        col(name)
            .and_then(|i| row.get(i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut entries = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let name = get(row, "name");
        let (catalog_code, kind) = if portal {
            (
                catalog_code_from_source(&get(row, "item_code"), &get(row, "area_code")),
                kind_of(&get(row, "task_type_code"), &get(row, "task_type")),
            )
        } else {
            let k = get(row, "kind");
            (
                get(row, "catalog_code").to_ascii_uppercase(),
                kind_of(&k, &k),
            )
        };
        let mut reasons = Vec::new();
        if name.is_empty() {
            reasons.push("事项名称为空".to_owned());
        } else if name.chars().count() > 200 {
            reasons.push("事项名称超过 200 字".to_owned());
        }
        if catalog_code.chars().count() != 12
            || !catalog_code.chars().all(|c| c.is_ascii_alphanumeric())
        {
            reasons.push(format!("基本编码“{catalog_code}”应为 12 位字母或数字"));
        }
        if kind.is_none() {
            reasons.push("事项类型无法识别".to_owned());
        }
        if !catalog_code.is_empty() && !seen.insert(catalog_code.clone()) {
            reasons.push(format!("基本编码 {catalog_code} 与前面的行重复"));
        }
        match (reasons.is_empty(), kind) {
            (true, Some(kind)) => entries.push(CatalogEntry {
                catalog_code,
                name,
                kind,
                legal_basis: get(row, "legal_basis"),
                group: get(row, "group"),
                source_department: get(row, "department"),
                local: false,
            }),
            _ => errors.push(RowError {
                line,
                reason: reasons.join("；"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    if entries.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(entries)
}

/// Parses CSV text (UTF-8, header row).
pub fn parse_catalog_csv(text: &str) -> Result<Vec<CatalogEntry>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (i, r) in reader.records().enumerate() {
        match r {
            Ok(r) => records.push(r.iter().map(str::to_owned).collect()),
            Err(e) => {
                return Err(ImportError::Rows(vec![RowError {
                    line: i + 1,
                    reason: format!("CSV 格式错误：{e}"),
                }]));
            }
        }
    }
    parse_catalog_records(&records)
}

#[derive(Deserialize)]
struct JsonEntry {
    #[serde(default)]
    catalog_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    department: String,
}

/// Parses a JSON array of `{catalog_code, name, kind, legal_basis, group, department}`.
pub fn parse_catalog_json(text: &str) -> Result<Vec<CatalogEntry>, ImportError> {
    let entries: Vec<JsonEntry> =
        serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
    let mut records = vec![
        [
            "catalog_code",
            "name",
            "kind",
            "legal_basis",
            "group",
            "department",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>(),
    ];
    records.extend(entries.into_iter().map(|e| {
        vec![
            e.catalog_code,
            e.name,
            e.kind,
            e.legal_basis,
            e.group,
            e.department,
        ]
    }));
    // JSON has no lines; row numbers count the header as 1, like the other layouts.
    parse_catalog_records(&records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTAL: &str = "department,group,name,task_type_code,task_type,item_code,area_code,dept_code\n\
区教科体局,,教师资格认定,1,行政许可,511A0138600000-511602000000-000-115113010833722043-1-00,511602000000,x\n\
区教科体局,,中职和本专科建档立卡特别资助项目,5,行政给付,G-000007-001-511602000000-000-115113010833722043-1-00,511602000000,x\n\
区人社局,,就业登记,20,公共服务,512C0053300008-511602000000-000-x-1-00,511602000000,x\n";

    #[test]
    fn reads_the_portal_layout() {
        let entries = parse_catalog_csv(PORTAL).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].catalog_code, "1A0138600000");
        assert_eq!(entries[0].kind, ItemKind::Licensing);
        assert_eq!(entries[1].catalog_code, "G00000700100");
        assert_eq!(entries[1].kind, ItemKind::Payment);
        assert_eq!(entries[2].kind, ItemKind::PublicService);
        assert_eq!(entries[2].source_department, "区人社局");
    }

    #[test]
    fn bad_rows_are_reported_with_lines_and_nothing_is_imported() {
        let text = "catalog_code,name,kind,legal_basis\n\
000117051000,食品经营许可,行政许可,《食品安全法》\n\
SHORT,某事项,01,\n\
000117052000,,99,\n\
000117051000,重复编码,20,\n";
        match parse_catalog_csv(text) {
            Err(ImportError::Rows(rows)) => {
                let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
                assert_eq!(lines, [3, 4, 5]);
                assert!(rows[0].reason.contains("12 位"));
                assert!(rows[1].reason.contains("事项名称为空") && rows[1].reason.contains("类型"));
                assert!(rows[2].reason.contains("重复"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_catalog_csv("name,kind\n某,01\n"),
            Err(ImportError::MissingColumns(c)) if c == "catalog_code"
        ));
        assert_eq!(parse_catalog_csv(""), Err(ImportError::Empty));
    }

    #[test]
    fn reads_json() {
        let e = parse_catalog_json(
            r#"[{"catalog_code":"000117051000","name":"食品经营许可","kind":"01"}]"#,
        )
        .unwrap();
        assert_eq!(e[0].kind, ItemKind::Licensing);
        assert!(matches!(parse_catalog_json("{"), Err(ImportError::Json(_))));
        assert!(matches!(
            parse_catalog_json(r#"[{"catalog_code":"x","name":"","kind":"01"}]"#),
            Err(ImportError::Rows(r)) if r[0].line == 2
        ));
    }

    #[test]
    fn the_real_catalog_imports_whole() {
        let text = include_str!("../../../../data/guangan_district_service_items.csv");
        let entries = parse_catalog_csv(text).unwrap();
        assert_eq!(entries.len(), 1135);
        assert_eq!(
            entries
                .iter()
                .filter(|e| e.kind == ItemKind::Licensing)
                .count(),
            536
        );
    }
}
