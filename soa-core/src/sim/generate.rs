//! Generation of realistic, deterministic organizations: [`SimulatedOrg::generate`].
//!
//! The organization is built the way a real one came to be: AD accounts provisioned
//! on-premises (`New-RemoteMailbox`), the cloud users and recipients that an Entra Connect Sync
//! cycle makes of them, licenses for the user mailboxes, a few cloud-only mailboxes, and then
//! the history of the last months: mailboxes flipped to cloud management, cloud edits made
//! after the flip, on-premises changes of the last day. The cloud side is written directly,
//! with the sync engine's rules (identity attributes on the user, Exchange attributes on the
//! recipient) but with each attribute's class looked up once per name rather than once per
//! value, which keeps 200,000 recipients within a few seconds; a sync cycle run right after
//! generation changes nothing (a test checks it).
//!
//! Every random choice comes from one ChaCha8 stream seeded with the caller's seed, in a fixed
//! order, and every collection of the state is ordered, so the same seed gives the same
//! snapshot byte for byte.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::state::{AdUser, Attrs, CloudUser, Recipient, State};
use super::{SimulatedOrg, project};
use crate::catalog::{Attribute, AttributeClass, Catalog};
use crate::exo::AuditRecord;
use crate::model::{AttributeValue, RecipientTypeDetails};

/// The tenant of generated organizations.
const TENANT: &str = "contoso.com";

/// Seconds in a day.
const DAY: i64 = 86_400;

#[rustfmt::skip]
const FIRST_NAMES: [&str; 96] = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra",
    "Paul", "Ashley", "Steven", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kevin", "Carol",
    "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "Jason",
    "Rebecca", "Ryan", "Laura", "Jacob", "Sharon", "Gary", "Cynthia", "Nicholas", "Kathleen",
    "Eric", "Amy", "Jonathan", "Angela", "Hiroshi", "Yuki", "Kenji", "Aiko", "Wei", "Mei", "Arjun",
    "Priya", "Rahul", "Ananya", "Lukas", "Hanna", "Jonas", "Lea", "Pierre", "Camille", "Louis",
    "Chloe", "Mateo", "Sofia", "Diego", "Lucia", "Oliver", "Amelia", "Liam", "Freja", "Erik",
    "Astrid", "Sean", "Aoife", "Lars", "Ingrid", "Pedro", "Beatriz", "Noah", "Emma",
];

#[rustfmt::skip]
const LAST_NAMES: [&str; 96] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Tanaka", "Suzuki", "Sato", "Yamamoto", "Wang",
    "Li", "Zhang", "Chen", "Patel", "Sharma", "Singh", "Gupta", "Mueller", "Schmidt", "Schneider",
    "Fischer", "Weber", "Dubois", "Laurent", "Bernard", "Moreau", "Fernandez", "Silva", "Santos",
    "Oliveira", "Costa", "Murphy", "Kelly", "Byrne", "Walsh", "Andersson", "Johansson", "Karlsson",
    "Nilsson", "Jensen", "Hansen", "Larsen", "Novak", "Kowalski", "Nowak", "Rossi", "Russo",
    "Ferrari", "Bianchi", "Van Dijk", "De Vries",
];

/// A department, its cost-centre range (CustomAttribute1) and its job titles.
struct Department {
    name: &'static str,
    cost_centre: u32,
    titles: &'static [&'static str],
}

const DEPARTMENTS: [Department; 10] = [
    Department {
        name: "Finance",
        cost_centre: 1100,
        titles: &[
            "Accountant",
            "Financial Analyst",
            "Controller",
            "Payroll Specialist",
        ],
    },
    Department {
        name: "Sales",
        cost_centre: 2100,
        titles: &[
            "Account Executive",
            "Sales Manager",
            "Sales Representative",
            "Inside Sales Specialist",
        ],
    },
    Department {
        name: "Marketing",
        cost_centre: 2300,
        titles: &[
            "Marketing Specialist",
            "Product Marketing Manager",
            "Content Writer",
        ],
    },
    Department {
        name: "Engineering",
        cost_centre: 3100,
        titles: &[
            "Software Engineer",
            "Senior Software Engineer",
            "QA Engineer",
            "Engineering Manager",
            "Principal Engineer",
        ],
    },
    Department {
        name: "IT",
        cost_centre: 3500,
        titles: &[
            "Systems Administrator",
            "Service Desk Analyst",
            "Network Engineer",
            "IT Manager",
        ],
    },
    Department {
        name: "Human Resources",
        cost_centre: 4100,
        titles: &["HR Generalist", "Recruiter", "HR Business Partner"],
    },
    Department {
        name: "Legal",
        cost_centre: 4300,
        titles: &["Corporate Counsel", "Paralegal", "Compliance Officer"],
    },
    Department {
        name: "Operations",
        cost_centre: 5100,
        titles: &[
            "Operations Manager",
            "Logistics Coordinator",
            "Facilities Coordinator",
        ],
    },
    Department {
        name: "Customer Support",
        cost_centre: 5500,
        titles: &[
            "Support Engineer",
            "Support Team Lead",
            "Customer Success Manager",
        ],
    },
    Department {
        name: "Research",
        cost_centre: 6100,
        titles: &["Research Scientist", "Lab Technician", "Data Scientist"],
    },
];

/// An office: city (`l`), country (`co`), region (CustomAttribute15) and phone prefix.
struct Site {
    city: &'static str,
    country: &'static str,
    region: &'static str,
    phone: &'static str,
}

const SITES: [Site; 16] = [
    site("Seattle", "United States", "AMER", "+1 206 555 "),
    site("New York", "United States", "AMER", "+1 212 555 "),
    site("Chicago", "United States", "AMER", "+1 312 555 "),
    site("Toronto", "Canada", "AMER", "+1 416 555 "),
    site("Sao Paulo", "Brazil", "AMER", "+55 11 5555 "),
    site("London", "United Kingdom", "EMEA", "+44 20 7946 "),
    site("Paris", "France", "EMEA", "+33 1 5555 "),
    site("Berlin", "Germany", "EMEA", "+49 30 5555 "),
    site("Madrid", "Spain", "EMEA", "+34 91 555 "),
    site("Dublin", "Ireland", "EMEA", "+353 1 555 "),
    site("Amsterdam", "Netherlands", "EMEA", "+31 20 555 "),
    site("Stockholm", "Sweden", "EMEA", "+46 8 555 "),
    site("Tokyo", "Japan", "APAC", "+81 3 5555 "),
    site("Singapore", "Singapore", "APAC", "+65 6555 "),
    site("Sydney", "Australia", "APAC", "+61 2 5555 "),
    site("Bangalore", "India", "APAC", "+91 80 5555 "),
];

const fn site(
    city: &'static str,
    country: &'static str,
    region: &'static str,
    phone: &'static str,
) -> Site {
    Site {
        city,
        country,
        region,
        phone,
    }
}

const SHARED_FUNCTIONS: [&str; 10] = [
    "Team",
    "Requests",
    "Invoices",
    "Support",
    "Info",
    "Orders",
    "Helpdesk",
    "Newsletter",
    "Recruiting",
    "Contracts",
];

const ROOM_NAMES: [&str; 16] = [
    "Aurora",
    "Everest",
    "Fuji",
    "Denali",
    "Atlas",
    "Andes",
    "Alps",
    "Olympus",
    "Rainier",
    "Kilimanjaro",
    "Matterhorn",
    "Elbrus",
    "Aconcagua",
    "Vinson",
    "Kosciuszko",
    "Logan",
];

const EQUIPMENT: [&str; 6] = [
    "Projector",
    "Pool Car",
    "Camera Kit",
    "Laptop Cart",
    "Van",
    "Podcast Kit",
];

const CONTRACTOR_COMPANIES: [&str; 3] = ["Fabrikam Consulting", "Northwind Traders", "Adatum"];

const PROJECTS: [&str; 8] = [
    "Project:Apollo",
    "Project:Borealis",
    "Project:Cascade",
    "Project:Delta",
    "Project:Ember",
    "Project:Falcon",
    "Project:Granite",
    "Project:Harbor",
];

/// The kinds of recipient generated, with their share in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A licensed user mailbox (`RemoteUserMailbox` on-premises): 80%.
    User,
    /// A shared mailbox: 10%.
    Shared,
    /// A room mailbox: 4%.
    Room,
    /// An equipment mailbox: 2%.
    Equipment,
    /// A remote mailbox provisioned on-premises but not licensed (a mail user in the cloud): 3%.
    MailUser,
    /// A cloud-only mailbox, not synchronized from AD: 1%.
    CloudOnly,
}

impl Kind {
    fn draw(rng: &mut ChaCha8Rng) -> Kind {
        match rng.random_range(0..1000_u32) {
            0..800 => Kind::User,
            800..900 => Kind::Shared,
            900..940 => Kind::Room,
            940..960 => Kind::Equipment,
            960..990 => Kind::MailUser,
            _ => Kind::CloudOnly,
        }
    }

    fn remote_type(self) -> RecipientTypeDetails {
        match self {
            Kind::Shared => RecipientTypeDetails::RemoteSharedMailbox,
            Kind::Room => RecipientTypeDetails::RemoteRoomMailbox,
            Kind::Equipment => RecipientTypeDetails::RemoteEquipmentMailbox,
            Kind::User | Kind::MailUser | Kind::CloudOnly => {
                RecipientTypeDetails::RemoteUserMailbox
            }
        }
    }
}

/// Attribute names, resolved through the catalog once and shared by every value.
struct Keys {
    display_name: Arc<str>,
    first_name: Arc<str>,
    last_name: Arc<str>,
    initials: Arc<str>,
    department: Arc<str>,
    title: Arc<str>,
    company: Arc<str>,
    office: Arc<str>,
    city: Arc<str>,
    country: Arc<str>,
    phone: Arc<str>,
    mobile: Arc<str>,
    manager: Arc<str>,
    recipient_type: Arc<str>,
    alias: Arc<str>,
    email_addresses: Arc<str>,
    windows_email_address: Arc<str>,
    cost_centre: Arc<str>,
    employee_type: Arc<str>,
    region: Arc<str>,
    projects: Arc<str>,
    cloud_tags: Arc<str>,
    hidden: Arc<str>,
    capacity: Arc<str>,
    litigation_hold: Arc<str>,
}

impl Keys {
    fn new(catalog: &Catalog) -> Keys {
        let key =
            |name: &str| -> Arc<str> { Arc::from(catalog.get(name).map_or(name, Attribute::name)) };
        Keys {
            display_name: key("displayName"),
            first_name: key("givenName"),
            last_name: key("sn"),
            initials: key("initials"),
            department: key("department"),
            title: key("title"),
            company: key("company"),
            office: key("physicalDeliveryOfficeName"),
            city: key("l"),
            country: key("co"),
            phone: key("telephoneNumber"),
            mobile: key("mobile"),
            manager: key("manager"),
            recipient_type: key("msExchRecipientTypeDetails"),
            alias: key("mailNickname"),
            email_addresses: key("proxyAddresses"),
            windows_email_address: key("mail"),
            cost_centre: key("extensionAttribute1"),
            employee_type: key("extensionAttribute2"),
            region: key("extensionAttribute15"),
            projects: key("msExchExtensionCustomAttribute1"),
            cloud_tags: key("msExchExtensionCustomAttribute2"),
            hidden: key("msExchHideFromAddressLists"),
            capacity: key("msExchResourceCapacity"),
            litigation_hold: key("LitigationHoldEnabled"),
        }
    }
}

/// A recipient's display name, local-part base, sAMAccountName base, and first and last name.
type Names = (String, String, String, Option<(&'static str, &'static str)>);

/// What happens to a synchronized recipient after the sync cycle that created it.
struct Plan {
    /// The AD account's objectGUID.
    guid: String,
    kind: Kind,
    /// `whenCreated` and `whenChanged` of the AD account.
    created: DateTime<Utc>,
    changed: DateTime<Utc>,
    /// When the mailbox was made cloud-managed, if it was.
    flipped: Option<DateTime<Utc>>,
}

struct Generator<'a> {
    rng: ChaCha8Rng,
    keys: Keys,
    now: DateTime<Utc>,
    admin: String,
    routing: String,
    /// Local parts taken in the tenant's domain (lower case).
    taken: FastSet<String>,
    /// The last numeric suffix used for a base local part.
    suffix: FastMap<String, u32>,
    /// The class of each attribute name met, looked up in the catalog once.
    classes: FastMap<Arc<str>, Option<AttributeClass>>,
    /// sAMAccountNames taken (lower case).
    sam_taken: FastSet<String>,
    /// The last numeric suffix used for a sAMAccountName base.
    sam_suffix: FastMap<String, u32>,
    /// Distinguished names of generated people, for `manager`.
    people: Vec<String>,
    audit: Vec<AuditRecord>,
    catalog: &'a Catalog,
}

impl SimulatedOrg {
    /// A realistic organization of `size` recipients (about 97% of them mailboxes) for the
    /// tenant `contoso.com`: always the same for the same `size` and `seed` (the snapshot JSON
    /// is byte-identical), different for another seed.
    ///
    /// The mix, drawn per recipient: about 80% user mailboxes, 10% shared, 4% room and 2%
    /// equipment mailboxes (all provisioned on-premises as remote mailboxes and synchronized),
    /// 3% mail users (remote mailboxes provisioned on-premises but never licensed, so not
    /// mailboxes in Exchange Online) and 1% cloud-only mailboxes that are not dir-synced.
    ///
    /// - People have identity attributes from small embedded lists of names, departments and
    ///   offices: displayName, givenName, sn, department, title, company, l, co and
    ///   telephoneNumber, and for some initials, mobile and manager. Shared, room and
    ///   equipment mailboxes have a department, an office and a city; rooms a capacity.
    /// - Proxy addresses: the primary `SMTP:first.last@contoso.com` (made unique with a
    ///   number), 0–3 secondary SMTP addresses, a `SIP:` entry for about half of the people,
    ///   one or two `X500:` entries for about 70% of the recipients, and the routing address
    ///   `@contoso.mail.onmicrosoft.com`. No address belongs to two recipients.
    /// - Custom attributes: CustomAttribute1 is the cost centre, CustomAttribute2 the
    ///   employee type, CustomAttribute15 the region (AMER, EMEA, APAC); about 15% carry
    ///   ExtensionCustomAttribute1 project codes. About 2% are hidden from the address lists;
    ///   about 3% of user mailboxes have litigation hold.
    /// - About 4% of the eligible mailboxes were made cloud-managed earlier (an audit record
    ///   each); about half of those were then edited in Exchange Online (CustomAttribute1, a
    ///   new secondary address, ExtensionCustomAttribute2, hidden from or shown in the
    ///   address lists), so AD no longer holds the cloud values.
    /// - About 5% of the AD accounts changed on-premises within the last 24 hours of the
    ///   virtual clock (`whenChanged`), a fifth of them created then; the other accounts were
    ///   last changed days to two years ago.
    ///
    /// The clock stays at [`EPOCH`](super::EPOCH), when the last sync cycle ran: a sync cycle
    /// run at once changes nothing. No Cloud Sync agent is installed, so the cloud edits of
    /// cloud-managed mailboxes were not written back.
    ///
    /// 200,000 recipients take a few seconds and about 1.7 GB.
    pub fn generate(size: usize, seed: u64) -> SimulatedOrg {
        let org = SimulatedOrg::new(TENANT);
        {
            let mut s = org.write();
            Generator::new(&s, org.catalog(), seed).run(&mut s, size);
        }
        org
    }
}

impl<'a> Generator<'a> {
    fn new(s: &State, catalog: &'a Catalog, seed: u64) -> Self {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            keys: Keys::new(catalog),
            now: s.now,
            admin: format!("admin@{}", s.tenant),
            routing: project::routing_domain(&s.tenant),
            taken: FastSet::default(),
            suffix: FastMap::default(),
            sam_taken: FastSet::default(),
            classes: FastMap::default(),
            sam_suffix: FastMap::default(),
            people: Vec::new(),
            audit: Vec::new(),
            catalog,
        }
    }

    fn run(mut self, s: &mut State, size: usize) {
        // The look-up tables grow to about these sizes (UPN, alias, ids and about four SMTP
        // addresses per recipient); sizing them once saves rehashing them while they grow.
        s.index.cloud.reserve(size.saturating_mul(8));
        s.index.cloud_keys.reserve(size);
        s.index.ad.reserve(size.saturating_mul(3));
        s.index.anchor.reserve(size);
        self.taken.reserve(size.saturating_mul(2));
        self.sam_taken.reserve(size);
        for _ in 0..size {
            match Kind::draw(&mut self.rng) {
                Kind::CloudOnly => self.cloud_only(s),
                kind => {
                    let plan = self.ad_recipient(s, kind);
                    if let Some(id) = self.synchronize(s, &plan) {
                        self.history_in_cloud(s, &plan, &id);
                        s.reindex_cloud(&id);
                    }
                }
            }
        }
        let mut audit = std::mem::take(&mut self.audit);
        audit.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.object.cmp(&b.object)));
        s.audit = audit;
    }

    // ----- random helpers -----

    fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.random_range(0..1000_u32) < per_mille
    }

    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        items[self.rng.random_range(0..items.len())]
    }

    fn index(&mut self, len: usize) -> usize {
        self.rng.random_range(0..len)
    }

    /// A time `lo..hi` seconds before now.
    fn ago(&mut self, lo: i64, hi: i64) -> DateTime<Utc> {
        self.now - TimeDelta::seconds(self.rng.random_range(lo..hi.max(lo + 1)))
    }

    /// A time between `from` and `to` (whole seconds).
    fn between(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let span = (to - from).num_seconds().max(1);
        from + TimeDelta::seconds(self.rng.random_range(0..span))
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut out = String::with_capacity(digits + 16);
        while out.len() < digits {
            let _ = write!(out, "{:016x}", self.rng.random::<u64>());
        }
        out.truncate(digits);
        out
    }

    // ----- names -----

    /// `base`, or `base2`, `base3`, ... : a local part not yet used in the tenant's domain.
    fn unique_local(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        let next = self.suffix.entry(base.to_owned()).or_insert(1);
        loop {
            *next += 1;
            let candidate = format!("{base}{next}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    /// A sAMAccountName (at most 20 characters) not yet used.
    fn unique_sam(&mut self, base: &str) -> String {
        let base: String = base.chars().take(16).collect();
        if self.sam_taken.insert(base.clone()) {
            return base;
        }
        let next = self.sam_suffix.entry(base.clone()).or_insert(1);
        loop {
            *next += 1;
            let candidate = format!("{base}{next}");
            if self.sam_taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    // ----- recipients -----

    /// Creates one AD account, as `New-ADUser` plus `New-RemoteMailbox` leave it.
    fn ad_recipient(&mut self, s: &mut State, kind: Kind) -> Plan {
        let mut a = Bag::default();
        let dept = &DEPARTMENTS[self.index(DEPARTMENTS.len())];
        let site = &SITES[self.index(SITES.len())];
        let (display, base, sam_base, person) = self.names(kind, dept, site);
        let local = self.unique_local(&base);
        let sam = self.unique_sam(&sam_base);
        let upn = format!("{local}@{TENANT}");
        let k = &self.keys;
        a.insert(Arc::clone(&k.department), dept.name.into());
        a.insert(Arc::clone(&k.city), site.city.into());
        a.insert(Arc::clone(&k.country), site.country.into());
        a.insert(Arc::clone(&k.region), site.region.into());
        a.insert(
            Arc::clone(&self.keys.cost_centre),
            format!("CC{}", dept.cost_centre + self.rng.random_range(0..40)).into(),
        );
        let mut display = display;
        if let Some((first, last)) = person {
            self.person_attributes(&mut a, first, last, dept, site, &mut display);
        } else {
            let office = format!("{} HQ", site.city);
            a.insert(Arc::clone(&self.keys.office), office.into());
            if kind == Kind::Room {
                let capacity = self.rng.random_range(4..=24_i64);
                a.insert(Arc::clone(&self.keys.capacity), capacity.into());
            }
        }
        let k = &self.keys;
        a.insert(Arc::clone(&k.display_name), display.into());
        a.insert(
            Arc::clone(&k.recipient_type),
            kind.remote_type().as_str().into(),
        );
        a.insert(Arc::clone(&k.alias), local.clone().into());
        a.insert(Arc::clone(&k.windows_email_address), upn.clone().into());
        let addresses = self.proxy_addresses(&local, person.is_some());
        a.insert(
            Arc::clone(&self.keys.email_addresses),
            AttributeValue::List(addresses),
        );
        if self.chance(150) {
            let n = self.rng.random_range(1..=3_usize);
            let start = self.index(PROJECTS.len());
            let projects = (0..n)
                .map(|i| PROJECTS[(start + i) % PROJECTS.len()].to_owned())
                .collect();
            a.insert(
                Arc::clone(&self.keys.projects),
                AttributeValue::List(projects),
            );
        }
        if self.chance(20) {
            a.insert(Arc::clone(&self.keys.hidden), AttributeValue::Bool(true));
        }

        let (created, changed, flipped) = self.history(kind);

        let guid = s.next_guid();
        s.ad_users.insert(
            guid.clone(),
            AdUser {
                object_guid: guid.clone(),
                user_principal_name: upn,
                sam_account_name: sam,
                enabled: true,
                when_created: created,
                when_changed: changed,
                attributes: a.build(),
            },
        );
        s.reindex_ad(&guid);
        Plan {
            guid,
            kind,
            created,
            changed,
            flipped,
        }
    }

    /// A recipient's display name, the base of its local part and of its sAMAccountName, and
    /// the first and last name of a person.
    fn names(&mut self, kind: Kind, dept: &Department, site: &Site) -> Names {
        match kind {
            Kind::Shared => {
                let function = self.pick(&SHARED_FUNCTIONS);
                let display = format!("{} {function}", dept.name);
                let base = display.to_ascii_lowercase().replace(' ', ".");
                (display, base.clone(), base, None)
            }
            Kind::Room => {
                let name = self.pick(&ROOM_NAMES);
                let display = format!("Conf Room {} {name}", site.city);
                let base = format!("room.{}.{}", site.city, name)
                    .to_ascii_lowercase()
                    .replace(' ', "");
                (display, base.clone(), base, None)
            }
            Kind::Equipment => {
                let item = self.pick(&EQUIPMENT);
                let display = format!("{} {item}", site.city);
                let base = format!("equip.{}.{}", site.city, item)
                    .to_ascii_lowercase()
                    .replace(' ', "");
                (display, base.clone(), base, None)
            }
            Kind::User | Kind::MailUser | Kind::CloudOnly => {
                let first = self.pick(&FIRST_NAMES);
                let last = self.pick(&LAST_NAMES);
                let plain_last = last.replace(' ', "").to_ascii_lowercase();
                let base = format!("{}.{plain_last}", first.to_ascii_lowercase());
                let sam = format!("{}{plain_last}", &first[..1].to_ascii_lowercase());
                (format!("{first} {last}"), base, sam, Some((first, last)))
            }
        }
    }

    /// When an AD account was created, last changed, and made cloud-managed (if it was):
    /// created years ago and last changed days to two years ago, or (5%) changed within the
    /// last day, a fifth of those created then.
    fn history(&mut self, kind: Kind) -> (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>) {
        let recent = self.chance(50);
        let (created, changed) = if recent && self.chance(200) {
            let t = self.ago(60, DAY - 60);
            (t, t)
        } else {
            let created = self.ago(30 * DAY, 12 * 365 * DAY);
            let changed = if recent {
                self.ago(60, DAY - 60)
            } else {
                let oldest = (self.now - created).num_seconds().min(730 * DAY);
                self.ago(3 * DAY, oldest)
            };
            (created, changed.max(created))
        };
        let eligible = kind != Kind::MailUser && created < self.now - TimeDelta::days(3);
        // Flipped at least a sync cycle plus 24 hours after the last on-premises change before
        // it; a recent on-premises change (of identity attributes) came after the flip.
        let flipped = (eligible && self.chance(40)).then(|| {
            if recent {
                self.between(
                    created + TimeDelta::hours(25),
                    self.now - TimeDelta::hours(25),
                )
            } else {
                self.between(
                    changed + TimeDelta::hours(25),
                    self.now - TimeDelta::hours(2),
                )
            }
        });
        (created, changed, flipped)
    }

    /// The identity attributes of a person, and the display name with a middle initial.
    fn person_attributes(
        &mut self,
        a: &mut Bag,
        first: &str,
        last: &str,
        dept: &Department,
        site: &Site,
        display: &mut String,
    ) {
        let k = &self.keys;
        a.insert(Arc::clone(&k.first_name), first.into());
        a.insert(Arc::clone(&k.last_name), last.into());
        let title = self.pick(dept.titles);
        a.insert(Arc::clone(&self.keys.title), title.into());
        let phone = format!("{}{:04}", site.phone, self.rng.random_range(0..10_000));
        a.insert(Arc::clone(&self.keys.phone), phone.into());
        if self.chance(250) {
            let mobile = format!("{}{:04}", site.phone, self.rng.random_range(0..10_000));
            a.insert(Arc::clone(&self.keys.mobile), mobile.into());
        }
        if self.chance(100) {
            let initial = char::from(b'A' + self.rng.random_range(0..26_u8));
            *display = format!("{first} {initial}. {last}");
            a.insert(Arc::clone(&self.keys.initials), initial.to_string().into());
        }
        let (employee_type, company) = match self.rng.random_range(0..100_u32) {
            0..85 => ("Employee", "Contoso Ltd."),
            85..97 => ("Contractor", self.pick(&CONTRACTOR_COMPANIES)),
            _ => ("Intern", "Contoso Ltd."),
        };
        a.insert(Arc::clone(&self.keys.employee_type), employee_type.into());
        a.insert(Arc::clone(&self.keys.company), company.into());
        if !self.people.is_empty() && self.chance(500) {
            let i = self.index(self.people.len());
            let manager = self.people[i].clone();
            a.insert(Arc::clone(&self.keys.manager), manager.into());
        }
        self.people.push(format!(
            "CN={display},OU=Users,OU={},DC=contoso,DC=com",
            site.city
        ));
    }

    /// The proxy addresses of a synchronized recipient whose primary local part is `local`.
    fn proxy_addresses(&mut self, local: &str, person: bool) -> Vec<String> {
        let mut out = Vec::with_capacity(8);
        out.push(format!("SMTP:{local}@{TENANT}"));
        let secondary = self.rng.random_range(0..=3_usize);
        let start = self.index(3);
        for i in 0..secondary {
            out.push(match (start + i) % 3 {
                0 => {
                    let short = match local.split_once('.') {
                        Some((first, rest)) if person => {
                            let initial = first.chars().next().unwrap_or('x');
                            format!("{initial}{}", rest.replace('.', ""))
                        }
                        _ => local.replace('.', ""),
                    };
                    let short = self.unique_local(&short);
                    format!("smtp:{short}@{TENANT}")
                }
                1 => format!("smtp:{local}@contoso.net"),
                _ => format!("smtp:{local}@fabrikam.com"),
            });
        }
        if person && self.chance(500) {
            out.push(format!("SIP:{local}@{TENANT}"));
        }
        if self.chance(700) {
            let cn = format!(
                "{}-{}",
                self.hex(32),
                local.chars().take(8).collect::<String>()
            );
            out.push(format!(
                "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={cn}"
            ));
            if self.chance(400) {
                let legacy = format!("{local}{}", self.hex(3));
                out.push(format!(
                    "X500:/o=Contoso/ou=First Administrative Group/cn=Recipients/cn={legacy}"
                ));
            }
        }
        out.push(format!("smtp:{local}@{}", self.routing));
        out.shrink_to_fit();
        out
    }

    /// A cloud-only mailbox (`New-Mailbox` in Exchange Online), never synchronized.
    fn cloud_only(&mut self, s: &mut State) {
        let first = self.pick(&FIRST_NAMES);
        let last = self.pick(&LAST_NAMES);
        let dept = &DEPARTMENTS[self.index(DEPARTMENTS.len())];
        let site = &SITES[self.index(SITES.len())];
        let shared = self.chance(200);
        let (display, base) = if shared {
            let display = format!("{} {} Online", dept.name, self.pick(&SHARED_FUNCTIONS));
            let base = display.to_ascii_lowercase().replace(' ', ".");
            (display, base)
        } else {
            let plain_last = last.replace(' ', "").to_ascii_lowercase();
            (
                format!("{first} {last}"),
                format!("{}.{plain_last}", first.to_ascii_lowercase()),
            )
        };
        let local = self.unique_local(&base);
        let upn = format!("{local}@{TENANT}");
        let k = &self.keys;
        let mut identity = Bag::default();
        identity.insert(Arc::clone(&k.display_name), display.into());
        identity.insert(Arc::clone(&k.department), dept.name.into());
        identity.insert(Arc::clone(&k.city), site.city.into());
        identity.insert(Arc::clone(&k.country), site.country.into());
        if !shared {
            identity.insert(Arc::clone(&k.first_name), first.into());
            identity.insert(Arc::clone(&k.last_name), last.into());
            let title = self.pick(dept.titles);
            identity.insert(Arc::clone(&self.keys.title), title.into());
        }
        let k = &self.keys;
        let mut attributes = Bag::default();
        attributes.insert(Arc::clone(&k.alias), local.clone().into());
        let first_domain = TENANT.split('.').next().unwrap_or(TENANT);
        attributes.insert(
            Arc::clone(&k.email_addresses),
            AttributeValue::List(vec![
                format!("SMTP:{upn}"),
                format!("smtp:{local}@{first_domain}.onmicrosoft.com"),
            ]),
        );
        attributes.insert(Arc::clone(&k.region), site.region.into());
        let created = self.ago(2 * DAY, 4 * 365 * DAY);
        let changed = self.between(created, self.now - TimeDelta::days(2));
        let id = s.next_guid();
        let exchange_guid = s.next_guid();
        s.cloud_users.insert(
            id.clone(),
            CloudUser {
                id: id.clone(),
                source_anchor: None,
                user_principal_name: upn,
                licensed: !shared,
                attributes: identity.build(),
                recipient: Some(Recipient {
                    recipient_type: if shared {
                        RecipientTypeDetails::SharedMailbox
                    } else {
                        RecipientTypeDetails::UserMailbox
                    },
                    exchange_guid,
                    cloud_managed: false,
                    attributes: attributes.build(),
                }),
                provisioning_blocked: false,
                when_changed: changed,
                when_created: created,
            },
        );
        s.reindex_cloud(&id);
    }

    /// What the sync cycle (and, for a user mailbox, a license) makes of a new AD account, as
    /// `sync::sync_cycle` and `sync::license` do it: a cloud user holding the identity
    /// attributes, and a recipient holding the Exchange attributes (derived attributes left
    /// out): a mail user until licensed, a shared or resource mailbox at once. The attribute
    /// classes come from the catalog once per name, not once per value. Returns the cloud id.
    fn synchronize(&mut self, s: &mut State, plan: &Plan) -> Option<String> {
        let ad = s.ad_users.get(&plan.guid)?;
        let mut identity = Bag::default();
        let mut exchange = Bag::default();
        for (name, value) in &ad.attributes {
            if project::is_derived(name) {
                continue;
            }
            let class = if let Some(class) = self.classes.get(name) {
                *class
            } else {
                let class = self.catalog.get(name).map(|a| a.class);
                self.classes.insert(Arc::clone(name), class);
                class
            };
            let target = match class {
                Some(AttributeClass::Identity) => &mut identity,
                Some(AttributeClass::Exchange) => &mut exchange,
                Some(AttributeClass::CloudOnly) | None => continue,
            };
            target.insert(Arc::clone(name), value.clone());
        }
        let upn = ad.user_principal_name.clone();
        let (recipient_type, licensed) = match plan.kind {
            Kind::User => (RecipientTypeDetails::UserMailbox, true),
            Kind::Shared => (RecipientTypeDetails::SharedMailbox, false),
            Kind::Room => (RecipientTypeDetails::RoomMailbox, false),
            Kind::Equipment => (RecipientTypeDetails::EquipmentMailbox, false),
            Kind::MailUser | Kind::CloudOnly => (RecipientTypeDetails::MailUser, false),
        };
        let id = s.next_guid();
        let exchange_guid = s.next_guid();
        s.cloud_users.insert(
            id.clone(),
            CloudUser {
                id: id.clone(),
                source_anchor: Some(plan.guid.clone()),
                user_principal_name: upn,
                licensed,
                attributes: identity.build(),
                recipient: Some(Recipient {
                    recipient_type,
                    exchange_guid,
                    cloud_managed: false,
                    attributes: exchange.build(),
                }),
                provisioning_blocked: false,
                when_changed: self.now,
                when_created: self.now,
            },
        );
        Some(id)
    }

    /// Lays down the cloud-side history of a synchronized recipient: its timestamps,
    /// litigation hold, the flip and the cloud edits after it.
    fn history_in_cloud(&mut self, s: &mut State, plan: &Plan, id: &str) {
        let litigation = plan.kind == Kind::User && self.chance(30);
        let Some(user) = s.cloud_users.get_mut(id) else {
            return;
        };
        let edits = if plan.flipped.is_some() && self.chance(500) {
            let local = user
                .user_principal_name
                .split('@')
                .next()
                .unwrap_or_default();
            self.cloud_edits(local)
        } else {
            Vec::new()
        };
        user.when_created = (plan.created + TimeDelta::minutes(20)).min(self.now);
        user.when_changed = plan.changed.max(user.when_created);
        let upn = user.user_principal_name.clone();
        let Some(r) = user.recipient.as_mut() else {
            return;
        };
        if litigation {
            r.attributes.insert(
                Arc::clone(&self.keys.litigation_hold),
                AttributeValue::Bool(true),
            );
        }
        let Some(flipped) = plan.flipped else {
            return;
        };
        r.cloud_managed = true;
        user.when_changed = user.when_changed.max(flipped);
        let key = "IsExchangeCloudManaged".to_owned();
        self.audit.push(AuditRecord {
            time: flipped,
            caller: self.admin.clone(),
            cmdlet: "Set-Mailbox".to_owned(),
            object: upn.clone(),
            parameters: BTreeMap::from([(key.clone(), AttributeValue::Bool(true))]),
            old_values: BTreeMap::from([(key.clone(), AttributeValue::Bool(false))]),
            new_values: BTreeMap::from([(key, AttributeValue::Bool(true))]),
            succeeded: true,
        });
        if edits.is_empty() {
            return;
        }
        let mut parameters = BTreeMap::new();
        let mut old_values = BTreeMap::new();
        let mut new_values = BTreeMap::new();
        for edit in edits {
            let old = r.attributes.get(&edit.key).cloned().unwrap_or_default();
            let new = match edit.change {
                Change::Set(v) => {
                    parameters.insert(edit.key.to_string(), v.clone());
                    v
                }
                Change::Toggle => {
                    let v = AttributeValue::Bool(!old.as_bool().unwrap_or(false));
                    parameters.insert(edit.key.to_string(), v.clone());
                    v
                }
                Change::Add(item) => {
                    parameters.insert(
                        format!("{}.Add", edit.key),
                        AttributeValue::List(vec![item.clone()]),
                    );
                    let mut items = old.to_strings();
                    items.push(item);
                    AttributeValue::List(items)
                }
            };
            old_values.insert(edit.key.to_string(), old);
            new_values.insert(edit.key.to_string(), new.clone());
            r.attributes.insert(edit.key, new);
        }
        let time = self.between(
            flipped + TimeDelta::minutes(10),
            self.now - TimeDelta::minutes(30),
        );
        user.when_changed = user.when_changed.max(time);
        self.audit.push(AuditRecord {
            time,
            caller: self.admin.clone(),
            cmdlet: "Set-Mailbox".to_owned(),
            object: upn,
            parameters,
            old_values,
            new_values,
            succeeded: true,
        });
    }

    /// One to three edits made in Exchange Online after the flip.
    fn cloud_edits(&mut self, local: &str) -> Vec<Edit> {
        let n = self.rng.random_range(1..=3_usize);
        let start = self.index(4);
        (0..n)
            .map(|i| match (start + i) % 4 {
                0 => Edit {
                    key: Arc::clone(&self.keys.cost_centre),
                    change: Change::Set(
                        format!("CC{}", 7000 + self.rng.random_range(0..100_u32)).into(),
                    ),
                },
                1 => Edit {
                    key: Arc::clone(&self.keys.email_addresses),
                    change: Change::Add(format!("smtp:{local}@contoso.eu")),
                },
                2 => Edit {
                    key: Arc::clone(&self.keys.cloud_tags),
                    change: Change::Set(AttributeValue::List(vec!["Managed:Cloud".to_owned()])),
                },
                _ => Edit {
                    key: Arc::clone(&self.keys.hidden),
                    change: Change::Toggle,
                },
            })
            .collect()
    }
}

/// Attribute values gathered in any order and built into an [`Attrs`] at once: a bulk-built
/// B-tree has full nodes, a third less memory than one grown by inserts, which matters at
/// hundreds of thousands of users.
#[derive(Default)]
struct Bag(Vec<(Arc<str>, AttributeValue)>);

impl Bag {
    fn insert(&mut self, name: Arc<str>, value: AttributeValue) {
        self.0.push((name, value));
    }

    fn build(self) -> Attrs {
        self.0.into_iter().collect()
    }
}

/// The Fx hash (as in rustc): fast and non-cryptographic, for the generator's own name tables,
/// whose keys it makes itself, so SipHash's protection against crafted keys is not needed.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0_u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(u64::try_from(i).unwrap_or(u64::MAX));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// A cloud edit of one attribute.
struct Edit {
    key: Arc<str>,
    change: Change,
}

enum Change {
    /// Sets a value.
    Set(AttributeValue),
    /// Adds an item to a list.
    Add(String),
    /// Turns a Boolean around (hides a visible mailbox, shows a hidden one).
    Toggle,
}
