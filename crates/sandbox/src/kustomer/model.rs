//! Kustomer's records as the sandbox keeps them, and the seeds every run starts from.
//!
//! The seeds are the fixtures of the end-to-end tests: phone numbers in many formats (issue 6), a hostile
//! customer name (proves the page renders with textContent), routing statuses with two admin-defined ones.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::state::iso_now;
use crate::SandboxConfig;

/// The signed-in agent's Kustomer user id.
pub const AGENT_USER_ID: &str = "u-agent-1";
/// An administrator (all roles), for tests of what an agent's roles refuse.
pub const ADMIN_USER_ID: &str = "u-admin-1";
pub const ADMIN_EMAIL: &str = "admin@example.com";

/// An agent's roles: everything the agent desktop needs, but not the org's configuration
/// (`org.permission.metadata.update`). Not documented: Kustomer's default agent role set; this is the
/// sandbox's.
pub const AGENT_ROLES: &[&str] = &[
    "org.permission.customer.read",
    "org.permission.customer.create",
    "org.permission.customer.update",
    "org.permission.conversation.read",
    "org.permission.conversation.update",
    "org.permission.message.create",
    "org.permission.note.create",
    "org.permission.routing_status.read",
    "org.permission.work_session.read",
    "org.permission.work_session.update",
    "org.permission.metadata.read",
];

/// An administrator's roles, and the API key's machine user's (the sandbox's key holds every role).
pub const ADMIN_ROLES: &[&str] = &[
    "org.permission.customer.read",
    "org.permission.customer.create",
    "org.permission.customer.update",
    "org.permission.conversation.read",
    "org.permission.conversation.update",
    "org.permission.message.create",
    "org.permission.note.create",
    "org.permission.routing_status.read",
    "org.permission.routing.read",
    "org.permission.routing.update",
    "org.permission.work_session.read",
    "org.permission.work_session.update",
    "org.permission.metadata.read",
    "org.permission.metadata.update",
];

pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    /// The roles the person holds (API-NOTES B1: each operation lists roles, any one suffices).
    pub roles: &'static [&'static str],
    /// B6: users are deactivated, not deleted. A deactivated user's tokens and page session are refused.
    pub active: bool,
}

pub struct RoutingStatus {
    pub id: &'static str,
    pub name: &'static str,
    /// `available`, `busy`, `unavailable` or `offline`.
    pub status_type: &'static str,
    pub system: bool,
}

/// Stable ids, shaped like Kustomer's (24 hex digits), so tests and mappings can name them.
pub const ROUTING_STATUSES: &[RoutingStatus] = &[
    RoutingStatus {
        id: "64f0a1c2e4b0a1b2c3d4e501",
        name: "Available",
        status_type: "available",
        system: true,
    },
    RoutingStatus {
        id: "64f0a1c2e4b0a1b2c3d4e502",
        name: "Busy",
        status_type: "busy",
        system: true,
    },
    RoutingStatus {
        id: "64f0a1c2e4b0a1b2c3d4e503",
        name: "Offline",
        status_type: "offline",
        system: true,
    },
    RoutingStatus {
        id: "64f0a1c2e4b0a1b2c3d4e504",
        name: "Lunch",
        status_type: "unavailable",
        system: false,
    },
    RoutingStatus {
        id: "64f0a1c2e4b0a1b2c3d4e505",
        name: "Training",
        status_type: "unavailable",
        system: false,
    },
    RoutingStatus {
        id: "64f0a1c2e4b0a1b2c3d4e506",
        name: "Focus time",
        status_type: "available",
        system: false,
    },
];

pub const STATUS_AVAILABLE: &str = "64f0a1c2e4b0a1b2c3d4e501";
pub const STATUS_OFFLINE: &str = "64f0a1c2e4b0a1b2c3d4e503";

pub fn routing_status(id: &str) -> Option<&'static RoutingStatus> {
    ROUTING_STATUSES.iter().find(|s| s.id == id)
}

pub struct WorkSession {
    pub id: String,
    pub user_id: String,
    pub status_id: String,
    pub signed_in_at: String,
    pub signed_out_at: Option<String>,
    pub updated_at: String,
}

impl KustomerState {
    /// Starts a live work session for `user_id` in `status_id`; returns its index.
    pub fn start_session(&mut self, user_id: &str, status_id: &str, now: &str) -> usize {
        let id = self.new_id('b');
        self.work_sessions.push(WorkSession {
            id,
            user_id: user_id.into(),
            status_id: status_id.into(),
            signed_in_at: now.into(),
            signed_out_at: None,
            updated_at: now.into(),
        });
        self.work_sessions.len() - 1
    }
}

pub struct Customer {
    pub id: String,
    pub name: String,
    pub emails: Vec<String>,
    /// (number as written, type), kept exactly as entered: the page shows it unchanged.
    pub phones: Vec<(String, String)>,
    /// `externalIds` (API-NOTES B10), as given.
    pub external_ids: Vec<String>,
    pub custom: Map<String, Value>,
    /// Kustomer user ids the customer is assigned to (SPEC R18: a new caller goes to the answering agent).
    pub assigned_users: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub struct Message {
    pub id: String,
    /// `in` (from the customer) or `out` (from the agent).
    pub direction: String,
    pub channel: String,
    pub body: String,
    pub created_at: String,
}

pub struct Note {
    pub id: String,
    pub body: String,
    pub user_id: Option<String>,
    /// Attachment ids (B14) referenced by the note.
    pub attachments: Vec<String>,
    pub created_at: String,
}

/// An attachment created with `POST /v1/attachments` (B14), waiting for its upload or already used.
pub struct Upload {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub content_length: u64,
    /// The secret the upload form must carry (the sandbox's stand-in for a signed upload policy).
    pub token: String,
    /// The uploaded bytes' length, once the upload is done.
    pub uploaded: Option<u64>,
    pub created_at: String,
}

pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub url: String,
    pub created_at: String,
}

impl Conversation {
    /// A new, empty, open conversation of `customer_id`.
    pub fn new(id: String, customer_id: String, now: &str) -> Conversation {
        Conversation {
            id,
            customer_id,
            name: String::new(),
            status: "open".into(),
            channels: Vec::new(),
            custom: Map::new(),
            assigned_users: Vec::new(),
            created_at: now.into(),
            updated_at: now.into(),
            messages: Vec::new(),
            notes: Vec::new(),
            attachments: Vec::new(),
        }
    }
}

pub struct Conversation {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    /// `open`, `snoozed` or `done`.
    pub status: String,
    pub channels: Vec<String>,
    pub custom: Map<String, Value>,
    pub assigned_users: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
    pub attachments: Vec<Attachment>,
}

/// A custom attribute definition (`GET /v1/metadata/{resource}`).
pub struct FieldDef {
    pub display_name: String,
    pub created_at: String,
    pub updated_at: String,
}

pub struct KustomerState {
    pub users: Vec<User>,
    pub work_sessions: Vec<WorkSession>,
    /// Only `add_customer` appends (it files the customer in `customer_index`); a write that changes
    /// a customer's e-mails, phones or external ids files them with `refile_customer`.
    pub customers: Vec<Customer>,
    pub customer_index: super::customer_index::CustomerIndex,
    pub conversations: Vec<Conversation>,
    /// resource (customer, company, conversation, message, kobject) → attribute name → definition.
    pub metadata: BTreeMap<String, BTreeMap<String, FieldDef>>,
    /// Page sign-ins made with `/sandbox/login`: `ksession` cookie value → user id. The default
    /// session (`Shared::session_token`, the page's agent) is not in here.
    pub page_sessions: HashMap<String, String>,
    /// `POST /v1/attachments` (B14) by id.
    pub uploads: HashMap<String, Upload>,
    /// OAuth 2.0 codes and tokens (B3).
    pub oauth: super::oauth::Grants,
    next_id: u64,
}

impl KustomerState {
    /// A fresh id of the given kind: 24 hex digits like Kustomer's, with a kind marker for readability.
    pub fn new_id(&mut self, kind: char) -> String {
        self.next_id += 1;
        format!("6650{kind}{:019x}", self.next_id)
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = email.trim();
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.customer_index
            .position(id)
            .and_then(|i| self.customers.get(i))
    }

    pub fn add_customer(&mut self, c: Customer) {
        self.customer_index.add(self.customers.len(), &c);
        self.customers.push(c);
    }

    /// Files customer `i`'s values again after a write changed them.
    pub fn refile_customer(&mut self, i: usize) {
        if let Some(c) = self.customers.get(i) {
            self.customer_index.add(i, c);
        }
    }

    pub fn conversation_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        self.conversations.iter_mut().find(|c| c.id == id)
    }

    pub fn live_session_mut(&mut self, user_id: &str) -> Option<&mut WorkSession> {
        self.work_sessions
            .iter_mut()
            .find(|w| w.user_id == user_id && w.signed_out_at.is_none())
    }

    pub fn seeded(cfg: &SandboxConfig) -> KustomerState {
        let now = iso_now();
        let mut k = KustomerState {
            users: vec![
                User {
                    id: AGENT_USER_ID.into(),
                    name: "Alex Agent".into(),
                    email: cfg.agent_email.clone(),
                    roles: AGENT_ROLES,
                    active: true,
                },
                User {
                    id: "u-agent-2".into(),
                    name: "Bo Berg".into(),
                    email: "bo@example.com".into(),
                    roles: AGENT_ROLES,
                    active: true,
                },
                User {
                    id: ADMIN_USER_ID.into(),
                    name: "Ada Admin".into(),
                    email: ADMIN_EMAIL.into(),
                    roles: ADMIN_ROLES,
                    active: true,
                },
            ],
            work_sessions: Vec::new(),
            customers: Vec::new(),
            customer_index: Default::default(),
            conversations: Vec::new(),
            metadata: BTreeMap::new(),
            page_sessions: HashMap::new(),
            uploads: HashMap::new(),
            oauth: Default::default(),
            next_id: 0,
        };
        k.start_session(AGENT_USER_ID, STATUS_AVAILABLE, &now);
        for resource in ["customer", "company", "conversation", "message", "kobject"] {
            k.metadata.insert(resource.into(), BTreeMap::new());
        }
        let order = FieldDef {
            display_name: "Order number".into(),
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        k.metadata
            .entry("conversation".into())
            .or_default()
            .insert("orderNumberStr".into(), order);
        for seed in SEED_CUSTOMERS {
            k.seed_customer(seed, &now);
        }
        k
    }

    fn seed_customer(&mut self, seed: &SeedCustomer, now: &str) {
        let customer_id = self.new_id('c');
        self.add_customer(Customer {
            id: customer_id.clone(),
            name: seed.name.into(),
            emails: seed.email.iter().map(|e| e.to_string()).collect(),
            phones: seed
                .phones
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
            external_ids: Vec::new(),
            custom: Map::new(),
            assigned_users: Vec::new(),
            created_at: now.into(),
            updated_at: now.into(),
        });
        let conversation_id = self.new_id('d');
        let mut messages = Vec::new();
        for (direction, body) in seed.messages {
            let id = self.new_id('a');
            messages.push(Message {
                id,
                direction: direction.to_string(),
                channel: seed.channel.into(),
                body: body.to_string(),
                created_at: now.into(),
            });
        }
        let mut custom = Map::new();
        if let Some(order) = seed.order {
            custom.insert("orderNumberStr".into(), Value::String(order.into()));
        }
        self.conversations.push(Conversation {
            id: conversation_id,
            customer_id,
            name: seed.subject.into(),
            status: seed.status.into(),
            channels: vec![seed.channel.into()],
            custom,
            assigned_users: Vec::new(),
            created_at: now.into(),
            updated_at: now.into(),
            messages,
            notes: Vec::new(),
            attachments: Vec::new(),
        });
    }
}

struct SeedCustomer {
    name: &'static str,
    email: Option<&'static str>,
    phones: &'static [(&'static str, &'static str)],
    subject: &'static str,
    status: &'static str,
    channel: &'static str,
    order: Option<&'static str>,
    messages: &'static [(&'static str, &'static str)],
}

/// One conversation per customer, in this order (the first is where `/` lands).
const SEED_CUSTOMERS: &[SeedCustomer] = &[
    SeedCustomer {
        name: "María García",
        email: Some("maria.garcia@example.es"),
        phones: &[("+34 612 34 56 78", "mobile")],
        subject: "Parcel not delivered",
        status: "open",
        channel: "email",
        order: Some("ES-20417"),
        messages: &[
            ("in", "Hola, my parcel ES-20417 has not arrived yet."),
            ("in", "Please call me back at +34 655 44 33 22 after 5 pm."),
            ("out", "Thanks María, we are checking with the carrier."),
        ],
    },
    SeedCustomer {
        name: "Jordi Puig",
        email: Some("jordi@example.cat"),
        phones: &[("612 345 678", "mobile")],
        subject: "Change of address",
        status: "open",
        channel: "voice",
        order: None,
        messages: &[("in", "I moved last week; please update my address.")],
    },
    SeedCustomer {
        name: "Olivia Chen",
        email: Some("olivia.chen@example.com"),
        phones: &[("(415) 555-0132", "work")],
        subject: "Invoice question",
        status: "open",
        channel: "chat",
        order: Some("US-88120"),
        messages: &[("in", "Why was I charged twice on invoice 2024-118?")],
    },
    SeedCustomer {
        name: "Sam Taylor",
        email: None,
        phones: &[("+1 415.555.0199", "mobile")],
        subject: "Callback request",
        status: "done",
        channel: "voice",
        order: None,
        messages: &[("in", "Voicemail: please call me back.")],
    },
    SeedCustomer {
        name: "Harriet Jones",
        email: Some("harriet@example.co.uk"),
        phones: &[("+44 20 7946 0958 x123", "work")],
        subject: "Bulk order discount",
        status: "open",
        channel: "email",
        order: None,
        messages: &[("in", "Do you offer discounts above 500 units?")],
    },
    SeedCustomer {
        name: "Lucía Fernández",
        email: Some("lucia@example.es"),
        phones: &[("0034-612-345-679", "home")],
        subject: "Warranty claim",
        status: "snoozed",
        channel: "email",
        order: Some("ES-20533"),
        messages: &[("in", "The kettle stopped working after two weeks.")],
    },
    SeedCustomer {
        name: "Klaus Becker",
        email: Some("klaus@example.de"),
        phones: &[("+49 (30) 901820", "work")],
        subject: "Return label",
        status: "open",
        channel: "chat",
        order: None,
        messages: &[("in", "Can you send me a return label?")],
    },
    SeedCustomer {
        // Hostile on purpose: the page must render names with textContent (issue 3).
        name: "<img src=x onerror=alert(1)>",
        email: Some("mallory@example.net"),
        // An order reference in a phone field: looks like a number, is not one (issue 6).
        phones: &[("2024-11-25-0001", "other")],
        subject: "<b>Refund</b> now",
        status: "open",
        channel: "email",
        order: Some("2024-11-25-0001"),
        messages: &[("in", "<script>alert('x')</script> where is my refund?")],
    },
];
