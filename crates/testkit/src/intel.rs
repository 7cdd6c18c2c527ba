//! Site intelligence on the sample web: the technologies each site runs (as the markers real sites carry:
//! generator tags, script addresses, response headers) and how well it is kept (the audit's signals:
//! a missing viewport, a stale copyright, render-blocking scripts, a broken link, no sitemap, security
//! headers or not). Drawn from a stream of its own, seeded by the domain, so adding it moved nothing else
//! on the web; the truth ([`Intel::technologies`], [`Intel::findings`]) is derived from the same draw.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A technology as a site shows it.
#[derive(Debug)]
pub(crate) struct Tech {
    pub name: &'static str,
    /// What is detected with it: what our fingerprints imply from it, and the CDN it is served from.
    pub implies: &'static [&'static str],
    /// Markup in `<head>`.
    pub head: &'static str,
    /// Markup before `</body>`.
    pub body: &'static str,
    /// Response headers on every page.
    pub headers: &'static [(&'static str, &'static str)],
}

const fn tech(
    name: &'static str,
    implies: &'static [&'static str],
    head: &'static str,
    body: &'static str,
    headers: &'static [(&'static str, &'static str)],
) -> Tech {
    Tech { name, implies, head, body, headers }
}

pub(crate) const WORDPRESS: Tech = tech(
    "WordPress",
    &["PHP", "MySQL"],
    "<meta name=\"generator\" content=\"WordPress 6.4.2\">\n<link rel=\"stylesheet\" href=\"/wp-content/themes/flavor/style.css?ver=6.4.2\">\n",
    "",
    &[("link", "<http://api.w.org/>; rel=\"https://api.w.org/\"")],
);
const WOOCOMMERCE: Tech = tech(
    "WooCommerce",
    &[],
    "<meta name=\"generator\" content=\"WooCommerce 8.3.1\">\n<link rel=\"stylesheet\" href=\"/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver=8.3.1\">\n",
    "",
    &[],
);
const WIX: Tech = tech(
    "Wix",
    &[],
    "<meta name=\"generator\" content=\"Wix.com Website Builder\">\n",
    "<script src=\"https://static.parastorage.com/services/wix-thunderbolt/dist/main.js\" defer></script>\n",
    &[("x-wix-request-id", "1701701701.123456789")],
);
const SQUARESPACE: Tech = tech(
    "Squarespace",
    &[],
    "<!-- This is Squarespace. -->\n",
    "<script src=\"https://static1.squarespace.com/static/vta/5c5a519771c10ba3470d8101/scripts/site-bundle.js\" defer></script>\n",
    &[],
);
const SHOPIFY: Tech = tech(
    "Shopify",
    &[],
    "<link rel=\"stylesheet\" href=\"https://cdn.shopify.com/s/files/1/0533/theme.css\">\n",
    "<script src=\"https://cdn.shopify.com/s/trekkie.storefront.min.js\" defer></script>\n",
    &[("x-shopid", "53312345")],
);
const JQUERY: Tech =
    tech("jQuery", &[], "", "<script src=\"https://code.jquery.com/jquery-3.7.1.min.js\" defer></script>\n", &[]);
const BOOTSTRAP: Tech = tech(
    "Bootstrap",
    &["jsDelivr"],
    "<link rel=\"stylesheet\" href=\"https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/css/bootstrap.min.css\">\n",
    "<script src=\"https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js\" defer></script>\n",
    &[],
);
const META_PIXEL: Tech = tech(
    "Meta Pixel",
    &[],
    "",
    "<script>!function(f,b,e,v,n,t,s){n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};\
t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script',\
'https://connect.facebook.net/en_US/fbevents.js');fbq('init','718281828459045');fbq('track','PageView');</script>\n",
    &[],
);
const HOTJAR: Tech = tech(
    "Hotjar",
    &[],
    "",
    "<script>(function(h,o,t,j,a,r){h._hjSettings={hjid:3141592,hjsv:6};a=o.getElementsByTagName('head')[0];r=o.createElement('script');r.async=1;\
r.src=t+h._hjSettings.hjid+j;a.appendChild(r);})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>\n",
    &[],
);
const CALENDLY: Tech = tech(
    "Calendly",
    &[],
    "",
    "<div class=\"calendly-inline-widget\" data-url=\"https://calendly.com/book-a-visit\" style=\"min-width:320px;height:630px;\"></div>\n\
<script src=\"https://assets.calendly.com/assets/external/widget.js\" async></script>\n",
    &[],
);
const HUBSPOT: Tech = tech(
    "HubSpot",
    &[],
    "",
    "<script id=\"hs-script-loader\" async defer src=\"//js.hs-scripts.com/4815162.js\"></script>\n",
    &[],
);
const TAWK: Tech = tech(
    "Tawk.to",
    &[],
    "",
    "<script>var Tawk_API=Tawk_API||{},Tawk_LoadStart=new Date();(function(){var s1=document.createElement('script');s1.async=true;\
s1.src='https://embed.tawk.to/5f1a2b3c4d5e6f7a8b9c0d1e/default';document.body.appendChild(s1);})();</script>\n",
    &[],
);
const STRIPE: Tech = tech("Stripe", &[], "<script src=\"https://js.stripe.com/v3/\" async></script>\n", "", &[]);
const COOKIEBOT: Tech = tech(
    "Cookiebot",
    &[],
    "<script id=\"Cookiebot\" src=\"https://consent.cookiebot.com/uc.js\" data-cbid=\"8a1c2e3f-0000-4000-8000-000000000000\" async></script>\n",
    "",
    &[],
);
const TRUSTPILOT: Tech = tech(
    "Trustpilot",
    &[],
    "<script src=\"https://widget.trustpilot.com/bootstrap/v5/tp.widget.bootstrap.min.js\" async></script>\n",
    "<div class=\"trustpilot-widget\" data-locale=\"en-US\" data-template-id=\"5419b6a8b0d04a076446a9ad\"></div>\n",
    &[],
);
pub(crate) const GOOGLE_MAPS_NAME: &str = "Google Maps";
const GOOGLE_MAPS: Tech = tech(
    GOOGLE_MAPS_NAME,
    &[],
    "",
    "<iframe src=\"https://www.google.com/maps/embed?pb=!1m18!1m12\" width=\"600\" height=\"300\" title=\"Map\" loading=\"lazy\"></iframe>\n",
    &[],
);
const OPTINMONSTER: Tech = tech(
    "OptinMonster",
    &[],
    "",
    "<script src=\"https://a.omappapi.com/app/js/api.min.js\" data-account=\"12345\" async></script>\n",
    &[],
);
const NGINX: Tech = tech("Nginx", &[], "", "", &[("server", "nginx")]);
const APACHE: Tech = tech("Apache HTTP Server", &[], "", "", &[("server", "Apache/2.4.41 (Ubuntu)")]);
const CLOUDFLARE: Tech =
    tech("Cloudflare", &[], "", "", &[("server", "cloudflare"), ("cf-ray", "83a1b2c3d4e5f607-IAD")]);

/// Products a site may *mention* in its copy without running them (never part of the truth).
const MENTIONS: &[(&str, &str)] = &[
    ("Mailchimp", "<p>Join our newsletter — we integrate with Mailchimp, so you can unsubscribe any time.</p>\n"),
    ("Shopify", "<p>Thinking of selling online? We help clients move their catalogues to Shopify.</p>\n"),
    ("HubSpot", "<p>Our team reviewed HubSpot, Salesforce and Zoho before choosing our booking process.</p>\n"),
];

/// How well a site is kept: each flag is one audit signal the site shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Upkeep {
    pub no_viewport: bool,
    pub zoom_disabled: bool,
    pub no_description: bool,
    pub no_h1: bool,
    pub no_lang: bool,
    pub stale_copyright: bool,
    pub blocking_scripts: bool,
    pub images_without_alt: bool,
    pub generic_link: bool,
    pub broken_link: bool,
    pub no_sitemap: bool,
    pub security_headers: bool,
}

/// A site's technologies and upkeep.
#[derive(Debug, Clone, Default)]
pub(crate) struct Intel {
    pub stack: Vec<&'static Tech>,
    /// A product named in the copy but not used.
    pub mention: Option<(&'static str, &'static str)>,
    pub upkeep: Upkeep,
}

/// Shares of sites on each CMS (the rest are hand-built).
pub const WORDPRESS_SHARE: f64 = 0.35;
pub const WIX_SHARE: f64 = 0.08;
pub const SQUARESPACE_SHARE: f64 = 0.07;
pub const SHOPIFY_SHARE: f64 = 0.05;

fn seed_of(domain: &str) -> u64 {
    // FNV-1a: stable across platforms and Rust versions.
    domain.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Draws a site's intelligence from its domain. `us` sites may leave out `lang` (elsewhere the language
/// tells the phone region, which the extraction truth relies on).
pub(crate) fn draw(domain: &str, us: bool) -> Intel {
    let mut rng = ChaCha8Rng::seed_from_u64(seed_of(domain));
    let mut stack: Vec<&'static Tech> = Vec::new();
    let cms: f64 = rng.r#gen();
    if cms < WORDPRESS_SHARE {
        stack.push(&WORDPRESS);
        if rng.gen_bool(0.3) {
            stack.push(&WOOCOMMERCE);
        }
        if rng.gen_bool(0.7) {
            stack.push(&JQUERY);
        }
    } else if cms < WORDPRESS_SHARE + WIX_SHARE {
        stack.push(&WIX);
    } else if cms < WORDPRESS_SHARE + WIX_SHARE + SQUARESPACE_SHARE {
        stack.push(&SQUARESPACE);
    } else if cms < WORDPRESS_SHARE + WIX_SHARE + SQUARESPACE_SHARE + SHOPIFY_SHARE {
        stack.push(&SHOPIFY);
    } else if rng.gen_bool(0.3) {
        stack.push(&JQUERY);
    }
    for (share, t) in [
        (0.2, &BOOTSTRAP),
        (0.25, &META_PIXEL),
        (0.1, &HOTJAR),
        (0.15, &CALENDLY),
        (0.08, &HUBSPOT),
        (0.1, &TAWK),
        (0.05, &STRIPE),
        (0.1, &COOKIEBOT),
        (0.08, &TRUSTPILOT),
        (0.2, &GOOGLE_MAPS),
        (0.05, &OPTINMONSTER),
    ] {
        if rng.gen_bool(share) {
            stack.push(t);
        }
    }
    let server: f64 = rng.r#gen();
    if server < 0.3 {
        stack.push(&NGINX);
    } else if server < 0.5 {
        stack.push(&APACHE);
    } else if server < 0.65 {
        stack.push(&CLOUDFLARE);
    }
    let mention = if rng.gen_bool(0.2) {
        let (name, html) = MENTIONS[rng.gen_range(0..MENTIONS.len())];
        (!stack.iter().any(|t| t.name == name)).then_some((name, html))
    } else {
        None
    };
    let no_viewport = rng.gen_bool(0.15);
    let upkeep = Upkeep {
        no_viewport,
        zoom_disabled: !no_viewport && rng.gen_bool(0.06),
        no_description: rng.gen_bool(0.15),
        no_h1: rng.gen_bool(0.1),
        no_lang: us && rng.gen_bool(0.06),
        stale_copyright: rng.gen_bool(0.2),
        blocking_scripts: rng.gen_bool(0.15),
        images_without_alt: rng.gen_bool(0.2),
        generic_link: rng.gen_bool(0.2),
        broken_link: rng.gen_bool(0.12),
        no_sitemap: rng.gen_bool(0.2),
        security_headers: rng.gen_bool(0.2),
    };
    Intel { stack, mention, upkeep }
}

impl Intel {
    /// Markup for `<head>`.
    pub(crate) fn head(&self) -> String {
        let mut out: String = self.stack.iter().map(|t| t.head).collect();
        if self.upkeep.blocking_scripts {
            out.push_str("<script src=\"/js/theme.js\"></script>\n<script src=\"/js/plugins.js\"></script>\n<script src=\"/js/slider.js\"></script>\n");
        }
        out
    }

    /// Markup before `</body>`.
    pub(crate) fn body(&self) -> String {
        self.stack.iter().map(|t| t.body).collect()
    }

    /// Headers on every HTML page.
    pub(crate) fn headers(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            self.stack.iter().flat_map(|t| t.headers).map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        if self.upkeep.security_headers {
            for (k, v) in [
                ("content-security-policy", "default-src 'self' https: 'unsafe-inline'; frame-ancestors 'self'"),
                ("x-content-type-options", "nosniff"),
                ("referrer-policy", "strict-origin-when-cross-origin"),
            ] {
                out.push((k.to_string(), v.to_string()));
            }
        }
        out
    }

    /// The viewport `<meta>`, if the site has one.
    pub(crate) fn viewport(&self) -> &'static str {
        match (self.upkeep.no_viewport, self.upkeep.zoom_disabled) {
            (true, _) => "",
            (false, true) => {
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no\">\n"
            }
            (false, false) => "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        }
    }

    /// The footer's copyright year.
    pub(crate) fn copyright_year(&self) -> u16 {
        if self.upkeep.stale_copyright { 2017 } else { 2025 }
    }

    /// Extra home-page content: a gallery, a vague link, a link to a page that is gone, a mention.
    pub(crate) fn home_extras(&self) -> String {
        let mut out = String::new();
        if self.upkeep.images_without_alt {
            out.push_str("<section class=\"gallery\"><div class=\"container\">");
            for k in 1..=4 {
                out.push_str(&format!("<img src=\"/img/gallery-{k}.jpg\" width=\"400\" height=\"300\">"));
            }
            out.push_str("</div></section>\n");
        }
        if self.upkeep.generic_link {
            out.push_str("<p class=\"more\">Want to see our prices? <a href=\"/services\">Click here</a></p>\n");
        }
        if self.upkeep.broken_link {
            out.push_str("<p class=\"promo\"><a href=\"/specials-2019\">See our 2019 specials</a></p>\n");
        }
        if let Some((_, html)) = self.mention {
            out.push_str(html);
        }
        out
    }

    /// The technologies a correct detector reports for this site, beyond what every sample site runs.
    pub(crate) fn technologies(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .stack
            .iter()
            .flat_map(|t| std::iter::once(t.name).chain(t.implies.iter().copied()))
            .map(String::from)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The audit findings this site's upkeep should produce (the ones the sample web controls).
    pub(crate) fn findings(&self) -> Vec<&'static str> {
        let u = &self.upkeep;
        let mut out = Vec::new();
        for (on, id) in [
            (u.no_viewport, "no_viewport"),
            (u.zoom_disabled, "zoom_disabled"),
            (u.no_description, "missing_meta_description"),
            (u.no_h1, "missing_h1"),
            (u.no_lang, "no_lang"),
            (u.stale_copyright, "stale_copyright"),
            (u.blocking_scripts, "render_blocking_scripts"),
            (u.images_without_alt, "images_without_alt"),
            (u.generic_link, "generic_link_text"),
            (u.broken_link, "broken_internal_links"),
            (u.no_sitemap, "no_sitemap"),
            (!u.security_headers, "no_csp"),
            (!u.security_headers, "no_clickjacking_protection"),
            (!u.security_headers, "no_nosniff"),
            (!u.security_headers, "no_referrer_policy"),
            (self.stack.iter().any(|t| t.name == "Apache HTTP Server"), "server_version_disclosed"),
            (self.stack.iter().any(|t| t.name == "OptinMonster"), "intrusive_popup"),
            (!self.stack.iter().any(|t| t.name == "Calendly"), "no_booking_widget"),
        ] {
            if on {
                out.push(id);
            }
        }
        out
    }
}

/// The audit findings the sample web controls: precision and recall are measured on these.
pub const CONTROLLED_FINDINGS: &[&str] = &[
    "no_viewport",
    "zoom_disabled",
    "missing_meta_description",
    "missing_h1",
    "no_lang",
    "stale_copyright",
    "render_blocking_scripts",
    "images_without_alt",
    "generic_link_text",
    "broken_internal_links",
    "no_sitemap",
    "no_csp",
    "no_clickjacking_protection",
    "no_nosniff",
    "no_referrer_policy",
    "server_version_disclosed",
    "intrusive_popup",
    "no_booking_widget",
    "no_structured_data",
    "invalid_structured_data",
];
