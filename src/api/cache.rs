//! Answers kept while the store has not changed: identical read requests (same path and
//! query) between two commits get the same bytes without asking the store again, and a
//! token checked since the last commit is not looked up again. The store's
//! [`generation`](crate::store::query::ReadStore::generation) tells when anything was committed
//! (by the pipeline, the API, or `cybriq token` in another process): an answer or a token
//! record is only reused under the generation it was read at, and an answer for at most
//! `[api] response_cache_ms`. So a revoked token is refused by the next request after the
//! revocation commits, and no answer is staler than the store plus that bound. A store that
//! cannot tell (`None`) is asked every time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::TokenRecord;

/// The store generation a request's guard read (a request extension), so the answer layer
/// uses the same one.
#[derive(Debug, Clone, Copy)]
pub struct Generation(pub Option<u64>);

/// Entries kept at most (answers and tokens each).
const CAPACITY: usize = 4096;
/// Answers larger than this are not kept.
const MAX_BODY: usize = 1 << 20;

#[derive(Debug, Clone)]
struct Answer {
    generation: u64,
    at: Instant,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

/// The answers and token records of the current store generation.
#[derive(Debug)]
pub struct Cache {
    max_age: Duration,
    answers: Mutex<HashMap<String, Answer>>,
    tokens: Mutex<HashMap<blake3::Hash, (u64, TokenRecord)>>,
}

/// Keeps a map under [`CAPACITY`]: first drops what an older generation wrote, then all.
fn make_room<V>(map: &mut HashMap<impl std::hash::Hash + Eq, V>, current: impl Fn(&V) -> bool) {
    if map.len() >= CAPACITY {
        map.retain(|_, v| current(v));
        if map.len() >= CAPACITY {
            map.clear();
        }
    }
}

impl Cache {
    /// A cache whose answers live at most `max_age` (zero: answers are never kept).
    pub fn new(max_age: Duration) -> Cache {
        Cache {
            max_age,
            answers: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    fn answer(&self, key: &str, generation: u64) -> Option<Answer> {
        let map = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .filter(|a| a.generation == generation && a.at.elapsed() < self.max_age)
            .cloned()
    }

    fn keep_answer(&self, key: String, a: Answer) {
        let mut map = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        let g = a.generation;
        make_room(&mut map, |v| v.generation == g);
        map.insert(key, a);
    }

    /// The record of `token` when it was checked under `generation`.
    pub fn token(&self, token: &str, generation: u64) -> Option<TokenRecord> {
        let map = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&blake3::hash(token.as_bytes()))
            .filter(|(g, _)| *g == generation)
            .map(|(_, r)| r.clone())
    }

    /// Remembers that `token` was valid under `generation`.
    pub fn keep_token(&self, token: &str, generation: u64, rec: TokenRecord) {
        let mut map = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        make_room(&mut map, |(g, _)| *g == generation);
        map.insert(blake3::hash(token.as_bytes()), (generation, rec));
    }
}

/// The layer of the read endpoints (inside the guard: the caller was authenticated, its scope
/// checked and its rate limit counted before): a GET answered 200 is kept for its path and
/// query under the store generation read before the handler ran.
pub(crate) async fn answers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.cache;
    if req.method() != Method::GET || cache.max_age.is_zero() {
        return next.run(req).await;
    }
    // The guard read it for the token check; asking the store again would cost a second look.
    let generation = match req.extensions().get::<Generation>() {
        Some(g) => g.0,
        None => state.read.generation(),
    };
    let Some(generation) = generation else {
        return next.run(req).await;
    };
    let key = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    if let Some(a) = cache.answer(&key, generation) {
        return respond(a);
    }
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK {
        return resp;
    }
    // Only answers of a known, modest size are kept; others pass through untouched.
    let fits = axum::body::HttpBody::size_hint(resp.body())
        .exact()
        .is_some_and(|n| n as usize <= MAX_BODY);
    if !fits {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return super::error::ApiError::internal(e).into_response(),
    };
    let a = Answer {
        generation,
        at: Instant::now(),
        content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
        body: body.clone(),
    };
    cache.keep_answer(key, a);
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn respond(a: Answer) -> Response {
    let mut r = Response::new(axum::body::Body::from(a.body));
    if let Some(ct) = a.content_type {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(generation: u64) -> Answer {
        Answer {
            generation,
            at: Instant::now(),
            content_type: None,
            body: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn an_answer_is_reused_only_under_its_generation_and_age() {
        let c = Cache::new(Duration::from_secs(60));
        c.keep_answer("/a".into(), answer(7));
        assert!(c.answer("/a", 7).is_some());
        assert!(c.answer("/a", 8).is_none(), "the store changed");
        assert!(c.answer("/b", 7).is_none());
        let old = Cache::new(Duration::ZERO);
        old.keep_answer("/a".into(), answer(7));
        assert!(old.answer("/a", 7).is_none(), "max age 0 keeps nothing");
    }

    #[test]
    fn the_maps_stay_bounded() {
        let c = Cache::new(Duration::from_secs(60));
        for i in 0..3 * CAPACITY {
            c.keep_answer(format!("/{i}"), answer(i as u64 / 10));
        }
        assert!(c.answers.lock().unwrap().len() <= CAPACITY);
    }
}
