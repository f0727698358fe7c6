//! Tickets by id (`GET /api/v2/tickets/show_many.json?ids=…`, up to 100 a request, at the
//! standard pace): the state of tickets an export names only by id (SLA events).

use std::collections::HashMap;

use delivery::Deadline;
use serde::Deserialize;

use crate::client::ZendeskClient;
use crate::error::ZendeskError;
use crate::tickets_export::ExportedTicket;

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
        let pages: Vec<ShowMany> = self.show_many("tickets", ids, deadline).await?;
        Ok(pages
            .into_iter()
            .flat_map(|page| page.tickets)
            .map(|t| (t.id, t))
            .collect())
    }
}
