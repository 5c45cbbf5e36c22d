//! Generation of realistic, deterministic organizations: [`SimulatedOrg::generate`].
//!
//! The organization is built the way a real one came to be: AD accounts provisioned
//! on-premises (`New-RemoteMailbox`), one Entra Connect Sync cycle that brings them to the
//! cloud, licenses for the user mailboxes, a few cloud-only mailboxes, and then the history of
//! the last months: mailboxes flipped to cloud management, cloud edits made after the flip,
//! on-premises changes of the last day. Every random choice comes from one ChaCha8 stream
//! seeded with the caller's seed, in a fixed order, and every collection of the state is
//! ordered, so the same seed gives the same snapshot byte for byte.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::state::{AdUser, Attrs, CloudUser, Recipient, State};
use super::{SimulatedOrg, project, sync};
use crate::catalog::{Attribute, Catalog};
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

/// An office: city (`l`), country (`co`, `c`), region (CustomAttribute15) and phone prefix.
struct Site {
    city: &'static str,
    country: &'static str,
    code: &'static str,
    region: &'static str,
    phone: &'static str,
}

const SITES: [Site; 16] = [
    site("Seattle", "United States", "US", "AMER", "+1 206 555 "),
    site("New York", "United States", "US", "AMER", "+1 212 555 "),
    site("Chicago", "United States", "US", "AMER", "+1 312 555 "),
    site("Toronto", "Canada", "CA", "AMER", "+1 416 555 "),
    site("Sao Paulo", "Brazil", "BR", "AMER", "+55 11 5555 "),
    site("London", "United Kingdom", "GB", "EMEA", "+44 20 7946 "),
    site("Paris", "France", "FR", "EMEA", "+33 1 5555 "),
    site("Berlin", "Germany", "DE", "EMEA", "+49 30 5555 "),
    site("Madrid", "Spain", "ES", "EMEA", "+34 91 555 "),
    site("Dublin", "Ireland", "IE", "EMEA", "+353 1 555 "),
    site("Amsterdam", "Netherlands", "NL", "EMEA", "+31 20 555 "),
    site("Stockholm", "Sweden", "SE", "EMEA", "+46 8 555 "),
    site("Tokyo", "Japan", "JP", "APAC", "+81 3 5555 "),
    site("Singapore", "Singapore", "SG", "APAC", "+65 6555 "),
    site("Sydney", "Australia", "AU", "APAC", "+61 2 5555 "),
    site("Bangalore", "India", "IN", "APAC", "+91 80 5555 "),
];

const fn site(
    city: &'static str,
    country: &'static str,
    code: &'static str,
    region: &'static str,
    phone: &'static str,
) -> Site {
    Site {
        city,
        country,
        code,
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
    country_code: Arc<str>,
    country: Arc<str>,
    usage_location: Arc<str>,
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
            country_code: key("c"),
            country: key("co"),
            usage_location: key("msExchUsageLocation"),
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
    taken: HashSet<String>,
    /// The last numeric suffix used for a base local part.
    suffix: HashMap<String, u32>,
    /// sAMAccountNames taken (lower case).
    sam_taken: HashSet<String>,
    /// The last numeric suffix used for a sAMAccountName base.
    sam_suffix: HashMap<String, u32>,
    /// Distinguished names of generated people, for `manager`.
    people: Vec<String>,
    audit: Vec<AuditRecord>,
    catalog: &'a Catalog,
}

impl SimulatedOrg {
    /// A realistic organization of about `size` recipients for the tenant `contoso.com`,
    /// always the same for the same `size` and `seed` (the snapshot JSON is byte-identical),
    /// different for another seed.
    ///
    /// The mix, drawn per recipient: about 80% user mailboxes, 10% shared, 4% room and 2%
    /// equipment mailboxes (all provisioned on-premises as remote mailboxes and synchronized),
    /// 3% mail users (remote mailboxes provisioned on-premises but never licensed, so not
    /// mailboxes in Exchange Online) and 1% cloud-only mailboxes that are not dir-synced.
    ///
    /// - People have identity attributes from embedded name, department and office lists
    ///   (displayName, givenName, sn, initials, department, title, company, office, l, c, co,
    ///   usage location, telephoneNumber, mobile, manager); rooms have a capacity.
    /// - Proxy addresses: the primary `SMTP:first.last@contoso.com` (made unique with a
    ///   number), 0–3 secondary SMTP addresses, a `SIP:` entry for about half of the people,
    ///   one or two `X500:` entries for about 70% of the recipients, and the routing address
    ///   `@contoso.mail.onmicrosoft.com`.
    /// - Custom attributes: CustomAttribute1 is the cost centre, CustomAttribute2 the
    ///   employee type, CustomAttribute15 the region (AMER, EMEA, APAC); about 15% carry
    ///   ExtensionCustomAttribute1 project codes. About 2% are hidden from the address lists;
    ///   about 3% of user mailboxes have litigation hold.
    /// - About 4% of the eligible mailboxes were made cloud-managed earlier (an audit record
    ///   each); about half of those were edited in Exchange Online after the flip
    ///   (CustomAttribute1, a new secondary address, ExtensionCustomAttribute2, hiding), so
    ///   AD no longer holds the cloud values.
    /// - About 5% of the AD accounts changed on-premises within the last 24 hours of the
    ///   virtual clock (`whenChanged`), a fifth of them created then; the other accounts were
    ///   last changed days to two years ago.
    ///
    /// The clock stays at [`EPOCH`](super::EPOCH), where the last sync cycle ran: a sync cycle
    /// run at once changes nothing. No Cloud Sync agent is installed, so cloud edits of
    /// cloud-managed mailboxes were not written back.
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
            taken: HashSet::new(),
            suffix: HashMap::new(),
            sam_taken: HashSet::new(),
            sam_suffix: HashMap::new(),
            people: Vec::new(),
            audit: Vec::new(),
            catalog,
        }
    }

    fn run(mut self, s: &mut State, size: usize) {
        let t0 = std::time::Instant::now();
        let mut plans = Vec::with_capacity(size);
        for _ in 0..size {
            match Kind::draw(&mut self.rng) {
                Kind::CloudOnly => self.cloud_only(s),
                kind => plans.push(self.ad_recipient(s, kind)),
            }
        }
        eprintln!("ad {:?}", t0.elapsed());
        sync::sync_cycle(s, self.catalog);
        eprintln!("sync {:?}", t0.elapsed());
        for plan in &plans {
            self.after_sync(s, plan);
        }
        eprintln!("after {:?}", t0.elapsed());
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
        let mut a = Attrs::new();
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
        a.insert(Arc::clone(&k.country_code), site.code.into());
        a.insert(Arc::clone(&k.office), format!("{} HQ", site.city).into());
        a.insert(Arc::clone(&k.region), site.region.into());
        a.insert(
            Arc::clone(&self.keys.cost_centre),
            format!("CC{}", dept.cost_centre + self.rng.random_range(0..40)).into(),
        );
        let mut display = display;
        if let Some((first, last)) = person {
            self.person_attributes(&mut a, first, last, dept, site, &mut display);
        } else if kind == Kind::Room {
            let capacity = self.rng.random_range(4..=24_i64);
            a.insert(Arc::clone(&self.keys.capacity), capacity.into());
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
                attributes: a,
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
        a: &mut Attrs,
        first: &str,
        last: &str,
        dept: &Department,
        site: &Site,
        display: &mut String,
    ) {
        let k = &self.keys;
        a.insert(Arc::clone(&k.first_name), first.into());
        a.insert(Arc::clone(&k.last_name), last.into());
        a.insert(Arc::clone(&k.usage_location), site.code.into());
        let title = self.pick(dept.titles);
        a.insert(Arc::clone(&self.keys.title), title.into());
        let phone = format!("{}{:04}", site.phone, self.rng.random_range(0..10_000));
        a.insert(Arc::clone(&self.keys.phone), phone.into());
        if self.chance(300) {
            let mobile = format!("{}{:04}", site.phone, self.rng.random_range(0..10_000));
            a.insert(Arc::clone(&self.keys.mobile), mobile.into());
        }
        if self.chance(150) {
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
        if !self.people.is_empty() && self.chance(600) {
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
        let mut identity = Attrs::new();
        identity.insert(Arc::clone(&k.display_name), display.into());
        identity.insert(Arc::clone(&k.department), dept.name.into());
        identity.insert(Arc::clone(&k.city), site.city.into());
        identity.insert(Arc::clone(&k.country_code), site.code.into());
        if !shared {
            identity.insert(Arc::clone(&k.first_name), first.into());
            identity.insert(Arc::clone(&k.last_name), last.into());
            identity.insert(Arc::clone(&k.usage_location), site.code.into());
            let title = self.pick(dept.titles);
            identity.insert(Arc::clone(&self.keys.title), title.into());
        }
        let k = &self.keys;
        let mut attributes = Attrs::new();
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
                attributes: identity,
                recipient: Some(Recipient {
                    recipient_type: if shared {
                        RecipientTypeDetails::SharedMailbox
                    } else {
                        RecipientTypeDetails::UserMailbox
                    },
                    exchange_guid,
                    cloud_managed: false,
                    attributes,
                }),
                provisioning_blocked: false,
                when_changed: changed,
                when_created: created,
            },
        );
        s.reindex_cloud(&id);
    }

    /// Licenses user mailboxes, and lays down the cloud-side history of a synchronized
    /// recipient: its timestamps, litigation hold, the flip and the cloud edits after it.
    fn after_sync(&mut self, s: &mut State, plan: &Plan) {
        let Some(id) = s.index.anchor.get(&plan.guid).cloned() else {
            return;
        };
        if plan.kind == Kind::User && sync::license(s, &id).is_err() {
            return;
        }
        let litigation = plan.kind == Kind::User && self.chance(30);
        let Some(user) = s.cloud_users.get_mut(&id) else {
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
        s.reindex_cloud(&id);
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
                    change: Change::Set(AttributeValue::Bool(true)),
                },
            })
            .collect()
    }
}

/// A cloud edit of one attribute.
struct Edit {
    key: Arc<str>,
    change: Change,
}

enum Change {
    Set(AttributeValue),
    Add(String),
}
