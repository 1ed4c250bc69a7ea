//! Forescout through Data Exchange (DEX): its Web API is read-only, so the hand-off writes a
//! host property that a Forescout policy acts on.
//!
//! `POST /fsapi/niCore/Hosts` with `Content-Type: application/xml`, basic auth
//! `username@dex_account`, and an `FSAPI` request: quarantine is an `update` transaction on
//! `HOST_KEY NAME="mac"` (12 hex digits) setting `property` to the policy name (and
//! `event_property`, when configured, to the event id); release is a `delete` transaction of
//! the same properties. Forescout answers an `FSAPI` response whose `STATUS/CODE` is `FSAPI_OK`
//! on success; any other code, an HTTP error or an answer that is not such a document is a
//! refusal. Answers are parsed with roxmltree (no DTDs, so no entity expansion).

use axum::http::Method;

use super::https::Answer;
use super::{Accepted, Handoff, Https, NacError, basic_auth, clip, parse_mac, trust};
use crate::config::ConfigError;
use crate::config::integrations::Forescout as Config;

/// Path of the DEX web service.
pub const HOSTS: &str = "/fsapi/niCore/Hosts";
const XML: &str = "application/xml";

/// A configured Forescout.
pub struct Forescout {
    https: Https,
    authorization: String,
    property: String,
    event_property: Option<String>,
}

impl std::fmt::Debug for Forescout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the Authorization header (the password, base64-encoded).
        f.debug_struct("Forescout")
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

impl Forescout {
    /// Builds the client (password resolved, CA read).
    pub fn build(c: &Config) -> Result<Forescout, ConfigError> {
        const K: &str = "integrations.forescout";
        let p = c.validate()?;
        let tls = trust::client_config(&p.trust, K)?;
        let password = c.password.resolve(&format!("{K}.password"))?;
        Ok(Forescout {
            https: Https::new(&p, tls).map_err(|m| ConfigError::invalid(format!("{K}.url"), m))?,
            authorization: basic_auth(&format!("{}@{}", c.username, c.dex_account), &password),
            property: c.property.clone(),
            event_property: c.event_property.clone(),
        })
    }

    /// Sets (`release == false`) or deletes the properties of the handoff's MAC.
    pub async fn call(&self, release: bool, h: &Handoff) -> Result<Accepted, NacError> {
        let mac = dex_mac(&h.mac);
        let body = if release {
            let mut names = vec![self.property.as_str()];
            names.extend(self.event_property.as_deref());
            delete_body(&mac, &names)
        } else {
            let mut props = vec![(
                self.property.as_str(),
                h.policy.as_deref().unwrap_or_default(),
            )];
            if let Some(e) = &self.event_property {
                props.push((e.as_str(), h.event_id.as_str()));
            }
            update_body(&mac, &props)
        };
        self.https
            .within(async {
                let mut conn = self.https.connect().await?;
                let a = conn
                    .send(
                        Method::POST,
                        HOSTS,
                        &[
                            ("authorization", self.authorization.as_str()),
                            ("content-type", XML),
                            ("accept", XML),
                        ],
                        body.into_bytes(),
                    )
                    .await?;
                judge(&a)
            })
            .await
    }
}

/// Forescout's MAC form: 12 lower-case hex digits.
pub fn dex_mac(mac: &str) -> String {
    match parse_mac(mac) {
        Some(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        None => mac.to_ascii_lowercase(),
    }
}

/// `s` escaped for XML text and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

fn envelope(kind: &str, mac: &str, properties: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <FSAPI TYPE=\"request\" API_VERSION=\"2.0\">\n\
         \x20 <TRANSACTION TYPE=\"{kind}\">\n\
         \x20   <HOST_KEY NAME=\"mac\" VALUE=\"{}\"/>\n\
         \x20   <PROPERTIES>\n{properties}\x20   </PROPERTIES>\n\
         \x20 </TRANSACTION>\n\
         </FSAPI>\n",
        esc(mac)
    )
}

/// An `update` transaction setting each `(property, value)` on the host `mac`.
pub fn update_body(mac: &str, props: &[(&str, &str)]) -> String {
    let p: String = props
        .iter()
        .map(|(n, v)| {
            format!(
                "      <PROPERTY NAME=\"{}\">\n        <VALUE>{}</VALUE>\n      </PROPERTY>\n",
                esc(n),
                esc(v)
            )
        })
        .collect();
    envelope("update", mac, &p)
}

/// A `delete` transaction removing each property from the host `mac`.
pub fn delete_body(mac: &str, names: &[&str]) -> String {
    let p: String = names
        .iter()
        .map(|n| format!("      <PROPERTY NAME=\"{}\"/>\n", esc(n)))
        .collect();
    envelope("delete", mac, &p)
}

/// `STATUS/CODE` and `STATUS/MESSAGE` of an FSAPI response.
pub fn status(body: &[u8]) -> Result<(String, String), String> {
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_owned())?;
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "FSAPI" {
        return Err(format!(
            "root element is <{}>, not <FSAPI>",
            root.tag_name().name()
        ));
    }
    let st = root
        .children()
        .find(|n| n.has_tag_name("STATUS"))
        .ok_or("no <STATUS>")?;
    let text_of = |name: &str| {
        st.children()
            .find(|n| n.has_tag_name(name))
            .map(|n| n.text().unwrap_or("").trim().to_owned())
    };
    let code = text_of("CODE").ok_or("no <STATUS><CODE>")?;
    Ok((code, text_of("MESSAGE").unwrap_or_default()))
}

/// Success (`FSAPI_OK` in a 2xx answer) or the refusal the answer describes.
pub fn judge(a: &Answer) -> Result<Accepted, NacError> {
    let parsed = status(&a.body);
    let said = |code: &str, msg: &str| {
        if msg.is_empty() {
            clip(code, 100)
        } else {
            format!("{}: {}", clip(code, 100), clip(msg, 300))
        }
    };
    match parsed {
        Ok((code, msg)) if (200..300).contains(&a.status) && code == "FSAPI_OK" => Ok(Accepted {
            status: a.status,
            answer: said(&code, &msg),
        }),
        Ok((code, msg)) => Err(NacError::Rejected {
            status: a.status,
            detail: said(&code, &msg),
        }),
        Err(why) => Err(NacError::Rejected {
            status: a.status,
            detail: if (200..300).contains(&a.status) {
                format!("not an FSAPI answer ({why})")
            } else if a.status == 401 {
                "Forescout refused the DEX credentials (username@dex_account / password)".into()
            } else {
                format!("no FSAPI status ({why})")
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn the_update_is_an_fsapi_request_with_escaped_values() {
        let b = update_body(
            &dex_mac("00:11:22:AA:BB:CC"),
            &[("cq", "Q<&>\"'"), ("ce", "evt_1")],
        );
        let doc = roxmltree::Document::parse(&b).unwrap();
        let root = doc.root_element();
        assert_eq!(
            (root.tag_name().name(), root.attribute("TYPE")),
            ("FSAPI", Some("request"))
        );
        let tx = root
            .children()
            .find(|n| n.has_tag_name("TRANSACTION"))
            .unwrap();
        assert_eq!(tx.attribute("TYPE"), Some("update"));
        let key = tx.children().find(|n| n.has_tag_name("HOST_KEY")).unwrap();
        assert_eq!(
            (key.attribute("NAME"), key.attribute("VALUE")),
            (Some("mac"), Some("001122aabbcc"))
        );
        let props: Vec<(String, String)> = tx
            .descendants()
            .filter(|n| n.has_tag_name("PROPERTY"))
            .map(|p| {
                let v = p.children().find(|n| n.has_tag_name("VALUE")).unwrap();
                (
                    p.attribute("NAME").unwrap().into(),
                    v.text().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            props,
            [
                ("cq".into(), "Q<&>\"'".into()),
                ("ce".into(), "evt_1".into())
            ]
        );
        let d = delete_body("001122aabbcc", &["cq"]);
        let doc = roxmltree::Document::parse(&d).unwrap();
        assert!(
            doc.descendants()
                .any(|n| n.attribute("TYPE") == Some("delete"))
        );
    }

    #[test]
    fn only_fsapi_ok_is_success() {
        let ok = "<?xml version=\"1.0\"?><FSAPI TYPE=\"response\" API_VERSION=\"2.0\"><STATUS>\
                  <CODE>FSAPI_OK</CODE><MESSAGE>Successfully updated host</MESSAGE></STATUS></FSAPI>";
        assert_eq!(
            judge(&answer(200, ok)).unwrap().answer,
            "FSAPI_OK: Successfully updated host"
        );
        let bad = ok
            .replace("FSAPI_OK", "FSAPI_BAD_REQUEST")
            .replace("Successfully updated host", "Unknown property");
        assert_eq!(
            judge(&answer(200, &bad)).unwrap_err(),
            NacError::Rejected {
                status: 200,
                detail: "FSAPI_BAD_REQUEST: Unknown property".into()
            }
        );
        assert!(judge(&answer(500, ok)).is_err());
        for junk in [
            "",
            "<html/>",
            "<FSAPI/>",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><FSAPI/>",
            "\u{0}",
        ] {
            let e = judge(&answer(200, junk)).unwrap_err().to_string();
            assert!(e.contains("not an FSAPI answer"), "{junk}: {e}");
        }
        let e = judge(&answer(401, "")).unwrap_err().to_string();
        assert!(e.contains("401") && e.contains("credentials"), "{e}");
    }
}
