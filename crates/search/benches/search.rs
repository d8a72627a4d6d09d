//! Search on a generated catalog of 10,000 published items: query latency (criterion, plus
//! the p99 over a fixed query mix) and a full index rebuild.
//! Run: `cargo bench -p tongban-search`.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use tongban_domain::catalog::ServiceItem;
use tongban_search::{CatalogIndex, SearchQuery};
use tongban_store::demo::{DEPARTMENTS, demo_credit_code};
use tongban_store::demo_catalog::{demo_blocks, demo_entries, item_from_block};

/// 10,000 items: every upper-catalog name, cycled with suffixes, over the demo lists' shapes.
fn generated_catalog(n: usize) -> Vec<ServiceItem> {
    let entries = demo_entries().unwrap();
    let credit_of = |code: &str| {
        DEPARTMENTS.iter().position(|(c, _)| *c == code).map(|i| {
            (
                demo_credit_code(100 + i as u32),
                DEPARTMENTS[i].1.to_owned(),
            )
        })
    };
    let templates: Vec<ServiceItem> = demo_blocks()
        .into_iter()
        .map(|b| item_from_block(b, &entries, &credit_of).unwrap())
        .collect();
    (0..n)
        .map(|i| {
            let mut item = templates[i % templates.len()].clone();
            let entry = &entries[i % entries.len()];
            item.name = if i < entries.len() {
                entry.name.clone()
            } else {
                format!("{}（第{}批）", entry.name, i / entries.len())
            };
            item.kind = entry.kind;
            item.implementation_code = format!("{:031}", i);
            item
        })
        .collect()
}

const QUERIES: &[&str] = &[
    "食品",
    "食品经营",
    "营业执照",
    "spjy",
    "shehuibaozhang",
    "残疾人证",
    "养老保险",
    "许可",
    "出租汽车",
    "建筑工程施工",
    "jzgcsgxk",
    "最低生活保障",
    "社会保障卡补领",
    "低保",
    "户口迁移",
    "canjirn",
    "教师资格",
    "医保",
    "退役",
    "河道采砂许可证",
];

fn bench(c: &mut Criterion) {
    let items = generated_catalog(10_000);
    let index = CatalogIndex::build(items.clone(), 1).unwrap();
    let mut group = c.benchmark_group("catalog_10k");
    group.sample_size(30);
    group.bench_function("search_mixed_query", |b| {
        let mut i = 0;
        b.iter(|| {
            let q = SearchQuery {
                text: QUERIES[i % QUERIES.len()].into(),
                per_page: 20,
                ..SearchQuery::default()
            };
            i += 1;
            index.search(&q).unwrap().total
        })
    });
    group.sample_size(10);
    group.bench_function("index_rebuild", |b| {
        b.iter(|| CatalogIndex::build(items.clone(), 2).unwrap().len())
    });
    group.finish();
}

/// The p99 that the target is stated in, over 20 rounds of the query mix.
fn p99_report() {
    let index = CatalogIndex::build(generated_catalog(10_000), 1).unwrap();
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..20 {
        for q in QUERIES {
            let query = SearchQuery {
                text: (*q).into(),
                per_page: 20,
                ..SearchQuery::default()
            };
            let t = Instant::now();
            let page = index.search(&query).unwrap();
            times.push(t.elapsed());
            std::hint::black_box(page.total);
        }
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let t = Instant::now();
    let rebuilt = CatalogIndex::build(generated_catalog(10_000), 2).unwrap();
    let rebuild = t.elapsed();
    println!(
        "catalog_10k: {} queries, p50 {:?}, p99 {:?}, max {:?}; rebuild of {} items {:?} (targets: p99 < 5 ms, rebuild < 2 s)",
        times.len(),
        pct(0.50),
        pct(0.99),
        times[times.len() - 1],
        rebuilt.len(),
        rebuild
    );
}

criterion_group!(benches, bench);

fn main() {
    p99_report();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
