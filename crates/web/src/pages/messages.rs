//! The in-app inbox: every notification the platform sent this account.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use tongban_store::Message;

use crate::auth::Current;
use crate::page::{Ctx, local_time, render};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "messages.html")]
struct MessagesPage {
    ctx: Ctx,
    messages: Vec<(Message, String)>,
}

pub async fn my_messages(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
) -> Result<Response, WebError> {
    let messages = tongban_app::accounts::messages(&state, &current)
        .await?
        .into_iter()
        .map(|m| {
            let at = local_time(m.created_at);
            (m, at)
        })
        .collect();
    render(&MessagesPage { ctx, messages })
}
