//! Postal addresses (JSON-LD, microdata, `<address>`, footer and free text: US, UK, Canada, Australia, Ireland,
//! continental Europe) and owners (JSON-LD founders and staff, every text pattern, company names and streets rejected).

use leadsmith_core::{Address, FactKind, FactSource, PageFacts};

use crate::extract_support::{fixture, page_at};

fn page(html: &str) -> PageFacts {
    page_at(html, "https://www.acme.test/")
}

fn owners(page: &PageFacts) -> Vec<(String, Option<String>)> {
    page.facts
        .iter()
        .filter(|f| f.kind == FactKind::Owner)
        .map(|f| (f.value.clone(), f.detail.as_ref().and_then(|d| d["title"].as_str()).map(str::to_string)))
        .collect()
}

fn addr(street: &str, city: &str, region: Option<&str>, postal: &str, country: &str) -> Address {
    Address {
        street: Some(street.into()),
        city: Some(city.into()),
        region: region.map(Into::into),
        postal_code: Some(postal.into()),
        country: Some(country.into()),
    }
}

#[test]
fn footer_only_address() {
    let page = page_at(&fixture("footer_only.html"), "https://greenleaf.test/");
    assert_eq!(page.address, Some(addr("2200 N Lamar Blvd, Ste. 105", "Austin", Some("TX"), "78705", "US")));
    let fact = page.facts.iter().find(|f| f.kind == FactKind::Address).unwrap();
    assert_eq!(fact.source, FactSource::Text);
    assert_eq!(fact.value, "2200 N Lamar Blvd, Ste. 105, Austin, TX 78705, US");
    assert_eq!(page.phones, ["+15125550173"]);
    assert_eq!(page.name.as_deref(), Some("Green Leaf Landscaping"));
}

#[test]
fn address_element_uk_style() {
    let page = page_at(&fixture("law_contact.html"), "https://www.smithpartners.co.uk/contact-us");
    assert_eq!(page.address, Some(addr("10 Downing Street", "London", None, "SW1A 2AA", "GB")));
    let best = page.facts.iter().filter(|f| f.kind == FactKind::Address).map(|f| f.confidence).fold(0.0, f32::max);
    assert!(best >= 0.8, "an <address> element is strong evidence");
}

#[test]
fn address_near_the_word_address_and_in_plain_text() {
    let near_word = page("<main><h2>Our address</h2><p>1600 Pennsylvania Avenue NW<br>Washington, DC 20500</p></main>");
    assert_eq!(near_word.address, Some(addr("1600 Pennsylvania Avenue NW", "Washington", Some("DC"), "20500", "US")));
    let plain = page("<p>Stop by 123 Main St, Suite 4, Springfield, IL 62704 any weekday.</p>");
    assert_eq!(plain.address, Some(addr("123 Main St, Suite 4", "Springfield", Some("IL"), "62704", "US")));
    let conf = |p: &PageFacts| p.facts.iter().find(|f| f.kind == FactKind::Address).unwrap().confidence;
    assert!(conf(&near_word) > conf(&plain));
}

#[test]
fn structured_address_beats_text() {
    let html = r#"<script type="application/ld+json">{"@type":"LocalBusiness","name":"A","address":{"@type":"PostalAddress",
        "streetAddress":"9 Oak Ave","addressLocality":"Boise","addressRegion":"ID","postalCode":"83702"}}</script>
        <footer>Old office: 1 Elm St, Boise, ID 83701</footer>"#;
    let page = page(html);
    assert_eq!(page.address.unwrap().street.as_deref(), Some("9 Oak Ave"));
    assert_eq!(page.facts.iter().filter(|f| f.kind == FactKind::Address).count(), 2);
}

#[test]
fn things_that_are_not_addresses() {
    for html in [
        "<p>We have served 500 happy clients in Springfield, IL 62704</p>",
        "<p>Open 9 to 5 on Main Street</p>",
        "<p>Call 217-555-0100 today</p>",
    ] {
        assert_eq!(page(html).address, None, "{html}");
    }
}

#[test]
fn team_page_owner_patterns() {
    let page = page_at(&fixture("team_page.html"), "https://harborlaw.test/team");
    let found = owners(&page);
    for (name, title) in [
        ("Rebecca Stone", "Owner"),
        ("Rebecca Stone", "Founder"),
        ("Daniel Park", "Managing Partner"),
        ("Grace O'Neil", "Principal"),
        ("Marcus Webb", "CEO"),
        ("Thomas Harbor", "Founder"),
        ("Priya Natarajan", "DMD"),
    ] {
        assert!(
            found.iter().any(|(n, t)| n == name && t.as_deref() == Some(title)),
            "{name} ({title}) not in {found:?}"
        );
    }
    for (name, _) in &found {
        assert!(!name.contains("Harbor Law") && !name.contains("Street") && !name.contains("Operated"), "{name}");
    }
    let owner = page.owner.unwrap();
    assert_eq!(owner.name, "Rebecca Stone", "seen by two patterns");
    assert!(owner.confidence > 0.8);
}

#[test]
fn team_cards_name_the_owner_by_role() {
    let page = page_at(&fixture("team_cards.html"), "https://reyes-park-parker.test/team");
    assert_eq!(owners(&page), [("Diego Reyes".to_string(), Some("Managing Partner".to_string()))]);
    let owner = page.owner.unwrap();
    assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Diego Reyes", Some("Managing Partner")));
    assert!(owner.confidence >= 0.75, "{owner:?}");
}

#[test]
fn team_cards_pick_the_most_senior_owner() {
    let card = |name: &str, role: &str| {
        format!(
            "<div class=\"team-card\"><img alt=\"Portrait of {name}\"><h3>{name}</h3><p class=\"role\">{role}</p></div>"
        )
    };
    let html = [
        card("Ben Ortiz", "Co-founder &amp; CTO"),
        card("Lena Becker", "Head of Customer Success"),
        card("Zoë Andersson", "Co-founder &amp; CEO"),
        card("Ravi Shah", "Lead Engineer"),
    ]
    .concat();
    let owner = page(&format!("<section class=\"team\"><h2>Meet the Team</h2>{html}</section>")).owner.unwrap();
    assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Zoë Andersson", Some("Co-Founder & CEO")));

    // The doctor's card: post-nominals in the heading, the owner's role under it; the associate's card is not.
    let html = "<div class=card><h3>Dr. Ann Lee, DMD</h3><p>Associate Dentist</p></div>\
                <div class=card><h3>Dr. Maria Lopez, DDS</h3><p>Founder &amp; Lead Dentist</p></div>";
    let page = page(html);
    assert_eq!(page.owner.as_ref().unwrap().name, "Maria Lopez");
    assert!(owners(&page).iter().all(|(n, _)| n == "Maria Lopez"), "{:?}", owners(&page));
}

#[test]
fn staff_only_team_has_no_owner() {
    let html = r#"<section class="team"><h1>Meet the Team</h1>
        <div class="team-card"><h3>Laura Kim</h3><p class="role">Associate Attorney</p></div>
        <div class="team-card"><h3>Dr. Raj Patel, DMD</h3><p class="role">Associate Dentist</p></div>
        <div class="team-card"><h3>Sam Okafor</h3><p class="role">Dental Hygienist</p></div>
        <div class="team-card"><h3>Jim Hill</h3><p class="role">Vice President</p></div>
        <div class="team-card"><h3>Kate Moss</h3><p class="role">Assistant to the Owner</p></div>
        <div class="team-card"><h3>Emergency Repairs</h3><p>Owner-operated since 1990.</p></div></section>"#;
    let page = page(html);
    assert_eq!(page.owner, None, "{:?}", owners(&page));
}

#[test]
fn bios_with_compound_and_slash_titles() {
    for (html, name, title) in [
        (
            "<div class=owner-bio><p>Meet <strong>Camila Ivanov</strong>, our broker/owner. Camila started Ivanov Realty \
             Group in 1997 and still answers the phone most mornings.</p></div>",
            "Camila Ivanov",
            "Broker/Owner",
        ),
        ("<p>Meet <strong>Sarah Rodriguez</strong>, our chef-owner.</p>", "Sarah Rodriguez", "Chef-Owner"),
        (
            "<p>Owner &amp; Master Technician <strong>Oluwaseun Bailey</strong> has led Main Street Brake since 1987.</p>",
            "Oluwaseun Bailey",
            "Owner & Master Technician",
        ),
        (
            "<p>Principal Broker <strong>Laura Pham</strong> has led Red Door Realty since 1985.</p>",
            "Laura Pham",
            "Principal Broker",
        ),
        ("<p class=owner-line>Owner &amp; Lead Stylist: Elena Kowalski</p>", "Elena Kowalski", "Owner & Lead Stylist"),
        ("<p>Questions? Ask for Chidi Mensah (Head Chef &amp; Owner).</p>", "Chidi Mensah", "Head Chef & Owner"),
        (
            "<h3>Ana Jackson, Master Plumber &amp; Owner</h3><p>Ana opened the shop in 1975.</p>",
            "Ana Jackson",
            "Master Plumber & Owner",
        ),
        ("<p>Inhaber <strong>Jörg Weiß</strong> führt den Betrieb seit 1973.</p>", "Jörg Weiß", "Inhaber"),
        ("<p>Meet <strong>Katrin Schäfer</strong>, our Geschäftsführer.</p>", "Katrin Schäfer", "Geschäftsführer"),
        ("<p class=owner-line>Fondateur: Zoë Andersson</p>", "Zoë Andersson", "Fondateur"),
        ("<p>Meet <strong>Léa Lemaître</strong>, our gérant.</p>", "Léa Lemaître", "Gérant"),
    ] {
        let page = page(html);
        let owner = page.owner.unwrap_or_else(|| panic!("no owner in {html}"));
        assert_eq!((owner.name.as_str(), owner.title.as_deref()), (name, Some(title)), "{html}");
    }
}

#[test]
fn each_owner_text_pattern() {
    for (html, name, title) in [
        ("<p>Owner: Jane Doe</p>", "Jane Doe", "Owner"),
        ("<p>Jane Doe, Owner</p>", "Jane Doe", "Owner"),
        ("<p>Dr. Ann Lee, DDS</p>", "Ann Lee", "DDS"),
        ("<p>Dr. Ann Lee, D.M.D.</p>", "Ann Lee", "DMD"),
        ("<p>John Smith, Esq.</p>", "John Smith", "Esq."),
        ("<p>Attorney John Smith</p>", "John Smith", "Attorney"),
        ("<p>The bakery was founded by Maria Lopez.</p>", "Maria Lopez", "Founder"),
        ("<p>Maria Lopez founded the bakery in 2001.</p>", "Maria Lopez", "Founder"),
        ("<h2>Meet Sam Okafor, our founder</h2>", "Sam Okafor", "Founder"),
        ("<p>Principal: Grace Kim</p>", "Grace Kim", "Principal"),
        ("<p>CEO Jane Doe</p>", "Jane Doe", "CEO"),
        ("<p>Jane Doe is the owner of Acme Bakery.</p>", "Jane Doe", "Owner"),
        ("<p><strong>Jane Doe</strong>, Owner</p>", "Jane Doe", "Owner"),
    ] {
        let page = page(html);
        let owner = page.owner.unwrap_or_else(|| panic!("no owner in {html}"));
        assert_eq!((owner.name.as_str(), owner.title.as_deref()), (name, Some(title)), "{html}");
    }
}

#[test]
fn company_names_and_streets_are_not_owners() {
    let html = r#"<script type="application/ld+json">{"@type":"LocalBusiness","name":"Bright Smile Dental"}</script>
        <p>Owner: Bright Smile Dental</p><p>Bright Smile, Owner</p><p>Owner Operated Since 1990</p>
        <p>Owner: Acme Dental Group</p><p>123 Main Street, Owner</p><p>Founded by Smile Dental LLC</p>"#;
    let page = page(html);
    assert_eq!(page.owner, None, "{:?}", owners(&page));
}

#[test]
fn jsonld_people_with_owner_titles() {
    let html = r#"<script type="application/ld+json">[
        {"@type":"Person","name":"Jane Roe","jobTitle":"Owner"},
        {"@type":"Article","author":{"@type":"Person","name":"Sam Writer","jobTitle":"Staff Writer"}}]</script>"#;
    let page = page(html);
    assert_eq!(owners(&page), [("Jane Roe".to_string(), Some("Owner".to_string()))]);
}

#[test]
fn addresses_abroad_are_read_from_plain_text_with_their_country() {
    let de = page_at(
        "<html lang=\"de\"><main><h1>Kontakt</h1><p>Bäckerei Krüger</p></main>\
         <footer>Hauptstraße 12, 10115 Berlin · Telefon 030 12345678</footer></html>",
        "https://www.baeckerei-krueger.de/kontakt",
    );
    assert_eq!(de.address, Some(addr("Hauptstraße 12", "Berlin", None, "10115", "DE")));
    assert_eq!(de.phones, ["+493012345678"]);
    let fr = page_at("<footer><p>12 rue de la Paix<br>75002 Paris</p></footer>", "https://bistro.example/");
    assert_eq!(fr.address, Some(addr("12 rue de la Paix", "Paris", None, "75002", "FR")));
    let ca = page_at("<address>200 Bay Street, Toronto, ON M5J 2J2</address>", "https://acme.example/");
    assert_eq!(ca.address, Some(addr("200 Bay Street", "Toronto", Some("ON"), "M5J 2J2", "CA")));
    // A year and a word after a comma are not a continental address.
    let prose = page_at("<p>Chapter 3, 2019 Edition of our report.</p>", "https://acme.example/");
    assert_eq!(prose.address, None);
}

#[test]
fn an_impressum_page_is_read_as_the_legal_notice() {
    let html = "<html lang=\"de\"><body><nav><a href=\"/impressum\">Impressum</a></nav><main><h1>Impressum</h1>\
        <p>Angaben gemäß § 5 DDG</p><p>Krüger Backwaren GmbH<br>Hauptstraße 12<br>10115 Berlin</p>\
        <p>Vertreten durch den Geschäftsführer: Jörg Weiß</p>\
        <p>Registereintrag: Eintragung im Handelsregister.<br>Registergericht: Amtsgericht Charlottenburg<br>\
        Registernummer: HRB 123456 B</p><p>Umsatzsteuer-ID: DE123456789</p></main></body></html>";
    let page = page_at(html, "https://www.krueger.de/impressum");
    let legal = page.legal.expect("a legal notice");
    assert_eq!(legal.company.as_deref(), Some("Krüger Backwaren GmbH"));
    assert_eq!(legal.register_number.as_deref(), Some("HRB 123456 B"));
    assert_eq!(legal.register_court.as_deref(), Some("Amtsgericht Charlottenburg"));
    assert_eq!(legal.vat_id.as_deref(), Some("DE123456789"));
    assert_eq!(legal.representatives, ["Jörg Weiß"]);
    assert_eq!(page.name.as_deref(), Some("Krüger Backwaren GmbH"));
    assert_eq!(page.owner.map(|o| o.name).as_deref(), Some("Jörg Weiß"));
    assert_eq!(page.address, Some(addr("Hauptstraße 12", "Berlin", None, "10115", "DE")));
}
