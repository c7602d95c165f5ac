//! The request pipeline: a request's way through the mock, as named stages, each of which lets it go on or answers it.
//!
//! In order (the README's "What it checks"): [`read`] within the caps,
//! [`record`] it (and pick its scripted fault), [`refuse_over_cap`],
//! [`serve_result`] links, [`route`] it to an operation, play a fault that
//! comes [`before_checks`], [`authorize`], [`rate_limit`], [`check_body`],
//! [`check_instances`], [`reject_if_scripted`], [`apply`], and
//! [`answer_with`] the fault's shape of the answer. A stage returns
//! `ControlFlow::Continue(what the next stages need)` or
//! `ControlFlow::Break(the reply)`.

use super::Shared;
use super::limits::Received;
use super::record::{AppliedOperation, RecordedRequest};
use super::respond::{
    bytes_response, first_half, json_response, status_response, violation_response,
};
use super::results::{result_link, serve_result as result_response};
use crate::body::MockBody;
use crate::fault::{Candidate, Fault};
use crate::spec::{self, OperationSpec, Violation, envelope};
use bytes::Bytes;
use hyper::body::Body;
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Request, Response};
use serde_json::Value;
use std::ops::ControlFlow;
use std::time::{Instant, SystemTime};

/// How the mock replies to a request.
#[derive(Debug)]
// One per request, moved up a few stages: boxing the answer would cost an
// allocation per request to save a copy of 200 bytes.
#[allow(clippy::large_enum_variant)]
pub(super) enum Reply {
    /// With this answer.
    Answer(Response<MockBody>),
    /// By closing the connection, unanswered.
    Close,
}

/// A stage's decision: go on with a `T`, or reply now.
type Stage<T = ()> = ControlFlow<Reply, T>;

/// Replies to `request`: runs it through the stages.
pub(super) async fn handle<B>(request: Request<B>, shared: &Shared) -> Reply
where
    B: Body<Data = Bytes> + Unpin,
{
    match run(request, shared).await {
        ControlFlow::Continue(reply) | ControlFlow::Break(reply) => reply,
    }
}

async fn run<B>(request: Request<B>, shared: &Shared) -> Stage<Reply>
where
    B: Body<Data = Bytes> + Unpin,
{
    let (parts, body) = request.into_parts();
    let received = read(shared, &parts, body).await?;
    let head = Head::of(&parts);
    let routed = shared.spec.route(&head.method, &head.path);
    let Arrival { nth, fault } = record(shared, &parts, &received, routed.as_ref().ok().copied());
    refuse_over_cap(shared, routed.as_ref().ok().copied(), received.over_cap)?;
    serve_result(shared, &head)?;
    let op = route(shared, routed)?;
    before_checks(fault.as_ref())?;
    let key = authorize(shared, op, head.authorization.as_deref())?;
    rate_limit(shared, op, key)?;
    let body = check_body(shared, op, head.content_type.as_deref(), &received.body)?;
    check_instances(shared, op, &body)?;
    reject_if_scripted(shared, op, fault.as_ref())?;
    let answer = apply(shared, op, body, nth);
    ControlFlow::Continue(answer_with(answer, fault).await)
}

/// What the stages read of a request's head.
struct Head {
    /// Upper case.
    method: String,
    path: String,
    content_type: Option<String>,
    authorization: Option<String>,
}

impl Head {
    fn of(parts: &Parts) -> Head {
        let header = |name: HeaderName| {
            parts
                .headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Head {
            method: parts.method.as_str().to_ascii_uppercase(),
            path: parts.uri.path().to_owned(),
            content_type: header(CONTENT_TYPE),
            authorization: header(hyper::header::AUTHORIZATION),
        }
    }
}

/// What [`record`] learnt: the request's number among its operation's
/// requests (0 if it names none) and the fault scripted for it.
struct Arrival {
    nth: u64,
    fault: Option<Fault>,
}

/// Reads the body within the caps ([`Limits::read`](super::limits::Limits::read));
/// a body that cannot be read closes the connection. The caps come first,
/// as a transport's would: nothing else is looked at in a request that
/// breaks one (it is still recorded and counted).
async fn read<B>(shared: &Shared, parts: &Parts, body: B) -> Stage<Received>
where
    B: Body<Data = Bytes> + Unpin,
{
    match shared.limits.read(parts, body).await {
        Ok(received) => ControlFlow::Continue(received),
        Err(_) => ControlFlow::Break(Reply::Close),
    }
}

/// Records and counts the request, and picks its scripted fault (the first
/// whose [`When`](crate::When) selects it, by its number or its body), in
/// one critical section (so that the n-th request is the n-th recorded).
fn record(
    shared: &Shared,
    parts: &Parts,
    received: &Received,
    op: Option<&OperationSpec>,
) -> Arrival {
    let mut state = shared.state();
    let nth = op.map_or(0, |op| state.records.count(op.index()));
    let fault = op.and_then(|op| {
        let request = Candidate::new(nth, &received.body, op.instance_fields());
        state.fault_for(op.index(), &request)
    });
    let truncated = matches!(received.over_cap, Some(Violation::PayloadTooLarge { .. }));
    let recorded = RecordedRequest::new(parts, received.body.clone(), truncated, op, nth);
    state.records.request(recorded);
    Arrival { nth, fault }
}

/// Refuses a request over a cap (`413`, `431`) with `Connection: close`:
/// hyper closes the connection after this answer and reads no more of it.
fn refuse_over_cap(
    shared: &Shared,
    op: Option<&OperationSpec>,
    over_cap: Option<Violation>,
) -> Stage {
    let Some(violation) = over_cap else {
        return ControlFlow::Continue(());
    };
    let mut response = violation_response(&shared.spec, op, &violation);
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    ControlFlow::Break(Reply::Answer(response))
}

/// Answers a request for a result link (the mock's own paths).
fn serve_result(shared: &Shared, head: &Head) -> Stage {
    let state = shared.state();
    match result_response(&state.records, &head.method, &head.path) {
        Some(response) => ControlFlow::Break(Reply::Answer(response)),
        None => ControlFlow::Continue(()),
    }
}

/// Goes on with the operation the method and path name, or refuses
/// (`404`, `405`).
fn route<'s>(
    shared: &Shared,
    routed: Result<&'s OperationSpec, Violation>,
) -> Stage<&'s OperationSpec> {
    match routed {
        Ok(op) => ControlFlow::Continue(op),
        Err(violation) => refuse(shared, None, &violation),
    }
}

/// Plays the faults that come before any check: [`Fault::Status`] and
/// [`Fault::DropBeforeAnswer`].
fn before_checks(fault: Option<&Fault>) -> Stage {
    match fault {
        Some(Fault::Status {
            status,
            body,
            headers,
        }) => ControlFlow::Break(Reply::Answer(status_response(*status, body, headers))),
        Some(Fault::DropBeforeAnswer) => ControlFlow::Break(Reply::Close),
        _ => ControlFlow::Continue(()),
    }
}

/// Goes on with the request's API key, or refuses it (`401`): no
/// `Bearer` key, or not the one the mock was configured with.
fn authorize(shared: &Shared, op: &OperationSpec, authorization: Option<&str>) -> Stage<String> {
    let key = match spec::check_authorization(authorization) {
        Ok(key) => key.to_owned(),
        Err(violation) => return refuse(shared, Some(op), &violation),
    };
    let expected = shared.state().api_key.clone();
    if expected.is_some_and(|expected| expected != key) {
        let violation = Violation::Unauthorized {
            reason: "the API key is not valid".into(),
        };
        return refuse(shared, Some(op), &violation);
    }
    ControlFlow::Continue(key)
}

/// Refuses a request that comes too soon after the last one of its
/// operation and key (`429`; see [`RateLimit`](super::rate_limit::RateLimit)).
fn rate_limit(shared: &Shared, op: &OperationSpec, key: String) -> Stage {
    match shared.state().rate.check(op, key, Instant::now()) {
        Some(response) => ControlFlow::Break(Reply::Answer(response)),
        None => ControlFlow::Continue(()),
    }
}

/// Goes on with the body parsed, or refuses it (`400`): not JSON, or not
/// what the operation's request schema allows.
fn check_body(
    shared: &Shared,
    op: &OperationSpec,
    content_type: Option<&str>,
    body: &[u8],
) -> Stage<Value> {
    match shared.spec.check_body(op, content_type, body) {
        Ok(value) => ControlFlow::Continue(value),
        Err(violation) => refuse(shared, Some(op), &violation),
    }
}

/// Refuses a request that names an instance the mock does not know in one
/// of the operation's instance fields (the spec's `x-vast-instance-fields`):
/// its `404`, or its `400` when it declares no `404` (cloud copy).
fn check_instances(shared: &Shared, op: &OperationSpec, body: &Value) -> Stage {
    let state = shared.state();
    // The fields in order; string ids (copy, cloud copy) and integer ids
    // (cancel sync) alike; a field that is absent or null names no instance.
    let unknown = op.instance_fields().iter().find_map(|field| {
        let (known, id) = match body.get(field)? {
            id @ Value::String(text) => (state.instances.knows(id), text.clone()),
            id @ Value::Number(_) => (state.instances.knows(id), id.to_string()),
            _ => return None,
        };
        (!known).then_some((field, id))
    });
    let Some((field, id)) = unknown else {
        return ControlFlow::Continue(());
    };
    let msg = format!("No such instance: {id} ({field}).");
    let status = op.unknown_instance_status();
    let body = envelope(false, Some("no_such_instance"), msg);
    let answer = shared.spec.answer(Some(op), status, body);
    ControlFlow::Break(Reply::Answer(json_response(status, &answer)))
}

/// Plays [`Fault::Rejected`]: `200 {success: false, msg}`, not applied.
fn reject_if_scripted(shared: &Shared, op: &OperationSpec, fault: Option<&Fault>) -> Stage {
    if !matches!(fault, Some(Fault::Rejected)) {
        return ControlFlow::Continue(());
    }
    let msg = format!(
        "The {} request was not accepted; try again later.",
        op.name()
    );
    let body = envelope(false, None, msg);
    let answer = shared.spec.answer(Some(op), 200, body);
    ControlFlow::Break(Reply::Answer(json_response(200, &answer)))
}

/// Applies the operation (counts and records it) and returns its `200`
/// answer: the spec's example, or the synthesized body, with a result link
/// where the spec calls for one and the mock keeps the record it leads to.
fn apply(shared: &Shared, op: &OperationSpec, body: Value, nth: u64) -> Value {
    let applied = AppliedOperation {
        operation: op.operation(),
        operation_id: op.operation_id().to_owned(),
        body,
        applied_at: SystemTime::now(),
        nth,
    };
    let kept = shared.state().records.applied(op.index(), applied);
    let spec = &*shared.spec;
    let link = (kept && spec.gives_result_link_of(op))
        .then(|| result_link(&shared.uri, op.operation_id(), nth));
    spec.success(op, link)
}

/// The reply to an applied request: `answer`, shaped by the fault that
/// comes after applying, if any.
async fn answer_with(answer: Value, fault: Option<Fault>) -> Reply {
    let response = match fault {
        Some(Fault::DropAfterApply) => return Reply::Close,
        Some(Fault::MalformedJson) => bytes_response(
            200,
            "application/json",
            MockBody::full(first_half(answer.to_string())),
        ),
        Some(Fault::DelayHeaders(delay)) => {
            tokio::time::sleep(delay).await;
            json_response(200, &answer)
        }
        Some(Fault::DelayMidBody(pause)) => bytes_response(
            200,
            "application/json",
            MockBody::split(answer.to_string(), pause),
        ),
        _ => json_response(200, &answer),
    };
    Reply::Answer(response)
}

/// Replies with the refusal of `violation`.
fn refuse<T>(shared: &Shared, op: Option<&OperationSpec>, violation: &Violation) -> Stage<T> {
    ControlFlow::Break(Reply::Answer(violation_response(
        &shared.spec,
        op,
        violation,
    )))
}

#[cfg(test)]
mod tests;
