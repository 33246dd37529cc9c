//! An admin's save reaching a running tab (issue 16): the company server pushes the company's settings
//! to every agent's connection at once, and the executor feeds them in here. The term in progress
//! takes them without a reload; a tab that follows keeps them for its next term.

use super::{Reconciler, StatusSync, SyncNotice};
use crate::settings::SyncSettings;

impl StatusSync {
    /// The company's settings as the server pushed them. Equal to the ones in use: nothing happens
    /// (every push connection starts with the current settings). Otherwise the owner's term takes them
    /// at once: inheritance turned on signs the reconciler in, so the agent's Kustomer status applies
    /// now, as at a term's start (S8); turned off, Kustomer is no longer followed; a new mapping or
    /// direction re-applies the agent's current Kustomer status under it. Before the start they wait
    /// for it, and win over the settings the start brings (those were read earlier).
    pub fn handle_settings(&mut self, settings: &SyncSettings, now_ms: u64) {
        self.tick(now_ms);
        let Some(started) = self.started.as_ref() else {
            self.pending_settings = Some(settings.clone());
            return;
        };
        if started.settings == *settings {
            return;
        }
        let (kustomer, statuses) = (started.kustomer.clone(), started.statuses.clone());
        let mapping = self.usable_mapping(settings, kustomer.as_ref(), &statuses);
        let config = settings.sync_config();
        if let Some(started) = self.started.as_mut() {
            started.settings = settings.clone();
            started.inheritance = settings.inheritance;
            started.config = config;
            started.mapping = mapping.clone();
        }
        let Some(term) = self.term.as_mut() else {
            return;
        };
        match (term.reconciler.as_mut(), settings.inheritance) {
            (Some(reconciler), true) => {
                reconciler.set_config(config);
                let decisions = reconciler.set_mapping(mapping);
                self.decide(decisions);
            }
            (Some(_), false) => {
                term.reconciler = None;
                self.notify(SyncNotice::InheritanceOff);
            }
            (None, true) => {
                term.reconciler = Some(Reconciler::new(config, mapping));
                if self.shown == Some(SyncNotice::InheritanceOff) {
                    self.shown = None;
                    self.actions.push_back(super::Action::ClearNotice);
                }
                self.sign_in();
            }
            (None, false) => {}
        }
    }
}
