//! The agents the record rules name, as the server knows them: those who signed in (A5 holds by
//! construction there: one e-mail for both vendors). CCAI names an agent by id only (A12: `agent_info`
//! has no e-mail); Kustomer assigns by user id. An agent who never signed in is unknown: their
//! deliveries are acknowledged and logged, not applied.

use crate::store::db::OptionalExtension;

use crate::store::db::Conn;
use crate::store::{Store, StoreError};

impl Store {
    /// The e-mail of the agent whose CCAI id is `ccai_agent_id`.
    pub fn records_agent_email(&self, ccai_agent_id: i64) -> Result<Option<String>, StoreError> {
        self.lock().records_agent_email(ccai_agent_id)
    }

    /// The Kustomer user id of the agent with this e-mail.
    pub fn records_kustomer_user(&self, email: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .prepare_cached("SELECT kustomer_user_id FROM agents WHERE email = ?1")?
            .query_row([email], |r| r.get(0))
            .optional()?)
    }
}

impl Conn {
    /// `Store::records_agent_email` on a held connection.
    pub fn records_agent_email(&self, ccai_agent_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .prepare_cached(
                "SELECT email FROM agents WHERE ccai_agent_id = ?1
                 ORDER BY signed_in_at_ms DESC LIMIT 1",
            )?
            .query_row([ccai_agent_id], |r| r.get(0))
            .optional()?)
    }
}
