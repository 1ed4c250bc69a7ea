//! The feature values behind a timeline entry's change: the tokens of the DNA before and of
//! the DNA after, grouped by feature (`lldp.med.model`, `dhcp.prl`, …, the names events carry
//! in `changed`), each feature whose values differ listed with both sides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One feature whose values differ between two DNAs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FeatureChange {
    /// `family.feature`, as events name it in `changed` (without the `+`/`-`/`~`).
    pub feature: String,
    /// Its values in the DNA before (empty: the feature was absent).
    pub before: Vec<String>,
    /// Its values in the DNA after (empty: the feature is gone).
    pub after: Vec<String>,
}

/// A stored token as the store keeps it (`dna_tokens.tokens` and `devices.tokens`).
#[derive(Debug, Deserialize)]
struct StoredToken {
    token: String,
}

/// The values of each feature in a stored token list (JSON); `None` when it does not parse.
pub fn features(tokens_json: &str) -> Option<BTreeMap<String, Vec<String>>> {
    let tokens: Vec<StoredToken> = serde_json::from_str(tokens_json).ok()?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in tokens {
        let value = t.token.split_once(':').map_or("", |(_, v)| v).to_owned();
        out.entry(crate::dna::feature_name(&t.token))
            .or_default()
            .push(value);
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    Some(out)
}

/// The features whose values differ between `before` and `after`, by feature name.
pub fn diff(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> Vec<FeatureChange> {
    let none = Vec::new();
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (b, a) = (
                before.get(name).unwrap_or(&none),
                after.get(name).unwrap_or(&none),
            );
            (b != a).then(|| FeatureChange {
                feature: name.clone(),
                before: b.clone(),
                after: a.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(list: &[&str]) -> String {
        serde_json::to_string(
            &list
                .iter()
                .map(|t| serde_json::json!({"token": t, "family": "lldp", "weight": 1.0}))
                .collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn a_firmware_update_shows_the_old_and_new_values_by_feature() {
        let before = features(&tokens(&[
            "lldp.med.model:cp-8851",
            "lldp.med.sw:sip88xx.12-5-1",
            "dhcp.prl:1,3,6,15",
            "oui:00562b",
        ]))
        .unwrap();
        let after = features(&tokens(&[
            "lldp.med.model:cp-8851",
            "lldp.med.sw:sip88xx.14-1-1",
            "dhcp.prl:1,3,6,15",
            "oui:00562b",
            "cdp.platform:cisco ip phone 8851",
        ]))
        .unwrap();
        assert_eq!(
            diff(&before, &after),
            [
                FeatureChange {
                    feature: "cdp.platform".into(),
                    before: vec![],
                    after: vec!["cisco ip phone 8851".into()],
                },
                FeatureChange {
                    feature: "lldp.med.sw".into(),
                    before: vec!["sip88xx.12-5-1".into()],
                    after: vec!["sip88xx.14-1-1".into()],
                },
            ]
        );
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn values_holding_colons_and_commas_stay_whole_and_garbage_reads_none() {
        let f = features(&tokens(&["fw:cisco-ios:12.2(55)se", "dhcp.prl:1,3,6"])).unwrap();
        assert_eq!(f["fw.versions"], ["cisco-ios:12.2(55)se"]);
        assert_eq!(f["dhcp.prl"], ["1,3,6"]);
        assert!(features("not json").is_none());
    }
}
