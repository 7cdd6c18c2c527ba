//! The verticals of the sample web and their copy: company-name patterns, schema.org types, owner titles,
//! staff roles, services, taglines and testimonials, so generated sites read like real small businesses.

/// One vertical (industry) and everything needed to write a plausible site for it.
#[derive(Debug)]
pub(crate) struct Vertical {
    /// Stable identifier; also the lead list's `Industry` and `Site::vertical`.
    pub key: &'static str,
    /// schema.org type for JSON-LD and microdata.
    pub schema_type: &'static str,
    /// Name patterns: `{last}`, `{last2}`, `{last3}`, `{first}`, `{adj}`, `{noun}`, `{noun2}`, `{city}`, `{word}`.
    pub name_patterns: &'static [&'static str],
    pub adjectives: &'static [&'static str],
    pub nouns: &'static [&'static str],
    /// Owner titles as the site writes them (and as the ground truth records them).
    pub owner_titles: &'static [&'static str],
    /// Whether owners are doctors written `Dr. Name, TITLE`.
    pub doctor: bool,
    pub staff_roles: &'static [&'static str],
    /// Local parts of role addresses (`info`, `reservations`).
    pub role_emails: &'static [&'static str],
    /// Labels for a second phone number.
    pub second_phone_labels: &'static [&'static str],
    pub taglines: &'static [&'static str],
    pub services: &'static [(&'static str, &'static str)],
    pub cta: &'static str,
    /// What customers are called in testimonials.
    pub customer: &'static str,
}

pub(crate) const VERTICALS: &[Vertical] = &[
    Vertical {
        key: "dentist",
        schema_type: "Dentist",
        name_patterns: &[
            "{adj} Smile Dental",
            "{last} Family Dentistry",
            "{city} Dental Care",
            "{adj} Dental Studio",
            "{last} & {last2} Dental Group",
            "{adj} Orthodontics",
        ],
        adjectives: &[
            "Bright",
            "Gentle",
            "Radiant",
            "Pearl",
            "Sunrise",
            "Evergreen",
            "Harbor",
            "Summit",
            "Willow",
        ],
        nouns: &["Smile", "Tooth", "Crown", "Enamel"],
        owner_titles: &["DDS", "DMD"],
        doctor: true,
        staff_roles: &[
            "Dental Hygienist",
            "Office Manager",
            "Dental Assistant",
            "Patient Coordinator",
        ],
        role_emails: &["info", "office", "appointments", "frontdesk", "smile"],
        second_phone_labels: &[
            "After-hours emergencies",
            "New patients",
            "Billing questions",
        ],
        taglines: &[
            "Gentle, modern dentistry for the whole family",
            "Healthy smiles start here",
            "Your neighborhood dentist since day one",
        ],
        services: &[
            (
                "Cleanings & Exams",
                "Thorough cleanings and digital X-rays, usually in under an hour.",
            ),
            (
                "Invisalign",
                "Clear aligners planned with a 3D scan; no goopy impressions.",
            ),
            (
                "Crowns & Bridges",
                "Same-day ceramic crowns milled in our office.",
            ),
            (
                "Teeth Whitening",
                "In-office and take-home whitening that is kind to sensitive teeth.",
            ),
            (
                "Pediatric Dentistry",
                "Friendly first visits and sealants for kids of every age.",
            ),
            (
                "Dental Implants",
                "Permanent replacements for missing teeth, placed and restored here.",
            ),
            (
                "Emergency Care",
                "Same-day appointments for toothaches, chips and lost fillings.",
            ),
            (
                "Root Canal Therapy",
                "Comfortable endodontic treatment with modern rotary tools.",
            ),
        ],
        cta: "Book an appointment",
        customer: "patient",
    },
    Vertical {
        key: "restaurant",
        schema_type: "Restaurant",
        name_patterns: &[
            "The {adj} {noun}",
            "{first}'s Kitchen",
            "{noun} & {noun2}",
            "{adj} {noun} Bistro",
            "{city} Taco House",
            "Trattoria {last}",
        ],
        adjectives: &[
            "Rusty", "Golden", "Little", "Hungry", "Copper", "Wild", "Salty", "Green", "Blue",
        ],
        nouns: &[
            "Anchor", "Spoon", "Fig", "Olive", "Lantern", "Oak", "Pepper", "Sparrow", "Kettle",
            "Basil",
        ],
        owner_titles: &["Head Chef & Owner", "Owner", "Chef-Owner"],
        doctor: false,
        staff_roles: &[
            "Sous Chef",
            "General Manager",
            "Pastry Chef",
            "Events Coordinator",
        ],
        role_emails: &["info", "reservations", "events", "hello", "eat"],
        second_phone_labels: &["Reservations", "Catering & events", "Takeout orders"],
        taglines: &[
            "Seasonal plates, local farms, good wine",
            "Wood-fired cooking in the heart of town",
            "Comfort food made from scratch every morning",
        ],
        services: &[
            (
                "Dinner",
                "A seasonal menu that changes with what our farmers bring in.",
            ),
            (
                "Weekend Brunch",
                "Buttermilk pancakes, shakshuka and bottomless coffee.",
            ),
            (
                "Private Events",
                "Our back room seats 40 for birthdays, rehearsals and team dinners.",
            ),
            (
                "Catering",
                "Family-style trays delivered hot anywhere in town.",
            ),
            (
                "Happy Hour",
                "Half-price small plates and local drafts on weekdays.",
            ),
            ("Takeout", "Order ahead and pick up at the side window."),
            (
                "Wine Club",
                "Three bottles a month picked by our sommelier.",
            ),
        ],
        cta: "Reserve a table",
        customer: "guest",
    },
    Vertical {
        key: "law_firm",
        schema_type: "LegalService",
        name_patterns: &[
            "{last} & {last2} LLP",
            "{last}, {last2} & {last3}",
            "{last} Law Group",
            "{city} Legal Partners",
            "{last} {last2} Attorneys at Law",
        ],
        adjectives: &["Liberty", "Keystone", "Cornerstone", "Pinnacle", "Heritage"],
        nouns: &["Law", "Legal", "Counsel"],
        owner_titles: &["Managing Partner", "Founding Partner", "Principal Attorney"],
        doctor: false,
        staff_roles: &[
            "Associate Attorney",
            "Paralegal",
            "Office Manager",
            "Legal Assistant",
        ],
        role_emails: &["info", "intake", "office", "contact"],
        second_phone_labels: &["New client intake", "Direct line"],
        taglines: &[
            "Trusted counsel for families and small businesses",
            "Experienced trial lawyers who return your calls",
            "Practical legal advice, plainly explained",
        ],
        services: &[
            (
                "Estate Planning",
                "Wills, trusts and powers of attorney that hold up when it matters.",
            ),
            (
                "Business Law",
                "Formation, contracts and disputes for owner-run companies.",
            ),
            (
                "Personal Injury",
                "No fee unless we win; free consultations for injury claims.",
            ),
            (
                "Family Law",
                "Divorce, custody and support handled with discretion.",
            ),
            (
                "Real Estate Closings",
                "Residential and commercial closings, title review included.",
            ),
            (
                "Employment Law",
                "Wrongful termination, wage claims and severance negotiations.",
            ),
            (
                "Criminal Defense",
                "Aggressive defense for DUI, misdemeanor and felony charges.",
            ),
        ],
        cta: "Request a free consultation",
        customer: "client",
    },
    Vertical {
        key: "plumber",
        schema_type: "Plumber",
        name_patterns: &[
            "{last} Plumbing",
            "{adj} Flow Plumbing & Drain",
            "{city} Rooter & Plumbing",
            "{first}'s Plumbing Co.",
            "{adj} Pipe Pros",
        ],
        adjectives: &[
            "Rapid",
            "Clear",
            "True",
            "Reliable",
            "Blue Water",
            "Summit",
            "Patriot",
            "Precision",
        ],
        nouns: &["Pipe", "Drain", "Flow"],
        owner_titles: &["Owner", "Master Plumber & Owner"],
        doctor: false,
        staff_roles: &[
            "Lead Technician",
            "Dispatcher",
            "Apprentice Plumber",
            "Service Manager",
        ],
        role_emails: &["service", "info", "dispatch", "office"],
        second_phone_labels: &["24/7 emergency line", "Text us", "Commercial accounts"],
        taglines: &[
            "Licensed, insured and on time, or the trip is free",
            "Fast drain cleaning and honest flat-rate pricing",
            "Family-owned plumbing you can count on",
        ],
        services: &[
            (
                "Drain Cleaning",
                "Hydro-jetting and camera inspections for stubborn clogs.",
            ),
            (
                "Water Heaters",
                "Tank and tankless installs, usually same day.",
            ),
            (
                "Leak Detection",
                "Acoustic and thermal leak finding without tearing up floors.",
            ),
            (
                "Sewer Line Repair",
                "Trenchless pipe lining that saves your lawn.",
            ),
            (
                "Fixture Installation",
                "Faucets, toilets and garbage disposals done right.",
            ),
            ("Repiping", "Whole-house PEX repipes for older homes."),
            (
                "Backflow Testing",
                "Certified annual testing and city paperwork filed for you.",
            ),
        ],
        cta: "Schedule service",
        customer: "homeowner",
    },
    Vertical {
        key: "saas",
        schema_type: "Organization",
        name_patterns: &[
            "{word}ly",
            "{word}Stack",
            "{word}flow",
            "{word} Labs",
            "{word}Hub",
            "{word}Pilot",
        ],
        adjectives: &["Smart", "Quick", "Open"],
        nouns: &[
            "Ledger", "Shift", "Signal", "Pixel", "Quill", "Orbit", "Beacon", "Relay", "Vector",
            "Nimbus", "Forge", "Sprout", "Tally", "Lumen", "Cadence", "Kite", "Ember", "Parcel",
            "Cobalt", "Meadow",
        ],
        owner_titles: &["Founder & CEO", "Co-founder & CEO"],
        doctor: false,
        staff_roles: &[
            "Head of Customer Success",
            "Lead Engineer",
            "Product Designer",
            "VP of Sales",
        ],
        role_emails: &["hello", "sales", "support", "team"],
        second_phone_labels: &["Sales", "Support"],
        taglines: &[
            "The simplest way to run your back office",
            "Scheduling software your customers actually like",
            "Turn spreadsheets into workflows in minutes",
        ],
        services: &[
            (
                "Automations",
                "Trigger workflows from forms, emails and webhooks.",
            ),
            (
                "Integrations",
                "Two-way sync with QuickBooks, Slack and 40+ other tools.",
            ),
            (
                "Reporting",
                "Dashboards that update in real time, shareable with a link.",
            ),
            (
                "Mobile App",
                "Everything you need on iOS and Android, even offline.",
            ),
            (
                "Security",
                "SSO, audit logs and encryption at rest on every plan.",
            ),
            ("API", "A documented REST API with generous rate limits."),
            (
                "Onboarding",
                "A migration specialist moves your data for free.",
            ),
        ],
        cta: "Start your free trial",
        customer: "customer",
    },
    Vertical {
        key: "agency",
        schema_type: "ProfessionalService",
        name_patterns: &[
            "{adj} {noun} Creative",
            "{noun} & Co. Marketing",
            "Studio {noun}",
            "{adj} {noun} Media",
            "{last} Digital",
        ],
        adjectives: &[
            "Bold", "North", "Paper", "Bright", "Tall", "Quiet", "Electric", "Honest",
        ],
        nouns: &[
            "Fox",
            "Owl",
            "Compass",
            "Lighthouse",
            "Canvas",
            "Arrow",
            "Harbor",
            "Maple",
            "Atlas",
        ],
        owner_titles: &["Founder", "Founder & Creative Director"],
        doctor: false,
        staff_roles: &[
            "Art Director",
            "Account Manager",
            "Senior Developer",
            "Content Strategist",
        ],
        role_emails: &["hello", "newbusiness", "studio", "info"],
        second_phone_labels: &["New business", "Studio"],
        taglines: &[
            "Brands and websites for companies that do good work",
            "Marketing that small businesses can measure",
            "Strategy, design and code under one roof",
        ],
        services: &[
            (
                "Brand Identity",
                "Logos, type and color systems that scale from cards to billboards.",
            ),
            (
                "Web Design",
                "Fast, accessible sites on a CMS your team can edit.",
            ),
            (
                "SEO",
                "Technical audits and content plans that move rankings.",
            ),
            (
                "Paid Social",
                "Campaigns on Meta and LinkedIn with weekly reporting.",
            ),
            ("Video", "Short-form video shot and edited in-house."),
            (
                "Email Marketing",
                "Newsletters and automations that people open.",
            ),
        ],
        cta: "Start a project",
        customer: "client",
    },
    Vertical {
        key: "accountant",
        schema_type: "AccountingService",
        name_patterns: &[
            "{last} & Associates CPA",
            "{city} Tax & Bookkeeping",
            "{last} {last2} Accounting",
            "{adj} Ledger Accounting",
            "{last} CPA Group",
        ],
        adjectives: &[
            "Balanced",
            "Keystone",
            "Clearview",
            "Summit",
            "Prairie",
            "Granite",
        ],
        nouns: &["Ledger", "Tax"],
        owner_titles: &["Principal", "Managing Partner", "Owner"],
        doctor: false,
        staff_roles: &[
            "Senior Accountant",
            "Bookkeeper",
            "Tax Associate",
            "Client Services Manager",
        ],
        role_emails: &["info", "office", "tax", "admin"],
        second_phone_labels: &["Payroll questions", "Direct line"],
        taglines: &[
            "Tax preparation and bookkeeping for small businesses",
            "Year-round accounting, not just in April",
            "Clear numbers, confident decisions",
        ],
        services: &[
            (
                "Tax Preparation",
                "Individual and business returns, federal and state.",
            ),
            (
                "Bookkeeping",
                "Monthly reconciliations and clean books in QuickBooks or Xero.",
            ),
            (
                "Payroll",
                "Direct deposit, filings and year-end W-2s handled for you.",
            ),
            (
                "Advisory",
                "Cash-flow forecasts and entity planning for growing companies.",
            ),
            (
                "IRS Representation",
                "Audits, notices and payment plans negotiated on your behalf.",
            ),
            (
                "Sales Tax",
                "Multi-state nexus reviews and monthly filings.",
            ),
        ],
        cta: "Schedule a consultation",
        customer: "client",
    },
    Vertical {
        key: "salon",
        schema_type: "HairSalon",
        name_patterns: &[
            "{adj} Hair Studio",
            "Salon {first}",
            "The {noun} Bar",
            "{adj} Beauty Lounge",
            "{first} & Co. Salon",
        ],
        adjectives: &[
            "Velvet", "Golden", "Luxe", "Urban", "Rose", "Willow", "Silk", "Bloom",
        ],
        nouns: &["Blowout", "Mane", "Brow", "Lash", "Curl"],
        owner_titles: &["Owner", "Owner & Lead Stylist"],
        doctor: false,
        staff_roles: &["Senior Stylist", "Colorist", "Receptionist", "Esthetician"],
        role_emails: &["hello", "bookings", "info", "appointments"],
        second_phone_labels: &["Text to book", "Bridal bookings"],
        taglines: &[
            "Color, cuts and care in a relaxed studio",
            "Walk in stressed, walk out styled",
            "Modern hair for every texture",
        ],
        services: &[
            (
                "Haircuts",
                "Precision cuts for all hair types, consultation included.",
            ),
            (
                "Balayage",
                "Hand-painted color with a soft, lived-in grow-out.",
            ),
            (
                "Keratin Treatments",
                "Frizz-free, shiny hair for up to four months.",
            ),
            (
                "Bridal",
                "Trials and on-site styling for the whole wedding party.",
            ),
            (
                "Extensions",
                "Tape-in and hand-tied extensions matched to your color.",
            ),
            ("Brows & Lashes", "Shaping, tinting and lash lifts."),
        ],
        cta: "Book online",
        customer: "client",
    },
    Vertical {
        key: "auto_repair",
        schema_type: "AutoRepair",
        name_patterns: &[
            "{last}'s Auto Repair",
            "{city} Auto Care",
            "{adj} Transmission & Brake",
            "{last} Motors Service Center",
            "{adj} Garage",
        ],
        adjectives: &[
            "Precision",
            "Honest",
            "Main Street",
            "Eagle",
            "Redline",
            "Ironworks",
            "Express",
        ],
        nouns: &["Garage", "Motors"],
        owner_titles: &["Owner", "Owner & Master Technician"],
        doctor: false,
        staff_roles: &[
            "Service Advisor",
            "Lead Mechanic",
            "Parts Manager",
            "Diagnostic Technician",
        ],
        role_emails: &["service", "info", "appointments", "shop"],
        second_phone_labels: &["Towing", "Parts desk"],
        taglines: &[
            "ASE-certified repairs with a 24-month warranty",
            "Honest diagnostics, fair prices, fast turnaround",
            "Keeping your family's cars on the road",
        ],
        services: &[
            (
                "Brake Service",
                "Pads, rotors and fluid flushes with a lifetime pad warranty.",
            ),
            (
                "Oil Changes",
                "Synthetic oil changes with a free multi-point inspection.",
            ),
            (
                "Engine Diagnostics",
                "Check-engine lights read and explained before any work.",
            ),
            (
                "Transmission",
                "Rebuilds and fluid services for automatics and manuals.",
            ),
            (
                "Tires & Alignment",
                "Mounting, balancing and computerized alignment.",
            ),
            ("AC Repair", "Recharge and leak repair to keep you cool."),
            (
                "State Inspections",
                "While-you-wait safety and emissions inspections.",
            ),
        ],
        cta: "Schedule a repair",
        customer: "driver",
    },
    Vertical {
        key: "real_estate",
        schema_type: "RealEstateAgent",
        name_patterns: &[
            "{last} Realty Group",
            "{city} Home Partners",
            "{adj} Key Real Estate",
            "{last} & {last2} Properties",
            "{adj} Door Realty",
        ],
        adjectives: &[
            "Golden", "Open", "Front", "Red", "Hometown", "Blue Oak", "Keystone", "Harbor",
        ],
        nouns: &["Key", "Door", "Home"],
        owner_titles: &["Principal Broker", "Broker/Owner"],
        doctor: false,
        staff_roles: &[
            "Buyer's Agent",
            "Listing Specialist",
            "Transaction Coordinator",
            "Leasing Agent",
        ],
        role_emails: &["info", "listings", "homes", "hello"],
        second_phone_labels: &["Property management", "Direct line"],
        taglines: &[
            "Local agents who know every street",
            "Buying, selling and renting made simple",
            "Find the home that fits your life",
        ],
        services: &[
            (
                "Buying",
                "Search alerts, private showings and tough negotiation.",
            ),
            (
                "Selling",
                "Professional photos, staging advice and a pricing plan.",
            ),
            (
                "Property Management",
                "Tenant screening, rent collection and repairs.",
            ),
            (
                "Relocation",
                "Virtual tours and neighborhood guides for out-of-town buyers.",
            ),
            (
                "Market Reports",
                "Monthly price trends for your neighborhood.",
            ),
            (
                "New Construction",
                "Representation with builders at no cost to you.",
            ),
        ],
        cta: "Get a free home valuation",
        customer: "homeowner",
    },
];

/// The vertical identifiers, as `Site::vertical` and the lead list's `Industry` give them.
pub const VERTICAL_KEYS: &[&str] = &[
    "dentist",
    "restaurant",
    "law_firm",
    "plumber",
    "saas",
    "agency",
    "accountant",
    "salon",
    "auto_repair",
    "real_estate",
];

/// Testimonial quotes; `{customer}` and `{company}` are filled in.
pub(crate) const TESTIMONIALS: &[&str] = &[
    "Friendly, fast and honest. I have recommended {company} to everyone I know.",
    "They explained everything before starting and the price was exactly what they quoted.",
    "Best experience I have had as a {customer} anywhere in town. Five stars!",
    "I was nervous at first but the whole team made it easy. Will definitely be back.",
    "Professional from the first call to the final invoice.",
    "We have used {company} for years and they have never let us down.",
    "Quick to respond, easy to book, and great results.",
    "Worth every penny. The attention to detail is unmatched.",
];

/// Lines for the story on an about page; `{company}`, `{city}` and `{year}` are filled in.
pub(crate) const STORY_LINES: &[&str] = &[
    "{company} opened its doors in {city} in {year} with one simple idea: treat every {customer} like a neighbor.",
    "Since {year} we have grown from a two-person shop into a team that serves all of {city} and the surrounding area.",
    "We are proud to be independently owned and operated, and we reinvest in training and equipment every year.",
    "Our team volunteers with local schools and food banks, because {city} has been good to us.",
    "Every job is backed by our satisfaction guarantee: if something is not right, we come back and make it right.",
    "We believe in clear pricing, honest recommendations and showing up when we say we will.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_the_table() {
        let keys: Vec<&str> = VERTICALS.iter().map(|v| v.key).collect();
        assert_eq!(keys, VERTICAL_KEYS);
        assert!(
            VERTICALS
                .iter()
                .all(|v| v.services.len() >= 6 && !v.owner_titles.is_empty())
        );
    }
}
