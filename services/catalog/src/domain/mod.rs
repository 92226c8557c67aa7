//! catalog's domain: products, checked inputs and the listing query (sort + keyset cursor).

pub mod demo;
pub mod jobs;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::error::CatalogError;

/// The wire type lives in catalog's contract crate, so callers need nothing of catalog.
pub use wayfare_catalog_api::Product;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Category {
    pub id: String,
    pub name: String,
}

pub fn parse_sku(raw: &str) -> Result<String, CatalogError> {
    let sku = raw.trim();
    if sku.is_empty()
        || sku.len() > 64
        || !sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(CatalogError::invalid(
            "sku",
            "must be 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    Ok(sku.to_string())
}

pub fn parse_name(raw: &str) -> Result<String, CatalogError> {
    let name = raw.trim();
    let n = name.chars().count();
    if n == 0 || n > 200 {
        return Err(CatalogError::invalid("name", "must be 1 to 200 characters"));
    }
    Ok(name.to_string())
}

pub fn parse_description(raw: &str) -> Result<String, CatalogError> {
    if raw.chars().count() > 5000 {
        return Err(CatalogError::invalid(
            "description",
            "must be at most 5000 characters",
        ));
    }
    Ok(raw.trim().to_string())
}

pub fn parse_price(price: i64) -> Result<i64, CatalogError> {
    if !(0..=10_000_000_000).contains(&price) {
        return Err(CatalogError::invalid(
            "price",
            "must be between 0 and 10000000000 minor units",
        ));
    }
    Ok(price)
}

/// The cache key of one product's cached copy.
pub fn product_cache_key(id: &str) -> String {
    format!("catalog:product:{id}")
}

/// The cache key of a product's change marker: a new value on every change, so a read that
/// began before the change does not put its (now stale) copy back into the cache.
pub fn product_epoch_key(id: &str) -> String {
    format!("catalog:product-epoch:{id}")
}

/// Drops the cached copy of a changed product (and marks the change, see
/// [`product_epoch_key`]).
pub async fn forget_cached_product(cache: &wayfare_chassis::cache::Cache, id: &str) {
    cache
        .set(
            &product_epoch_key(id),
            &uuid::Uuid::new_v4().to_string(),
            std::time::Duration::from_secs(300),
        )
        .await;
    cache.delete(&product_cache_key(id)).await;
}

pub fn parse_currency(raw: &str) -> Result<String, CatalogError> {
    if !wayfare_chassis::money::is_currency(raw) {
        return Err(CatalogError::invalid(
            "currency",
            "must be an active ISO 4217 code such as USD",
        ));
    }
    Ok(raw.to_string())
}

pub fn parse_stock(stock: i64) -> Result<i64, CatalogError> {
    if !(0..=1_000_000_000).contains(&stock) {
        return Err(CatalogError::invalid(
            "stock",
            "must be between 0 and 1000000000",
        ));
    }
    Ok(stock)
}

pub fn parse_image_url(raw: &str) -> Result<String, CatalogError> {
    let ok = raw.len() <= 500
        && (raw.starts_with("https://") || raw.starts_with("http://") || raw.starts_with('/'));
    if !ok {
        return Err(CatalogError::invalid(
            "image_url",
            "must be an http(s) URL or an absolute path",
        ));
    }
    Ok(raw.to_string())
}

/// How a listing is ordered; each has a unique total order (ties broken by id) so keyset
/// pagination never skips or repeats a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    Name,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl Sort {
    pub fn parse(raw: Option<&str>) -> Result<Self, CatalogError> {
        match raw.unwrap_or("name") {
            "name" => Ok(Sort::Name),
            "price_asc" => Ok(Sort::PriceAsc),
            "price_desc" => Ok(Sort::PriceDesc),
            "newest" => Ok(Sort::Newest),
            _ => Err(CatalogError::invalid(
                "sort",
                "must be one of name, price_asc, price_desc, newest",
            )),
        }
    }
}

/// Where the previous page ended: the sort key and id of its last product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub sort: Sort,
    pub key: CursorKey,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CursorKey {
    Int(i64),
    Text(String),
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("cursor serialises"))
    }

    pub fn decode(raw: &str, sort: Sort) -> Result<Self, CatalogError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| CatalogError::BadCursor)?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| CatalogError::BadCursor)?;
        let key_matches = matches!(
            (cursor.sort, &cursor.key),
            (Sort::Name, CursorKey::Text(_))
                | (
                    Sort::PriceAsc | Sort::PriceDesc | Sort::Newest,
                    CursorKey::Int(_)
                )
        );
        if cursor.sort != sort || !key_matches {
            return Err(CatalogError::BadCursor);
        }
        Ok(cursor)
    }
}

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A checked listing request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Search words, all required (empty: no search); see [`search_words`].
    pub words: Vec<String>,
    pub category: Option<String>,
    pub sort: Sort,
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl ListQuery {
    pub fn parse(
        q: Option<&str>,
        category: Option<&str>,
        sort: Option<&str>,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Self, CatalogError> {
        let sort = Sort::parse(sort)?;
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    CatalogError::invalid("limit", format!("must be between 1 and {MAX_LIMIT}"))
                })?,
        };
        let text = q.map(str::trim).filter(|s| !s.is_empty());
        if text.is_some_and(|t| t.chars().count() > 100) {
            return Err(CatalogError::invalid("q", "must be at most 100 characters"));
        }
        let words = text.map(search_words).unwrap_or_default();
        if text.is_some() && words.is_empty() {
            return Err(CatalogError::invalid(
                "q",
                format!("search for words of at least {MIN_WORD_CHARS} letters or digits"),
            ));
        }
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(|c| Cursor::decode(c, sort))
            .transpose()?;
        Ok(Self {
            words,
            category: category
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            sort,
            limit,
            after,
        })
    }
}

/// Shorter words are not searched: MySQL's full-text index (innodb_ft_min_token_size = 3)
/// does not hold them, and both backends must answer alike.
pub const MIN_WORD_CHARS: usize = 3;

/// Words too common to search for (InnoDB's default full-text stopwords, never indexed there).
const STOPWORDS: &[&str] = &[
    "about", "are", "com", "for", "from", "how", "the", "that", "this", "was", "what", "when",
    "where", "who", "will", "with", "und", "www",
];

/// The words of a search: lower-case alphanumeric runs (the split the full-text indexes make)
/// of at least [`MIN_WORD_CHARS`], without stopwords or repeats, at most eight.
pub fn search_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.chars().count() >= MIN_WORD_CHARS
            && !STOPWORDS.contains(&word.as_str())
            && !words.contains(&word)
        {
            words.push(word);
        }
    }
    words.truncate(8);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_split_like_the_indexes() {
        assert_eq!(
            search_words("Noise-Cancelling  HEADPHONES"),
            ["noise", "cancelling", "headphones"]
        );
        assert_eq!(
            search_words("2 person tent for the road"),
            ["person", "tent", "road"]
        );
        assert_eq!(search_words("%%% _ !"), Vec::<String>::new());
        assert_eq!(search_words("tent tent Tent"), ["tent"]);
        assert_eq!(
            search_words("aaa bbb ccc ddd eee fff ggg hhh iii jjj").len(),
            8
        );
    }

    #[test]
    fn a_search_without_searchable_words_is_rejected() {
        assert!(ListQuery::parse(Some("tv"), None, None, None, None).is_err());
        assert!(ListQuery::parse(Some("%%%"), None, None, None, None).is_err());
        assert_eq!(
            ListQuery::parse(Some("4k tv camera"), None, None, None, None)
                .unwrap()
                .words,
            ["camera"]
        );
    }

    #[test]
    fn cursor_round_trips_and_is_bound_to_its_sort() {
        let c = Cursor {
            sort: Sort::PriceAsc,
            key: CursorKey::Int(1999),
            id: "p1".into(),
        };
        let raw = c.encode();
        assert_eq!(Cursor::decode(&raw, Sort::PriceAsc).unwrap(), c);
        assert!(Cursor::decode(&raw, Sort::Name).is_err());
        assert!(Cursor::decode("garbage!", Sort::Name).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert!(ListQuery::parse(None, None, None, Some("0"), None).is_err());
        assert!(ListQuery::parse(None, None, None, Some("101"), None).is_err());
        assert_eq!(
            ListQuery::parse(None, None, None, Some("100"), None)
                .unwrap()
                .limit,
            100
        );
    }

    #[test]
    fn currency_must_be_iso() {
        assert!(parse_currency("USD").is_ok());
        assert!(parse_currency("usd").is_err());
        assert!(parse_currency("US").is_err());
        assert!(parse_currency("ZZZ").is_err());
    }
}
