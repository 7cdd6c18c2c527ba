//! Social profiles (share/intent links and platform home pages ignored) and same-site contact/about links.

use leadsmith_core::FactKind;

use crate::extract_support::{fixture, page_at};

#[test]
fn socials_from_links_and_same_as_without_share_links() {
    let page = page_at(&fixture("dental_home.html"), "https://www.brightsmile.test/");
    let keys: Vec<&str> = page.socials.keys().map(String::as_str).collect();
    assert_eq!(keys, ["facebook", "instagram", "linkedin", "x", "youtube"]);
    assert_eq!(page.socials["x"], "https://twitter.com/BrightSmileDDS");
    assert_eq!(page.socials["youtube"], "https://www.youtube.com/@brightsmiledental");
    for f in page.facts.iter().filter(|f| f.kind == FactKind::Social) {
        assert!(!f.value.contains("share") && !f.value.contains("intent"), "{f:?}");
    }
}

#[test]
fn linkedin_company_and_personal_profiles() {
    let page = page_at(&fixture("law_contact.html"), "https://www.smithpartners.co.uk/contact-us");
    assert_eq!(page.socials["linkedin"], "https://www.linkedin.com/company/smith-partners-solicitors");
    assert!(page.facts.iter().any(|f| f.value == "https://www.linkedin.com/in/john-smith-solicitor"));
}

#[test]
fn platform_pages_and_share_links_are_not_profiles() {
    let html = r#"<a href="https://www.facebook.com/">Facebook</a><a href="https://twitter.com/intent/tweet?text=x">Tweet</a>
        <a href="https://x.com/share?url=x">Post</a><a href="https://www.facebook.com/sharer.php?u=x">Share</a>
        <a href="https://www.instagram.com/">IG</a><a href="https://www.youtube.com/watch?v=abc">Video</a>
        <a href="https://www.linkedin.com/sharing/share-offsite/?url=x">Share</a><a href="/facebook">Our page</a>"#;
    let page = page_at(html, "https://acme.test/");
    assert!(page.socials.is_empty(), "{:?}", page.socials);
}

#[test]
fn contact_and_about_links_in_document_order() {
    let page = page_at(&fixture("dental_home.html"), "https://www.brightsmile.test/");
    assert_eq!(
        page.links.contact,
        ["https://www.brightsmile.test/contact/", "https://www.brightsmile.test/book-appointment/"]
    );
    assert_eq!(page.links.about, ["https://www.brightsmile.test/about-us/", "https://www.brightsmile.test/our-team/"]);
}

#[test]
fn odd_paths_same_registrable_domain_and_cross_domain() {
    let page = page_at(&fixture("law_contact.html"), "https://www.smithpartners.co.uk/contact-us");
    assert_eq!(
        page.links.contact,
        ["https://www.smithpartners.co.uk/get-in-touch", "https://www.smithpartners.co.uk/reach-us.html"]
    );
    assert_eq!(page.links.about, ["http://smithpartners.co.uk/practice/meet-dr-smith"]);
}

#[test]
fn link_words_in_other_languages_and_texts() {
    let html = r#"<a href="/kontakt">Kontakt</a><a href="/es/contacto/">Contacto</a><a href="/?page_id=12">Contact Us</a>
        <a href="/locations/">Our locations</a><a href="/appointments">Book online</a><a href="/find-us">Directions</a>
        <a href="/who-we-are">Who we are</a><a href="/leadership">Leadership</a><a href="/our-story">Our story</a>
        <a href="/attorneys/">Attorneys</a><a href="/doctors">Doctors</a><a href="/staff">Staff</a>
        <a href="/blog/about-flossing">About flossing</a><a href="/author/staff/">Staff</a><a href="ftp://acme.test/about">FTP</a>"#;
    let page = page_at(html, "https://acme.test/");
    assert_eq!(
        page.links.contact,
        [
            "https://acme.test/kontakt",
            "https://acme.test/es/contacto/",
            "https://acme.test/?page_id=12",
            "https://acme.test/locations/",
            "https://acme.test/appointments",
            "https://acme.test/find-us",
        ]
    );
    assert_eq!(
        page.links.about,
        [
            "https://acme.test/who-we-are",
            "https://acme.test/leadership",
            "https://acme.test/our-story",
            "https://acme.test/attorneys/",
            "https://acme.test/doctors",
            "https://acme.test/staff",
        ]
    );
}
