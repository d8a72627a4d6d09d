//! Demonstration data: the real three-level organisation of Hongsibu District (towns and
//! villages from the NBS division codes shipped in `data/`), its halls and windows, and one
//! demo account per role.
//!
//! Department credit codes and hall addresses are synthesised for the demonstration (they
//! have valid check characters and the district prefix `11640303`, but are not the bodies'
//! real codes); everything that comes from `data/` is real.

use chrono::{DateTime, NaiveTime, Utc};
use tongban_domain::account::{AccountKind, Role};
use tongban_domain::codes::{Password, credit_code_check_char};
use tongban_domain::identity::Assurance;
use tongban_domain::org::{HallKind, HoursKind, OpeningPeriod, OrgKind, WindowKind};

use crate::{NewAccount, NewHall, NewOrgUnit, NewWindow, Store, StoreError};

const TOWNS_CSV: &str = include_str!("../../../data/ningxia_towns.csv");
const VILLAGES_CSV: &str = include_str!("../../../data/hongsibu_villages.csv");

/// The district's GB/T 2260 code.
pub const DISTRICT_CODE: &str = "640303";

/// The password every demo account has, as the README says.
pub const DEMO_PASSWORD: &str = "Hongsibu2026";

/// District departments and stationed units: (short code, name). The first ten are the
/// ones the plan names.
pub const DEPARTMENTS: &[(&str, &str)] = &[
    ("D-SPJ", "红寺堡区审批服务管理局"),
    ("D-SFJ", "红寺堡区司法局"),
    ("D-BB", "中共红寺堡区委机构编制委员会办公室"),
    ("D-SJJ", "吴忠市市场监督管理局红寺堡区分局"),
    ("D-FGW", "红寺堡区发展和改革委员会"),
    ("D-ZJJ", "红寺堡区住房和城乡建设交通局"),
    ("D-GAJ", "吴忠市公安局红寺堡区分局"),
    ("D-RSJ", "红寺堡区人力资源和社会保障局"),
    ("D-SWJ", "国家税务总局吴忠市红寺堡区税务局"),
    ("D-WXB", "中共红寺堡区委网络安全和信息化委员会办公室"),
    ("D-MZJ", "红寺堡区民政局"),
    ("D-JYJ", "红寺堡区教育局"),
    ("D-WJJ", "红寺堡区卫生健康局"),
    ("D-NYJ", "红寺堡区农业农村局"),
    ("D-ZRJ", "吴忠市自然资源局红寺堡分局"),
    ("D-STJ", "吴忠市生态环境局红寺堡分局"),
    ("D-YBJ", "红寺堡区医疗保障局"),
    ("D-TYJ", "红寺堡区退役军人事务局"),
    ("D-WLJ", "红寺堡区文化旅游体育广电局"),
    ("D-SLJ", "红寺堡区水务局"),
    ("D-YJJ", "红寺堡区应急管理局"),
    ("D-CZJ", "红寺堡区财政局"),
    ("D-CL", "红寺堡区残疾人联合会"),
    ("D-DCS", "红寺堡区人民政府督查室"),
];

/// One demo account: (login, name, kind, role, org code, phone, legal representative).
pub struct DemoAccount {
    pub login: &'static str,
    pub name: &'static str,
    pub kind: AccountKind,
    pub role: Option<Role>,
    pub org_code: Option<&'static str>,
    pub phone: Option<&'static str>,
    pub legal_representative: Option<&'static str>,
}

/// The demo accounts, one per role plus a citizen and an enterprise.
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    staff("admin", "马海燕", Role::BureauAdmin, "D-SPJ"),
    staff("legal", "杨立新", Role::LegalReviewer, "D-SFJ"),
    staff("clerk", "李婷", Role::WindowClerk, "D-SPJ"),
    staff("clerk_dahe", "周小梅", Role::WindowClerk, "640303200000"),
    staff("reviewer", "王强", Role::Reviewer, "D-SJJ"),
    staff("reviewer_rsj", "张宏", Role::Reviewer, "D-RSJ"),
    staff("supervisor", "田志刚", Role::Supervisor, "D-DCS"),
    DemoAccount {
        login: "64030319580312024X",
        name: "马秀兰",
        kind: AccountKind::Citizen,
        role: None,
        org_code: None,
        phone: Some("13909531234"),
        legal_representative: None,
    },
    DemoAccount {
        login: "91640303MA76F0LX2Y",
        name: "宁夏罗山红葡萄酒业有限公司",
        kind: AccountKind::Enterprise,
        role: None,
        org_code: None,
        phone: Some("13995367788"),
        legal_representative: Some("丁文华"),
    },
    // Last, so the earlier accounts keep their places.
    staff("hotline", "陈静", Role::HotlineOperator, "D-SPJ"),
    // The departments a newborn's bundle reaches (issue 13), each with its own reviewer.
    staff("reviewer_wjj", "苏丽娟", Role::Reviewer, "D-WJJ"),
    staff("reviewer_gaj", "马志军", Role::Reviewer, "D-GAJ"),
    staff("reviewer_ybj", "李慧", Role::Reviewer, "D-YBJ"),
    // A village point's clerk (村级代办员, issue 16): 大河乡大河村.
    staff("clerk_dahecun", "杨秀英", Role::WindowClerk, "640303200203"),
];

const fn staff(
    login: &'static str,
    name: &'static str,
    role: Role,
    org: &'static str,
) -> DemoAccount {
    DemoAccount {
        login,
        name,
        kind: AccountKind::Staff,
        role: Some(role),
        org_code: Some(org),
        phone: None,
        legal_representative: None,
    }
}

/// A synthesised credit code for a Hongsibu body: `11640303` + `MB` + 7 digits + check.
pub fn demo_credit_code(serial: u32) -> String {
    let first = format!("11640303MB{serial:07}");
    let check = credit_code_check_char(first.as_bytes()).expect("digits and capitals only");
    format!("{first}{check}")
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

fn period(
    days: &[u8],
    from: (u32, u32),
    to: (u32, u32),
    kind: HoursKind,
    note: &str,
) -> (OpeningPeriod, String) {
    (
        OpeningPeriod {
            weekdays: days.to_vec(),
            opens: t(from.0, from.1),
            closes: t(to.0, to.1),
            kind,
        },
        note.to_owned(),
    )
}

fn window(number: &str, kind: WindowKind) -> NewWindow {
    NewWindow {
        number: number.to_owned(),
        name: format!("{number} 号{}", kind.label()),
        kind,
    }
}

const WEEKDAYS: &[u8] = &[1, 2, 3, 4, 5];

#[derive(Debug, serde::Deserialize)]
struct TownRow {
    code: String,
    name: String,
    county_code: String,
}

#[derive(Debug, serde::Deserialize)]
struct VillageRow {
    code: String,
    name: String,
    town_code: String,
}

/// The organisation units in insertion order (parents first).
pub fn org_units() -> Result<Vec<NewOrgUnit>, StoreError> {
    let mut units = vec![NewOrgUnit {
        code: DISTRICT_CODE.into(),
        name: "红寺堡区人民政府".into(),
        kind: OrgKind::Government,
        parent_code: None,
        credit_code: Some(demo_credit_code(1)),
        sort: 0,
    }];
    for (i, (code, name)) in DEPARTMENTS.iter().enumerate() {
        units.push(NewOrgUnit {
            code: (*code).into(),
            name: (*name).into(),
            kind: OrgKind::Department,
            parent_code: Some(DISTRICT_CODE.into()),
            credit_code: Some(demo_credit_code(100 + i as u32)),
            sort: 10 + i as i64,
        });
    }
    let bad = |e: csv::Error| StoreError::Config(format!("演示数据读取失败：{e}"));
    let mut towns = csv::Reader::from_reader(TOWNS_CSV.as_bytes());
    for (i, row) in towns.deserialize::<TownRow>().enumerate() {
        let row = row.map_err(bad)?;
        if row.county_code != DISTRICT_CODE {
            continue;
        }
        units.push(NewOrgUnit {
            code: row.code,
            name: row.name,
            kind: OrgKind::Town,
            parent_code: Some(DISTRICT_CODE.into()),
            credit_code: Some(demo_credit_code(500 + i as u32)),
            sort: 100 + i as i64,
        });
    }
    let mut villages = csv::Reader::from_reader(VILLAGES_CSV.as_bytes());
    for (i, row) in villages.deserialize::<VillageRow>().enumerate() {
        let row = row.map_err(bad)?;
        units.push(NewOrgUnit {
            code: row.code,
            name: row.name,
            kind: OrgKind::Village,
            parent_code: Some(row.town_code),
            credit_code: None,
            sort: 1000 + i as i64,
        });
    }
    Ok(units)
}

/// The halls of the three-level network: the district centre, a people's service centre in
/// every town and a proxy point in every village.
pub fn halls(units: &[NewOrgUnit]) -> Vec<NewHall> {
    use HoursKind::*;
    let mut out = vec![NewHall {
        org_code: "D-SPJ".into(),
        name: "红寺堡区政务服务中心".into(),
        kind: HallKind::DistrictCentre,
        address: "红寺堡区新民街道（演示地址）".into(),
        phone: "0953-5039000（演示号码）".into(),
        hours: vec![
            period(WEEKDAYS, (9, 0), (12, 0), Regular, "上午"),
            period(
                WEEKDAYS,
                (14, 30),
                (18, 0),
                Regular,
                "下午（冬季 14:00–17:30）",
            ),
            period(
                WEEKDAYS,
                (12, 0),
                (14, 30),
                Staggered,
                "午间不断档，综合受理窗口轮岗",
            ),
            period(
                WEEKDAYS,
                (18, 0),
                (19, 0),
                Extended,
                "已在办理中的业务当场办结",
            ),
            period(
                &[6],
                (9, 0),
                (12, 0),
                Staggered,
                "周六上午（综合受理、帮办代办窗口）",
            ),
        ],
        // The centre's 30 windows: 22 综合受理 (无差别受理), 4 at the 企业服务站 (综合代办),
        // 2 帮办代办, 2 “办不成事”.
        windows: (1..=30)
            .map(|n| {
                let kind = match n {
                    1..=22 => WindowKind::Comprehensive,
                    23..=26 => WindowKind::Enterprise,
                    27 | 28 => WindowKind::Assistance,
                    _ => WindowKind::Escalation,
                };
                window(&format!("{n:02}"), kind)
            })
            .collect(),
        sort: 0,
    }];
    for (i, u) in units.iter().enumerate() {
        match u.kind {
            OrgKind::Town => out.push(NewHall {
                org_code: u.code.clone(),
                name: format!("{}民生服务中心", u.name),
                kind: HallKind::TownCentre,
                address: format!("{}（演示地址）", u.name),
                phone: "0953-5039000（演示号码）".into(),
                hours: vec![
                    period(WEEKDAYS, (9, 0), (12, 0), Regular, "上午"),
                    period(WEEKDAYS, (14, 30), (18, 0), Regular, "下午"),
                    period(&[6], (9, 0), (12, 0), Staggered, "周六上午"),
                ],
                windows: vec![
                    window("01", WindowKind::Comprehensive),
                    window("02", WindowKind::Comprehensive),
                    window("03", WindowKind::Assistance),
                    window("04", WindowKind::Escalation),
                ],
                sort: 100 + i as i64,
            }),
            OrgKind::Village => out.push(NewHall {
                org_code: u.code.clone(),
                name: format!(
                    "{}便民代办点",
                    u.name
                        .trim_end_matches("村民委员会")
                        .trim_end_matches("居民委员会")
                ),
                kind: HallKind::VillagePoint,
                address: format!("{}办公场所", u.name),
                phone: String::new(),
                hours: vec![
                    period(WEEKDAYS, (9, 0), (12, 0), Regular, "上午"),
                    period(WEEKDAYS, (15, 0), (18, 0), Regular, "下午"),
                ],
                windows: vec![NewWindow {
                    number: "01".into(),
                    name: "代办窗口".into(),
                    kind: WindowKind::Assistance,
                }],
                sort: 1000 + i as i64,
            }),
            _ => {}
        }
    }
    out
}

/// Loads everything into an empty database. `hash` turns a password into its stored form
/// (the caller owns randomness).
pub async fn load(
    store: &Store,
    now: DateTime<Utc>,
    hash: &(dyn Fn(&Password) -> String + Sync),
) -> Result<(), StoreError> {
    let units = org_units()?;
    store.add_org_units(now, "system", &units).await?;
    for hall in halls(&units) {
        store.add_hall(now, "system", &hall).await?;
    }
    let password = Password::parse(DEMO_PASSWORD).expect("demo password meets the policy");
    for a in DEMO_ACCOUNTS {
        store
            .create_account(
                now,
                "system",
                &NewAccount {
                    kind: a.kind,
                    login: a.login.into(),
                    name: a.name.into(),
                    phone: a.phone.map(Into::into),
                    legal_representative: a.legal_representative.map(Into::into),
                    org_unit_code: a.org_code.map(Into::into),
                    role: a.role,
                    password_hash: hash(&password),
                    // The demonstration people were verified at a window; an enterprise by
                    // its legal representative.
                    assurance: match a.kind {
                        AccountKind::Enterprise => Assurance::LegalRepresentativeVerified,
                        _ => Assurance::WindowVerified,
                    },
                },
            )
            .await?;
    }
    crate::demo_catalog::load_catalog(store, now).await?;
    crate::demo_bundles::load_bundles(store, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongban_domain::codes::{CreditCode, ResidentId};

    #[test]
    fn demo_codes_are_valid() {
        for a in DEMO_ACCOUNTS {
            match a.kind {
                AccountKind::Citizen => assert!(ResidentId::parse(a.login).is_ok(), "{}", a.login),
                AccountKind::Enterprise => {
                    assert!(CreditCode::parse(a.login).is_ok(), "{}", a.login)
                }
                AccountKind::Staff => {}
            }
        }
        assert!(CreditCode::parse(&demo_credit_code(7)).is_ok());
    }

    #[test]
    fn organisation_has_real_towns_and_villages() {
        let units = org_units().unwrap();
        let towns = units.iter().filter(|u| u.kind == OrgKind::Town).count();
        let villages = units.iter().filter(|u| u.kind == OrgKind::Village).count();
        assert_eq!(towns, 7);
        assert_eq!(villages, 74);
        assert!(units.iter().any(|u| u.name == "大河乡"));
    }
}
