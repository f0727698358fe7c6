//! Users by id: `GET /api/v2/users/show_many.json?ids=…`, up to 100 ids per call.

use std::collections::HashMap;

use delivery::Deadline;
use serde::Deserialize;

use crate::client::ZendeskClient;
use crate::error::ZendeskError;

/// Most ids Zendesk takes in one `show_many` call.
pub const SHOW_MANY_LIMIT: usize = 100;

/// The user fields ticketbridge reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// Zendesk user id.
    pub id: u64,
    /// The id in the customer's own system, when set.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Primary email (personal data).
    #[serde(default)]
    pub email: Option<String>,
    /// `false` once the user is deleted.
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Deserialize)]
struct ShowMany {
    users: Vec<User>,
}

impl ZendeskClient {
    /// The users of `ids` that exist, by id (one request per 100 ids).
    pub async fn users_by_id(
        &self,
        ids: &[u64],
        deadline: &Deadline,
    ) -> Result<HashMap<u64, User>, ZendeskError> {
        let pages: Vec<ShowMany> = self.show_many("users", ids, deadline).await?;
        Ok(pages
            .into_iter()
            .flat_map(|page| page.users)
            .map(|u| (u.id, u))
            .collect())
    }

    /// `GET /api/v2/<resource>/show_many.json?ids=…` for `ids`, 100 a request: each answer.
    pub(crate) async fn show_many<T: serde::de::DeserializeOwned>(
        &self,
        resource: &str,
        ids: &[u64],
        deadline: &Deadline,
    ) -> Result<Vec<T>, ZendeskError> {
        let mut pages = Vec::with_capacity(ids.len().div_ceil(SHOW_MANY_LIMIT));
        for chunk in ids.chunks(SHOW_MANY_LIMIT) {
            let list = chunk
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            pages.push(
                self.get(
                    &format!("/api/v2/{resource}/show_many.json?ids={list}"),
                    deadline,
                )
                .await?,
            );
        }
        Ok(pages)
    }
}
