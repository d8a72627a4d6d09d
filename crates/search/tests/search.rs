//! Search over the demonstration catalog: Chinese partial words, pinyin, initials, typos,
//! ranking and filters.

use tongban_domain::catalog::ServiceItem;
use tongban_domain::org::OrgLevel;
use tongban_search::{AudienceFilter, CatalogIndex, SearchQuery, pinyin_forms};
use tongban_store::demo::{DEPARTMENTS, demo_credit_code};
use tongban_store::demo_catalog::{demo_blocks, demo_entries, item_from_block};

pub fn demo_items() -> Vec<ServiceItem> {
    let entries = demo_entries().unwrap();
    let credit_of = |code: &str| {
        DEPARTMENTS.iter().position(|(c, _)| *c == code).map(|i| {
            (
                demo_credit_code(100 + i as u32),
                DEPARTMENTS[i].1.to_owned(),
            )
        })
    };
    demo_blocks()
        .into_iter()
        .map(|b| item_from_block(b, &entries, &credit_of).unwrap())
        .collect()
}

fn names(index: &CatalogIndex, q: SearchQuery) -> Vec<String> {
    index
        .search(&SearchQuery { per_page: 100, ..q })
        .unwrap()
        .items
        .iter()
        .map(|i| i.name.clone())
        .collect()
}

fn text(t: &str) -> SearchQuery {
    SearchQuery {
        text: t.into(),
        ..SearchQuery::default()
    }
}

#[test]
fn pinyin_forms_of_a_name() {
    assert_eq!(
        pinyin_forms("食品经营许可"),
        ("shipinjingyingxuke".into(), "spjyxk".into())
    );
    assert_eq!(pinyin_forms("80周岁").1, "80zs");
}

#[test]
fn finds_by_partial_words_pinyin_initials_and_typos() {
    let index = CatalogIndex::build(demo_items(), 1).unwrap();
    assert!(index.len() >= 60);
    let by_words = names(&index, text("小经营店"));
    assert_eq!(by_words[0], "食品小经营店备案发放");
    let by_initials = names(&index, text("spxjyd"));
    assert_eq!(by_initials[0], "食品小经营店备案发放");
    let by_initials = names(&index, text("SPXZF"));
    assert_eq!(by_initials[0], "食品小作坊备案发放");
    let by_pinyin = names(&index, text("shebaoka"));
    assert!(
        by_pinyin.is_empty(),
        "社会保障卡 is not 社保卡 in pinyin: {by_pinyin:?}"
    );
    let by_pinyin = names(&index, text("shehuibaozhangka"));
    assert!(
        by_pinyin.iter().any(|n| n == "社会保障卡申领"),
        "{by_pinyin:?}"
    );
    let typo_pinyin = names(&index, text("canjirn"));
    assert!(
        typo_pinyin.iter().any(|n| n.starts_with("残疾人证")),
        "{typo_pinyin:?}"
    );
    let typo_hanzi = names(&index, text("残疾人证心办"));
    assert_eq!(typo_hanzi[0], "残疾人证新办");
    assert!(names(&index, text("量子计算机")).is_empty());
}

#[test]
fn names_rank_above_legal_basis() {
    let index = CatalogIndex::build(demo_items(), 1).unwrap();
    // 社会救助 is in 最低生活保障's basis (《社会救助暂行办法》) and in the themes of several
    // items, but 临时救助 has it in the name.
    let hits = names(&index, text("救助"));
    assert_eq!(hits[0], "临时救助", "{hits:?}");
    assert!(hits.contains(&"最低生活保障".to_owned()));
}

#[test]
fn filters_and_pages() {
    let index = CatalogIndex::build(demo_items(), 7).unwrap();
    assert_eq!(index.generation(), 7);
    let all = index
        .search(&SearchQuery {
            per_page: 10,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(all.total, index.len());
    assert_eq!(all.items.len(), 10);
    // The last page holds what is left.
    let last = index.len().div_ceil(10);
    let tail = index
        .search(&SearchQuery {
            per_page: 10,
            page: last,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(tail.items.len(), index.len() - (last - 1) * 10);
    let rsj = index
        .search(&SearchQuery {
            department: Some("D-RSJ".into()),
            per_page: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(rsj.total >= 5 && rsj.items.iter().all(|i| i.org_code == "D-RSJ"));
    let village = index
        .search(&SearchQuery {
            level: Some(OrgLevel::Village),
            per_page: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(
        village
            .items
            .iter()
            .all(|i| i.levels.contains(&OrgLevel::Village))
    );
    let org = index
        .search(&SearchQuery {
            text: "许可".into(),
            audience: Some(AudienceFilter::Organisation),
            per_page: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(org.total > 0);
    assert!(
        org.items
            .iter()
            .all(|i| i.audiences.iter().any(|a| a.is_legal_person()))
    );
    let theme = index
        .search(&SearchQuery {
            theme: Some("开办餐饮店".into()),
            per_page: 100,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(theme.total >= 2);
    let code = &all.items[0].implementation_code;
    assert_eq!(index.get(code).unwrap().implementation_code, *code);
}
