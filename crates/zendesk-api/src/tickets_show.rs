//! Tickets by id (`GET /api/v2/tickets/show_many.json?ids=…`, up to 100 a request, at the
//! standard pace): the state of tickets an export names only by id (SLA events).

use std::collections::HashMap;

use delivery::Deadline;
use serde::Deserialize;

use crate::client::ZendeskClient;
use crate::error::ZendeskError;
use crate::tickets_export::ExportedTicket;
use crate::users::SHOW_MANY_LIMIT;

#[derive(Deserialize)]
struct ShowMany {
    tickets: Vec<ExportedTicket>,
}

impl ZendeskClient {
    /// The tickets of `ids` that exist (deleted ones are absent), by id.
    pub async fn tickets_by_id(
        &self,
        ids: &[u64],
        deadline: &Deadline,
    ) -> Result<HashMap<u64, ExportedTicket>, ZendeskError> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(SHOW_MANY_LIMIT) {
            let list = chunk
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let page: ShowMany = self
                .get(
                    &format!("/api/v2/tickets/show_many.json?ids={list}"),
                    deadline,
                )
                .await?;
            found.extend(page.tickets.into_iter().map(|t| (t.id, t)));
        }
        Ok(found)
    }
}
