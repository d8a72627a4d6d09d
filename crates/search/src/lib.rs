//! In-process search over the published catalog, so every instance holds its own index and
//! no search server is needed.
//!
//! Chinese is indexed as character unigrams and bigrams, which finds partial words (分词)
//! without a dictionary in memory; names are also indexed by full pinyin and by pinyin
//! initials (`spjy` finds 食品经营许可). A query matches when most of its bigrams do, which
//! tolerates a wrong character; pinyin queries also match at edit distance one. Names weigh
//! more than departments and themes, which weigh more than legal basis and conditions.
//!
//! The index is rebuilt whole from the published items (fast at district size: see
//! BENCHMARKS.md) and swapped in; it never changes under a reader.

use std::sync::Arc;

use pinyin::ToPinyin;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};
use tongban_domain::catalog::{Audience, ItemKind, ServiceItem};
use tongban_domain::org::OrgLevel;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("搜索索引错误：{0}")]
    Index(#[from] tantivy::TantivyError),
}

/// Pinyin forms of a Chinese text: (full pinyin without tones, initials), lower-case ASCII.
pub fn pinyin_forms(text: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (c, p) in text.chars().zip(text.to_pinyin()) {
        match p {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if c.is_ascii_alphanumeric() => {
                full.push(c.to_ascii_lowercase());
                initials.push(c.to_ascii_lowercase());
            }
            None => {}
        }
    }
    (full, initials)
}

/// The pinyin terms of a name: every prefix (2 to 8 letters) of the pinyin read from each
/// syllable onwards, so `shehuibao` and `baozhang` find 社会保障卡 while the index stays a
/// third of the size all n-grams would make.
fn pinyin_terms(text: &str) -> String {
    let syllables: Vec<String> = text
        .to_pinyin()
        .flatten()
        .map(|p| p.plain().to_owned())
        .collect();
    let mut out = String::new();
    for start in 0..syllables.len() {
        let rest: String = syllables[start..].concat();
        let chars: Vec<char> = rest.chars().collect();
        for len in 2..=PY_MAX.min(chars.len()) {
            out.extend(&chars[..len]);
            out.push(' ');
        }
    }
    out
}

/// Which applicants an item serves, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceFilter {
    /// 个人.
    Person,
    /// 法人 and other organisations.
    Organisation,
}

impl AudienceFilter {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "person" | "natural_person" | "1" => Some(Self::Person),
            "organisation" | "legal_person" | "enterprise" | "2" => Some(Self::Organisation),
            _ => None,
        }
    }

    fn admits(self, audiences: &[Audience]) -> bool {
        match self {
            Self::Person => audiences.contains(&Audience::NaturalPerson),
            Self::Organisation => audiences.iter().any(|a| a.is_legal_person()),
        }
    }
}

/// A search with its filters and page.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub audience: Option<AudienceFilter>,
    /// Implementing org unit code, e.g. `D-SJJ`.
    pub department: Option<String>,
    pub level: Option<OrgLevel>,
    pub theme: Option<String>,
    pub kind: Option<ItemKind>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

/// One page of results, best first, with the total number of matches.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub items: Vec<Arc<ServiceItem>>,
    pub total: usize,
}

struct Fields {
    idx: Field,
    name: Field,
    pinyin: Field,
    initials: Field,
    extra: Field,
    basis: Field,
}

/// The published catalog with its search index, immutable once built.
pub struct CatalogIndex {
    reader: IndexReader,
    fields: Fields,
    items: Vec<Arc<ServiceItem>>,
    generation: i64,
}

const CJK: &str = "cjk_1_2";
/// Long texts (basis, conditions) only need bigrams: single characters there are noise.
const CJK2: &str = "cjk_2_2";
const PY: &str = "py_2_8";
const PY_MAX: usize = 8;
/// Hits considered before filtering; more than any district publishes.
const MAX_HITS: usize = 20_000;

fn text_field(schema: &mut tantivy::schema::SchemaBuilder, name: &str, tokenizer: &str) -> Field {
    schema.add_text_field(
        name,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    )
}

impl CatalogIndex {
    /// Builds the index over `items` (the published set at `generation`).
    pub fn build(items: Vec<ServiceItem>, generation: i64) -> Result<Self, SearchError> {
        let mut sb = Schema::builder();
        let fields = Fields {
            idx: sb.add_u64_field("idx", FAST),
            name: text_field(&mut sb, "name", CJK),
            pinyin: text_field(&mut sb, "pinyin", "default"),
            initials: text_field(&mut sb, "initials", PY),
            extra: text_field(&mut sb, "extra", CJK2),
            basis: text_field(&mut sb, "basis", CJK2),
        };
        let index = Index::create_in_ram(sb.build());
        index.tokenizers().register(
            CJK,
            TextAnalyzer::builder(NgramTokenizer::all_ngrams(1, 2)?)
                .filter(LowerCaser)
                .build(),
        );
        index.tokenizers().register(
            CJK2,
            TextAnalyzer::builder(NgramTokenizer::all_ngrams(2, 2)?)
                .filter(LowerCaser)
                .build(),
        );
        index.tokenizers().register(
            PY,
            TextAnalyzer::builder(NgramTokenizer::all_ngrams(2, PY_MAX)?).build(),
        );
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
        for (i, item) in items.iter().enumerate() {
            let (_, initials) = pinyin_forms(&item.name);
            let extra = [
                item.org_name.as_str(),
                &item.themes.join(" "),
                &item.outcome.name,
                &item
                    .situations
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
            .join(" ");
            writer.add_document(doc!(
                fields.idx => i as u64,
                fields.name => item.name.as_str(),
                fields.pinyin => pinyin_terms(&item.name),
                fields.initials => initials,
                fields.extra => extra,
                fields.basis => format!("{} {}", item.legal_basis, item.conditions),
            ))?;
        }
        writer.commit()?;
        drop(writer);
        let reader = index.reader()?;
        Ok(CatalogIndex {
            reader,
            fields,
            items: items.into_iter().map(Arc::new).collect(),
            generation,
        })
    }

    /// The publication generation this index was built from.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every published item, in the order they were given.
    pub fn items(&self) -> &[Arc<ServiceItem>] {
        &self.items
    }

    pub fn get(&self, implementation_code: &str) -> Option<Arc<ServiceItem>> {
        self.items
            .iter()
            .find(|i| i.implementation_code == implementation_code)
            .cloned()
    }

    fn term_query(field: Field, text: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        ))
    }

    /// Most of the query's bigrams must match in `field`.
    fn cjk_query(field: Field, grams: &[String], boost: f32) -> Box<dyn Query> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = grams
            .iter()
            .map(|g| (Occur::Should, Self::term_query(field, g)))
            .collect();
        let min = (grams.len() * 6).div_ceil(10).max(1);
        Box::new(BoostQuery::new(
            Box::new(BooleanQuery::with_minimum_required_clauses(clauses, min)),
            boost,
        ))
    }

    /// Every window of the pinyin query must appear in `field`.
    fn pinyin_query(field: Field, q: &str, boost: f32) -> Box<dyn Query> {
        let chars: Vec<char> = q.chars().collect();
        let windows: Vec<String> = if chars.len() <= PY_MAX {
            vec![q.to_owned()]
        } else {
            chars.windows(PY_MAX).map(|w| w.iter().collect()).collect()
        };
        let clauses = windows
            .iter()
            .map(|w| (Occur::Must, Self::term_query(field, w)))
            .collect();
        Box::new(BoostQuery::new(Box::new(BooleanQuery::new(clauses)), boost))
    }

    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '，' | '。' | '、' | ',' | '.' | '-'))
            .collect::<String>()
            .to_lowercase();
        if cleaned.is_empty() {
            return None;
        }
        if cleaned.chars().all(|c| c.is_ascii_alphabetic()) {
            if cleaned.chars().count() < 2 {
                return None;
            }
            let head: String = cleaned.chars().take(PY_MAX).collect();
            let mut clauses = vec![
                (Occur::Should, Self::pinyin_query(f.initials, &cleaned, 3.0)),
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Self::term_query(f.pinyin, &head), 2.0))
                        as Box<dyn Query>,
                ),
            ];
            if (4..=PY_MAX).contains(&cleaned.chars().count()) {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(f.pinyin, &cleaned), 1, true);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(fuzzy), 0.5)),
                ));
            }
            return Some(Box::new(BooleanQuery::new(clauses)));
        }
        let chars: Vec<char> = cleaned.chars().collect();
        let grams: Vec<String> = if chars.len() == 1 {
            vec![chars[0].to_string()]
        } else {
            chars.windows(2).map(|w| w.iter().collect()).collect()
        };
        let bigrams: Vec<String> = if chars.len() == 1 {
            Vec::new()
        } else {
            grams.clone()
        };
        // Single characters break ties between names that match the same bigrams, so a
        // mistyped character still lets the other characters decide.
        let unigrams: Vec<(Occur, Box<dyn Query>)> = chars
            .iter()
            .map(|c| (Occur::Should, Self::term_query(f.name, &c.to_string())))
            .collect();
        let matches: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
            (Occur::Should, Self::cjk_query(f.name, &grams, 4.0)),
            (Occur::Should, Self::cjk_query(f.extra, &bigrams, 1.5)),
            (Occur::Should, Self::cjk_query(f.basis, &bigrams, 0.5)),
        ]));
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, matches),
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(BooleanQuery::new(unigrams)), 0.3)),
            ),
        ])))
    }

    fn admits(q: &SearchQuery, item: &ServiceItem) -> bool {
        q.audience.is_none_or(|a| a.admits(&item.audiences))
            && q.department.as_deref().is_none_or(|d| item.org_code == d)
            && q.level.is_none_or(|l| item.levels.contains(&l))
            && q.theme
                .as_deref()
                .is_none_or(|t| item.themes.iter().any(|x| x == t))
            && q.kind.is_none_or(|k| item.kind == k)
    }

    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage, SearchError> {
        let ranked: Vec<usize> = match self.text_query(&q.text) {
            None if q.text.trim().is_empty() => (0..self.items.len()).collect(),
            None => Vec::new(),
            Some(query) => {
                let searcher = self.reader.searcher();
                let hits =
                    searcher.search(&query, &TopDocs::with_limit(MAX_HITS).order_by_score())?;
                let mut out = Vec::with_capacity(hits.len());
                for (_, addr) in hits {
                    let column = searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .u64("idx")?;
                    if let Some(i) = column.first(addr.doc_id) {
                        out.push(i as usize);
                    }
                }
                out
            }
        };
        // A long pinyin query was looked up by its first letters; keep the names that really
        // contain it (or its initials).
        let long_pinyin = {
            let t: String = q
                .text
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_lowercase();
            (t.chars().count() > PY_MAX && t.chars().all(|c| c.is_ascii_alphabetic())).then_some(t)
        };
        let matching: Vec<usize> = ranked
            .into_iter()
            .filter(|i| Self::admits(q, &self.items[*i]))
            .filter(|i| {
                long_pinyin.as_deref().is_none_or(|t| {
                    let (full, initials) = pinyin_forms(&self.items[*i].name);
                    full.contains(t) || initials.contains(t)
                })
            })
            .collect();
        let per_page = q.per_page.clamp(1, 100);
        let page = q.page.max(1);
        let items = matching
            .iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .map(|i| self.items[*i].clone())
            .collect();
        Ok(SearchPage {
            items,
            total: matching.len(),
        })
    }
}
